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

  constructor(
    private readonly scheme: 'http' | 'https',
    private readonly runnerPattern: string,
    private readonly previewPattern: string,
  ) {
    this.runner = compile(runnerPattern);
    this.preview = compile(previewPattern);
  }

  match(hostHeader: string | undefined): { kind: HostKind; id: string } | null {
    if (!hostHeader) return null;
    const host = hostHeader.toLowerCase();
    const hostname = host.replace(/:\d+$/, '');
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
    const pattern = kind === 'runner' ? this.runnerPattern : this.previewPattern;
    return `${this.scheme}://${pattern.replace('{id}', id)}`;
  }
}
