import type { LogLine } from '@cubicle/protocol';
import { useEffect, useRef } from 'react';

const time = (at: number) => new Date(at).toLocaleTimeString(undefined, { hour12: false });

/** Lines of a process or run: stderr and the supervisor's own lines marked, stuck to the bottom while you are there. */
export function LogView({ lines, empty }: { lines: LogLine[]; empty: string }) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll after every new batch of lines
  useEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <div
      ref={box}
      className="log-view"
      role="log"
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {lines.length === 0 && <div className="muted log-empty">{empty}</div>}
      {lines.map((l) => (
        <div key={l.seq} className={`log-line ${l.stream}`} data-stream={l.stream}>
          <span className="log-time">{time(l.at)}</span>
          <span className="log-text">{l.text}</span>
        </div>
      ))}
    </div>
  );
}
