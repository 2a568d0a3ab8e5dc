/**
 * Collects items per key and hands each key's batch over once per window: a chatty process
 * becomes a few socket messages a second instead of one per write.
 */
export class KeyedBatcher<T> {
  private readonly pending = new Map<string, T[]>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly deliver: (key: string, items: T[]) => void,
  ) {}

  add(key: string, items: readonly T[]): void {
    if (items.length === 0) return;
    const list = this.pending.get(key);
    if (list) list.push(...items);
    else this.pending.set(key, [...items]);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [key, items] of batches) this.deliver(key, items);
  }
}
