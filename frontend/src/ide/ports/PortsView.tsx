import { portPreviewUrl } from '@cubicle/protocol';

interface PortsViewProps {
  ports: number[];
  previewUrl: string;
  onShow(port: number): void;
}

/** Every port a server listens on in the repl, each with its own preview address. */
export function PortsView({ ports, previewUrl, onShow }: PortsViewProps) {
  if (ports.length === 0) {
    return (
      <p className="muted ports-empty">
        Nothing listens on a port yet. Start a server (on 0.0.0.0 or 127.0.0.1) and it shows here with its own address.
      </p>
    );
  }
  return (
    <table className="ports-table">
      <tbody>
        {ports.map((port) => {
          const url = portPreviewUrl(previewUrl, port);
          return (
            <tr key={port} data-port={port}>
              <td className="ports-port">{port}</td>
              <td>
                <a href={url} target="_blank" rel="noreferrer">
                  {url}
                </a>
              </td>
              <td>
                <button type="button" onClick={() => onShow(port)}>
                  Show in preview
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
