import { pino } from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout; the orchestrator and tests read the `listening` line. */
export function createLogger(level: string, bindings: Record<string, string> = {}): Logger {
  return pino({ level, base: { component: 'runner', ...bindings } });
}
