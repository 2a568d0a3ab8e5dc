import { describe, expect, it } from 'vitest';
import { formatTerminalIds, newTerminalId, parseTerminalIds } from './terminal-ids';

describe('terminal ids in the URL', () => {
  it('round-trips a list of ids', () => {
    expect(parseTerminalIds(formatTerminalIds(['a', 'run', 't1x']))).toEqual(['a', 'run', 't1x']);
    expect(formatTerminalIds([])).toBeNull();
  });

  it('drops ids the runner would refuse, and duplicates', () => {
    expect(parseTerminalIds(`ok,../x,,ok,has space,${'x'.repeat(65)}`)).toEqual(['ok']);
    expect(parseTerminalIds(null)).toEqual([]);
  });

  it('makes fresh ids the runner accepts', () => {
    const ids = new Set(Array.from({ length: 50 }, newTerminalId));
    expect(ids.size).toBe(50);
    expect(parseTerminalIds([...ids].join(','))).toHaveLength(50);
  });
});
