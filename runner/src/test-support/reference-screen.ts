import serializePkg from '@xterm/addon-serialize';
import headlessPkg from '@xterm/headless';

/** A headless xterm fed every byte: what the screen mirror's replay must equal. */
export class ReferenceScreen {
  private readonly term: InstanceType<typeof headlessPkg.Terminal>;
  private readonly serializer = new serializePkg.SerializeAddon();
  constructor(
    cols: number,
    rows: number,
    private readonly scrollback: number,
  ) {
    this.term = new headlessPkg.Terminal({ cols, rows, scrollback, allowProposedApi: true });
    this.term.loadAddon(this.serializer);
  }
  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => this.term.write(data, resolve));
  }
  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }
  serialize(): string {
    return this.serializer.serialize({ scrollback: this.scrollback });
  }
  get size(): [number, number] {
    return [this.term.cols, this.term.rows];
  }
  dispose(): void {
    this.term.dispose();
  }
}

/** What a client that attaches sees: a snapshot written to a fresh terminal of the same size. */
export async function replayed(snapshot: string, [cols, rows]: [number, number], scrollback: number): Promise<string> {
  const client = new ReferenceScreen(cols, rows, scrollback);
  await client.write(Buffer.from(snapshot));
  const screen = client.serialize();
  client.dispose();
  return screen;
}
