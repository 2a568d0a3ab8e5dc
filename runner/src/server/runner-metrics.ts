import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { EVENT_LOOP_SAMPLE_MS } from '../tuning.js';

/** Prometheus metrics served at GET /metrics. */
export class RunnerMetrics {
  readonly registry = new Registry();
  readonly clients = new Gauge({
    name: 'runner_connected_clients',
    help: 'Connected Socket.io clients',
    registers: [this.registry],
  });
  readonly terminals = new Gauge({ name: 'runner_terminals', help: 'Open terminals', registers: [this.registry] });
  readonly terminalBytesOut = new Counter({
    name: 'runner_terminal_output_chars_total',
    help: 'Terminal output characters sent to clients (once per client)',
    registers: [this.registry],
  });
  readonly fileOps = new Counter({
    name: 'runner_file_ops_total',
    help: 'File operations by event and result code',
    labelNames: ['op', 'result'] as const,
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'runner_socket_events_total',
    help: 'Client events by name and result code',
    labelNames: ['event', 'result'] as const,
    registers: [this.registry],
  });

  /** Read at each scrape (set by whoever owns the language servers). */
  languageServerMemory: () => Array<{ language: string; rssBytes: number }> = () => [];
  readonly languageServers = new Gauge({
    name: 'runner_language_server_resident_memory_bytes',
    help: 'Resident memory of each running language server and the processes it started',
    labelNames: ['language'] as const,
    registers: [this.registry],
    collect: () => {
      this.languageServers.reset();
      for (const { language, rssBytes } of this.languageServerMemory())
        this.languageServers.set({ language }, rssBytes);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }
}
