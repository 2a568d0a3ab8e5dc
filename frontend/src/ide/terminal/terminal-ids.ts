import { TerminalId } from '@cubicle/protocol';

/** Terminal tabs are kept in the page URL (`?terms=a,b&term=a`) so a reload finds the same shells. */
export function parseTerminalIds(param: string | null): string[] {
  if (!param) return [];
  const ids = param.split(',').filter((id) => TerminalId.safeParse(id).success);
  return [...new Set(ids)];
}

export function formatTerminalIds(ids: string[]): string | null {
  return ids.length ? ids.join(',') : null;
}

export function newTerminalId(): string {
  return `t${Math.random().toString(36).slice(2, 10)}`;
}
