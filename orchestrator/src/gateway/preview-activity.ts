/** When each repl's preview was last requested (HTTP or a WebSocket upgrade), for the idle reaper. */
export class PreviewActivity {
  private readonly lastAt = new Map<string, number>();

  touch(replId: string): void {
    this.lastAt.set(replId, Date.now());
  }

  last(replId: string): number {
    return this.lastAt.get(replId) ?? 0;
  }
}
