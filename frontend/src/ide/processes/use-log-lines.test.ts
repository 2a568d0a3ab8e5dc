import type { LogLine } from '@cubicle/protocol';
import { describe, expect, it } from 'vitest';
import { mergeLines } from './use-log-lines';

const line = (seq: number): LogLine => ({ seq, at: seq, stream: 'stdout', text: `l${seq}` });

describe('console line merging', () => {
  it('appends pushes after the backlog once each, even when they overlap', () => {
    const backlog = [0, 1, 2, 3].map(line);
    const merged = mergeLines(mergeLines([], backlog), [2, 3, 4, 5].map(line));
    expect(merged.map((l) => l.seq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps the newest lines when a chatty process exceeds the cap', () => {
    let lines: LogLine[] = [];
    for (let i = 0; i < 6000; i += 100)
      lines = mergeLines(
        lines,
        Array.from({ length: 100 }, (_, j) => line(i + j)),
      );
    expect(lines.length).toBe(5000);
    expect(lines.at(-1)?.seq).toBe(5999);
  });
});
