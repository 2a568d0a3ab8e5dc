import type { LogLine, LogStream } from '@cubicle/protocol';

/**
 * Output of a process or run as numbered, timestamped lines: the last `capacity` kept. Chunks
 * are split on newlines; an unfinished line waits for its end (or `flush`), per stream, so
 * stdout and stderr never interleave inside a line. Very long lines are cut into pieces.
 */
export class LogRing {
  private lines: LogLine[] = [];
  private nextSeq = 0;
  private readonly partial: Record<LogStream, string> = { stdout: '', stderr: '', system: '' };

  constructor(
    private readonly capacity: number,
    private readonly maxLineChars = 8192,
  ) {}

  /** Adds a chunk of output; returns the complete lines it finished. */
  write(stream: LogStream, chunk: string): LogLine[] {
    const text = this.partial[stream] + chunk;
    const parts = text.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    const added = parts.map((p) => this.add(stream, p.endsWith('\r') ? p.slice(0, -1) : p));
    while (this.partial[stream].length > this.maxLineChars) {
      added.push(this.add(stream, this.partial[stream].slice(0, this.maxLineChars)));
      this.partial[stream] = this.partial[stream].slice(this.maxLineChars);
    }
    return added.flat();
  }

  /** Ends unfinished lines (the process exited). */
  flush(): LogLine[] {
    const added: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) added.push(...this.add(stream, this.partial[stream]));
      this.partial[stream] = '';
    }
    return added;
  }

  /** A line of the supervisor's own ("exited with code 1; restarting in 2 s"). */
  system(text: string): LogLine[] {
    return this.add('system', text);
  }

  tail(limit: number): LogLine[] {
    return this.lines.slice(-limit);
  }

  /** Lines after `seq` still kept (all of them for -1). */
  after(seq: number): LogLine[] {
    const first = this.lines[0]?.seq ?? this.nextSeq;
    return this.lines.slice(Math.max(0, seq + 1 - first));
  }

  /** Drops the kept lines; numbering goes on, so a resumed stream is never confused. */
  clear(): void {
    this.lines = [];
  }

  get all(): readonly LogLine[] {
    return this.lines;
  }

  private add(stream: LogStream, text: string): LogLine[] {
    const pieces: string[] = [];
    for (let i = 0; i < text.length || i === 0; i += this.maxLineChars)
      pieces.push(text.slice(i, i + this.maxLineChars));
    return pieces.map((piece) => {
      const line: LogLine = { seq: this.nextSeq++, at: Date.now(), stream, text: piece };
      this.lines.push(line);
      if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
      return line;
    });
  }
}
