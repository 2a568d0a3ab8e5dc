import { REPL_ID_PATTERN } from '@cubicle/protocol';

export type HostKind = 'runner' | 'preview';

const ID = REPL_ID_PATTERN.source.replace(/^\^|\$$/g, '');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(pattern: string): { regex: RegExp; hasPort: boolean } {
  const [before, after] = pattern.toLowerCase().split('{id}') as [string, string];
  return {
    regex: new RegExp(`^${escapeRegExp(before)}(${ID})${escapeRegExp(after)}$`),
    hasPort: /:\d+$/.test(pattern),
  };
}

/**
 * The public host names of repls (RUNNER_HOST_PATTERN, PREVIEW_HOST_PATTERN): `{id}` stands
 * for the repl id. Reads a Host header back into (kind, id) for the gateway, and builds the
 * URLs the API hands out. A pattern without a port matches the host whatever port it came on.
 */
export class HostPatterns {
  private readonly runner: { regex: RegExp; hasPort: boolean };
  private readonly preview: { regex: RegExp; hasPort: boolean };
  /** The preview host with `<port>-` in front: one preview per port the repl listens on. */
  private readonly portPreview: { regex: RegExp; hasPort: boolean };

  constructor(
    private readonly scheme: 'http' | 'https',
    private readonly runnerPattern: string,
    private readonly previewPattern: string,
  ) {
    this.runner = compile(runnerPattern);
    this.preview = compile(previewPattern);
    const port = compile(previewPattern);
    this.portPreview = { ...port, regex: new RegExp(port.regex.source.replace(/^\^/, '^(\\d{1,5})-')) };
  }

  /** `port` is set for a port's own preview host (`8081-<id>.…`). */
  match(hostHeader: string | undefined): { kind: HostKind; id: string; port?: number } | null {
    if (!hostHeader) return null;
    const host = hostHeader.toLowerCase();
    const hostname = host.replace(/:\d+$/, '');
    const p = this.portPreview;
    const portMatch = p.regex.exec(p.hasPort ? host : hostname);
    const port = Number(portMatch?.[1]);
    if (portMatch?.[2] && port >= 1 && port <= 65535) return { kind: 'preview', id: portMatch[2], port };
    for (const [kind, p] of [
      ['runner', this.runner],
      ['preview', this.preview],
    ] as const) {
      const m = p.regex.exec(p.hasPort ? host : hostname);
      if (m?.[1]) return { kind, id: m[1] };
    }
    return null;
  }

  url(kind: HostKind, id: string): string {
    return `${this.scheme}://${this.host(kind, id)}`;
  }

  /** The Host a repl's runner or preview is reached by; with `port`, that port's own preview host. */
  host(kind: HostKind, id: string, port?: number): string {
    const host = (kind === 'runner' ? this.runnerPattern : this.previewPattern).replace('{id}', id);
    return port === undefined ? host : `${port}-${host}`;
  }

  get secure(): boolean {
    return this.scheme === 'https';
  }
}
