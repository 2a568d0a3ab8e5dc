import { describe, expect, it } from 'vitest';
import { AckCounter } from './ack-counter';

describe('terminal ack counter', () => {
  it('acks in batches and never holds back a batch or more', () => {
    const c = new AckCounter(1000);
    const acks: number[] = [];
    for (let i = 0; i < 57; i++) {
      const n = c.rendered(123);
      if (n) acks.push(n);
      expect(c.unacknowledged).toBeLessThan(1000);
    }
    expect(acks.every((n) => n >= 1000 && n < 1123)).toBe(true);
    expect(acks.reduce((a, b) => a + b, 0) + c.flush()).toBe(57 * 123);
  });

  it('flush after a pause returns the rest exactly once', () => {
    const c = new AckCounter(1000);
    expect(c.rendered(10)).toBe(0);
    expect(c.flush()).toBe(10);
    expect(c.flush()).toBe(0);
  });

  it('one large chunk is acked whole at once', () => {
    expect(new AckCounter(1000).rendered(250_000)).toBe(250_000);
  });
});
