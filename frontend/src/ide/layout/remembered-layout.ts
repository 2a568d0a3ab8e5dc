import type { Layout } from 'react-resizable-panels';

/** Pane sizes are remembered per repl and per split, in this browser. */
const key = (replId: string, group: string) => `cubicle:layout:${replId}:${group}`;

export function loadLayout(replId: string, group: string): Layout | undefined {
  try {
    const raw = localStorage.getItem(key(replId, group));
    if (!raw) return undefined;
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object') return undefined;
    const entries = Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number');
    return Object.fromEntries(entries);
  } catch {
    return undefined; // storage disabled or a corrupt value: fall back to the defaults
  }
}

export function saveLayout(replId: string, group: string, layout: Layout): void {
  try {
    localStorage.setItem(key(replId, group), JSON.stringify(layout));
  } catch {
    // storage full or disabled: the layout simply is not remembered
  }
}
