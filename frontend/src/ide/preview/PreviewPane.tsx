import { portPreviewUrl } from '@cubicle/protocol';
import { ExternalLink, RefreshCw } from 'lucide-react';
import { useState } from 'react';

interface PreviewPaneProps {
  previewUrl: string;
  /** Bumped when the app (re)starts: the frame reloads. */
  reloadSignal: number;
  /** Ports listening in the repl, each with its own preview host. */
  ports: number[];
  /** The port shown, or null for the app ($PORT, the repl's preview URL). */
  port: number | null;
  onPort(port: number | null): void;
}

/** The repl's app at its own subdomain (or any port's), with a path bar, reload and open-in-a-new-tab. */
export function PreviewPane({ previewUrl, reloadSignal, ports, port, onPort }: PreviewPaneProps) {
  const base = (port === null ? previewUrl : portPreviewUrl(previewUrl, port)).replace(/\/$/, '');
  const [path, setPath] = useState('/');
  const [draft, setDraft] = useState('/');
  const [reloads, setReloads] = useState(0);
  const url = base + path;
  return (
    <div className="preview-pane">
      <form
        className="pane-header preview-bar"
        onSubmit={(e) => {
          e.preventDefault();
          const next = draft.startsWith('/') ? draft : `/${draft}`;
          setDraft(next);
          setPath(next);
          setReloads((r) => r + 1);
        }}
      >
        <button type="button" title="Reload" aria-label="Reload preview" onClick={() => setReloads((r) => r + 1)}>
          <RefreshCw size={14} aria-hidden />
        </button>
        <select
          className="preview-port"
          aria-label="Preview port"
          value={port ?? 'app'}
          onChange={(e) => {
            onPort(e.target.value === 'app' ? null : Number(e.target.value));
            setReloads((r) => r + 1);
          }}
        >
          <option value="app">App ($PORT)</option>
          {[...new Set([...ports, ...(port === null ? [] : [port])])].map((p) => (
            <option key={p} value={p}>
              Port {p}
            </option>
          ))}
        </select>
        <span className="preview-origin" title={base}>
          {new URL(base).host}
        </span>
        <input aria-label="Preview path" value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} />
        <a href={url} target="_blank" rel="noreferrer" title="Open in a new tab" aria-label="Open preview in a new tab">
          <ExternalLink size={14} aria-hidden />
        </a>
      </form>
      <iframe
        key={`${reloads}:${reloadSignal}`}
        title="Preview"
        className="preview-frame"
        src={url}
        // The app is another origin (its own subdomain); it may run scripts and forms, nothing more.
        sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads"
      />
    </div>
  );
}
