import { pino } from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout; tests and `pnpm start` read the `listening` line. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { component: 'orchestrator' } });
}
