/**
 * The runner's memory around terminal output, for the output benchmark: what an open terminal
 * with a full scrollback costs, whether a flood's memory comes back once its clients have left,
 * and how far a reader that stops reading grows the runner.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rssBytes, sleep, startRunner } from '../test-support/runner-harness.js';
import {
  BENCH_PROMPT,
  type BenchTerminal,
  benchRunnerEnv,
  openCubicleTerminal,
  waitForOutput,
} from './bench-terminal.js';

const PROMPT = BENCH_PROMPT;
const SCROLLBACK_LINES = 1100; // more than the mirror keeps (1,000 + the screen)
const PAUSE_MS = 5000;

export interface TerminalMemory {
  idle: number;
  /** `count` terminals open, each with a full scrollback, output settled. */
  settled: number;
  perTerminal: number;
  /** After every terminal flooded at once and every client left, once RSS stopped falling. */
  afterLeaving: number;
  /** A reader that stops reading mid-flood: RSS when it stopped, and the most it reached in PAUSE_MS. */
  atPause: number;
  pausedPeak: number;
}

/** Samples RSS until it has not fallen for `steadyMs` (at most `maxMs`): memory given back after a flood. */
async function settledRss(pid: number, steadyMs = 3000, maxMs = 20_000): Promise<number> {
  const start = performance.now();
  let low = rssBytes(pid);
  let lowAt = start;
  while (performance.now() - lowAt < steadyMs && performance.now() - start < maxMs) {
    await sleep(250);
    const now = rssBytes(pid);
    if (now < low - 256 * 1024) {
      low = now;
      lowAt = performance.now();
    }
  }
  return rssBytes(pid);
}

export async function measureTerminalMemory(
  dir: string,
  count: number,
  cols: number,
  rows: number,
): Promise<TerminalMemory> {
  const flood = path.join(dir, 'memory-flood.txt');
  fs.writeFileSync(flood, `${'='.repeat(99)}\n`.repeat(50_000)); // 5 MB per terminal
  const endless = path.join(dir, 'memory-endless.txt');
  fs.writeFileSync(endless, `${'#'.repeat(99)}\n`.repeat(1_000_000)); // 100 MB: still flowing when the reader stops
  for (const f of [flood, endless]) fs.chmodSync(f, 0o644);
  const runner = await startRunner(benchRunnerEnv());
  try {
    const token = await runner.token();
    await sleep(1000);
    const idle = rssBytes(runner.pid);
    const terms: BenchTerminal[] = [];
    for (let i = 0; i < count; i++) {
      const t = await openCubicleTerminal(runner.url, token, cols, rows);
      await waitForOutput(t, PROMPT);
      terms.push(t);
    }
    const fill = `seq -f "line %g of the scrollback, about as long as a compiler's output lines" 1 ${SCROLLBACK_LINES}`;
    await Promise.all(
      terms.map((t) => {
        const done = waitForOutput(t, /FULL_2/);
        t.write(`${fill}; echo FULL_$((1+1))\r`);
        return done;
      }),
    );
    const settled = await settledRss(runner.pid);
    await Promise.all(
      terms.map((t) => {
        const done = waitForOutput(t, /END_2_/, 300_000);
        t.write(`cat ${flood}; echo END_$((1+1))_\r`);
        return done;
      }),
    );
    for (const t of terms) t.leave(); // the terminals stay, with their screens
    const afterLeaving = await settledRss(runner.pid);

    const reader = await openCubicleTerminal(runner.url, token, cols, rows);
    await waitForOutput(reader, PROMPT);
    reader.write(`cat ${endless}\r`);
    await waitForOutput(reader, /#{99}/);
    await sleep(500); // well into the flood
    reader.pauseReading();
    const atPause = rssBytes(runner.pid);
    let pausedPeak = atPause;
    const until = performance.now() + PAUSE_MS;
    while (performance.now() < until) {
      await sleep(50);
      pausedPeak = Math.max(pausedPeak, rssBytes(runner.pid));
    }
    reader.resumeReading();
    reader.close();
    return { idle, settled, perTerminal: (settled - idle) / count, afterLeaving, atPause, pausedPeak };
  } finally {
    await runner.stop();
  }
}
