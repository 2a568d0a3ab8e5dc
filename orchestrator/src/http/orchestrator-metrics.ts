import { ReplState } from '@cubicle/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of the orchestrator and its gateway (GET /metrics). */
export class OrchestratorMetrics {
  readonly registry = new Registry();
  readonly repls: Gauge<'state'>;
  readonly starts = new Counter({
    name: 'cubicle_repl_starts_total',
    help: 'Repl starts by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly startSeconds = new Histogram({
    name: 'cubicle_repl_start_seconds',
    help: 'Time from start request to a ready runner',
    buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30],
    registers: [this.registry],
  });
  readonly idleStops = new Counter({
    name: 'cubicle_idle_stops_total',
    help: 'Repls stopped by the idle reaper',
    registers: [this.registry],
  });
  readonly gatewayRequests = new Counter({
    name: 'cubicle_gateway_requests_total',
    help: 'Requests and WebSocket upgrades through the gateway, by host kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(countByState: () => Record<ReplState, number>) {
    collectDefaultMetrics({ register: this.registry });
    this.repls = new Gauge({
      name: 'cubicle_repls',
      help: 'Repls by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const counts = countByState();
        for (const state of ReplState.options) this.set({ state }, counts[state]);
      },
    });
  }
}
