/**
 * What the idle reaper asks about: the last time a person did something (terminal input, a
 * file change). An open tab alone is not activity, so connecting does not count.
 */
export class ActivityTracker {
  private last = Date.now();

  touch(): void {
    this.last = Date.now();
  }

  get lastActivityAt(): number {
    return this.last;
  }
}
