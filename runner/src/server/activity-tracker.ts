/**
 * What the idle reaper asks about: the last time a person did something (terminal input, a
 * file change). An open tab alone is not activity, so connecting does not count. A running
 * `app` (the Run button) counts too, for at most `appKeepAliveMs` after the last input.
 */
export class ActivityTracker {
  private last = Date.now();

  constructor(
    private readonly appRunning: () => boolean = () => false,
    private readonly appKeepAliveMs = 0,
  ) {}

  touch(): void {
    this.last = Date.now();
  }

  get lastActivityAt(): number {
    if (!this.appRunning()) return this.last;
    return Math.max(this.last, Math.min(Date.now(), this.last + this.appKeepAliveMs));
  }
}
