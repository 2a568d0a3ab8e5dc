/**
 * Repl start benchmark (`pnpm bench`), through a real orchestrator process, its gateway and
 * real runner processes:
 * - cold start: create from the Node template + start → first shell prompt over the gateway;
 * - warm start: start of an existing stopped repl → first shell prompt;
 * - memory per running repl (runner + one shell), RSS and PSS, and how many fit in 4 GB.
 * The floor beside the starts is measured in the same run: two bare `node` process starts one
 * after the other (the local driver's `runner pull` then `runner serve` cannot beat that).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fmt, median, percentile, printTable, ratio } from '@cubicle/runner/bench/bench-stats';
import { processesWithEnv, rssBytes } from '@cubicle/runner/test-support/runner-harness';
import { TerminalReader } from '@cubicle/runner/test-support/terminal-reader';
import { type OrchestratorHarness, startOrchestratorHarness } from '../test-support/orchestrator-harness.js';

const ROUNDS = Number(process.env.BENCH_START_ROUNDS ?? 10);
const MEMORY_REPLS = Number(process.env.BENCH_MEMORY_REPLS ?? 5);
const MB = 1024 * 1024;

/** Start → connected through the gateway → the shell's first prompt, in ms. */
async function startToPrompt(h: OrchestratorHarness, id: string): Promise<number> {
  const t0 = performance.now();
  const started = await h.start(id);
  const socket = await h.connect(started);
  const reader = new TerminalReader(socket);
  const { id: term } = (await socket.emitWithAck('terminal:create', { cols: 80, rows: 24 })) as { id: string };
  await reader.waitFor(term, /\$ $/, 10_000);
  const ms = performance.now() - t0;
  socket.disconnect();
  return ms;
}

function pssBytes(pid: number): number {
  try {
    const kb = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function nodeFloorMs(): number {
  const t0 = performance.now();
  for (let i = 0; i < 2; i++) spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const h = await startOrchestratorHarness({ LOG_LEVEL: 'warn' });
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    const floor: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      floor.push(nodeFloorMs());
      const t0 = performance.now();
      const id = await h.create('node');
      cold.push(performance.now() - t0 + (await startToPrompt(h, id)));
      ids.push(id);
      await h.api('POST', `/api/repls/${id}/stop`);
    }
    for (const id of ids) {
      warm.push(await startToPrompt(h, id));
      await h.api('POST', `/api/repls/${id}/stop`);
    }

    const running = ids.slice(0, MEMORY_REPLS);
    const sockets = [];
    for (const id of running) {
      const socket = await h.connect(await h.start(id));
      const reader = new TerminalReader(socket);
      const { id: term } = (await socket.emitWithAck('terminal:create', { cols: 80, rows: 24 })) as { id: string };
      await reader.waitFor(term, /\$ $/, 10_000);
      sockets.push(socket);
    }
    await new Promise((r) => setTimeout(r, 2000)); // let start-up garbage be collected
    const rss: number[] = [];
    const pss: number[] = [];
    for (const id of running) {
      const pids = processesWithEnv(`REPL_ID=${id}\0`);
      rss.push(pids.reduce((sum, pid) => sum + rssBytes(pid), 0) / MB);
      pss.push(pids.reduce((sum, pid) => sum + pssBytes(pid), 0) / MB);
    }
    for (const s of sockets) s.disconnect();

    const floorMs = median(floor);
    console.log(`\n## Repl start and memory — node orchestrator/dist/bench/start-bench.js (${ROUNDS} repls)\n`);
    printTable(
      ['metric', 'p50', 'p95', 'floor (2 × bare node start, same run)', 'p50 / floor', 'target'],
      [
        [
          'cold start: create + start → first prompt, ms',
          fmt(median(cold), 0),
          fmt(percentile(cold, 95), 0),
          fmt(floorMs, 0),
          ratio(median(cold), floorMs),
          'p50 < 1500',
        ],
        [
          'warm start: start → first prompt, ms',
          fmt(median(warm), 0),
          fmt(percentile(warm, 95), 0),
          fmt(floorMs, 0),
          ratio(median(warm), floorMs),
          '',
        ],
      ],
    );
    console.log('');
    printTable(
      ['memory per running repl (runner + 1 shell)', 'median MB', 'max MB', 'repls in 4 GB', 'target'],
      [
        ['RSS (counts shared pages in every process)', fmt(median(rss), 1), fmt(Math.max(...rss), 1), '', '< 100'],
        [
          'PSS (shared pages split between processes)',
          fmt(median(pss), 1),
          fmt(Math.max(...pss), 1),
          String(Math.floor(4096 / median(pss))),
          '',
        ],
      ],
    );
  } finally {
    await h.close();
  }
}

await main();
