/**
 * `pnpm bench` — terminal benchmark of the runner, with the raw limit measured in the same run:
 * node-pty piped to a bare WebSocket (raw-pty-ws-server.ts). Both are separate processes on
 * loopback, driven by the same client code; Cubicle's client acks like the browser does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunnerHarness, rssBytes, sleep, startRunner } from '../test-support/runner-harness.js';
import { startS3 } from '../test-support/s3-harness.js';
import { fmt, median, percentile, printTable, ratio } from './bench-stats.js';
import {
  BENCH_PROMPT,
  type BenchTerminal,
  benchRunnerEnv,
  openCubicleTerminal,
  openRawTerminal,
  startRawServer,
  waitForOutput,
} from './bench-terminal.js';

const FLOOD_LINES = Number(process.env.BENCH_FLOOD_LINES ?? 500_000); // × 100 bytes = 50 MB
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const KEYSTROKES = Number(process.env.BENCH_KEYSTROKES ?? 1000);
/** Isolated keystrokes are timed once the flood's aftermath (the screen mirror's last batch) is over. */
const ECHO_SETTLE_MS = 500;
/** Fresh runners whose idle RSS is sampled (the median is reported). */
const MEMORY_RUNNERS = 3;
const COLS = 200;
const ROWS = 50;
const PROMPT = BENCH_PROMPT;
const MB = 1e6;

type Opener = () => Promise<BenchTerminal>;

function emptyResult() {
  return { throughput: [] as number[], echo: [] as number[], firstPrompt: [] as number[], exact: true };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-bench-'));
  fs.chmodSync(dir, 0o755);
  const flood = path.join(dir, 'flood.txt');
  fs.writeFileSync(flood, `${'='.repeat(99)}\n`.repeat(FLOOD_LINES));
  fs.chmodSync(flood, 0o644);
  const expectedEquals = FLOOD_LINES * 99;

  const rawScript = fileURLToPath(new URL('./raw-pty-ws-server.js', import.meta.url));
  fs.mkdirSync(path.join(dir, 'home'));
  const raw = await startRawServer(rawScript, dir, path.join(dir, 'home'));
  const runner = await startRunner(benchRunnerEnv()).catch((err: unknown) => {
    raw.child.kill('SIGTERM');
    throw err;
  });
  try {
    const token = await runner.token();
    const openers: Record<'cubicle' | 'raw', Opener> = {
      cubicle: () => openCubicleTerminal(runner.url, token, COLS, ROWS),
      raw: () => openRawTerminal(raw.port, COLS, ROWS),
    };
    const results = { cubicle: emptyResult(), raw: emptyResult() };
    // Round 0 warms both servers up (a runner is long-lived; its first flood also compiles code) and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const name of ['raw', 'cubicle'] as const) {
        const r = round === 0 ? emptyResult() : results[name];
        r.firstPrompt.push(await timeToPrompt(openers[name]));
        const term = await openers[name]();
        await waitForOutput(term, PROMPT);
        const flow = await throughput(term, flood, expectedEquals);
        r.throughput.push(flow.mbps);
        r.exact &&= flow.exact;
        await sleep(ECHO_SETTLE_MS);
        r.echo.push(...(await echoLatencies(term, Math.ceil(KEYSTROKES / ROUNDS))));
        term.close();
      }
    }
    for (let i = 0; i < 7; i++) {
      for (const name of ['raw', 'cubicle'] as const) results[name].firstPrompt.push(await timeToPrompt(openers[name]));
    }
    const { idleRss, withTerminals, perTerminal } = await terminalMemory(20);

    const c = results.cubicle;
    const r = results.raw;
    const rows: string[][] = [
      [
        'terminal throughput, MB/s (median)',
        fmt(median(c.throughput)),
        fmt(median(r.throughput)),
        ratio(median(c.throughput), median(r.throughput)),
        '≥ 0.80 of raw',
      ],
      [
        'keystroke echo p50, ms',
        fmt(percentile(c.echo, 50), 3),
        fmt(percentile(r.echo, 50), 3),
        ratio(percentile(c.echo, 50), percentile(r.echo, 50)),
        '≤ 1.20× raw',
      ],
      [
        'keystroke echo p99, ms',
        fmt(percentile(c.echo, 99), 3),
        fmt(percentile(r.echo, 99), 3),
        ratio(percentile(c.echo, 99), percentile(r.echo, 99)),
        '< 4 ms',
      ],
      [
        'connect → first prompt, ms (median)',
        fmt(median(c.firstPrompt), 1),
        fmt(median(r.firstPrompt), 1),
        ratio(median(c.firstPrompt), median(r.firstPrompt)),
        '',
      ],
      ['runner RSS idle (sync on), MB, median of 3', fmt(idleRss / 1048576, 1), '', '', '< 80 MB'],
      ['runner RSS with 20 terminals, MB', fmt(withTerminals / 1048576, 1), '', '', ''],
      ['RSS per open terminal, MB', fmt(perTerminal / 1048576, 2), '', '', '< 5 MB'],
    ];
    console.log(`\n## Runner terminal benchmark\n`);
    console.log(`command: pnpm bench   (node runner/dist/bench/terminal-bench.js)`);
    console.log(
      `setup: ${(FLOOD_LINES * 100) / MB} MB flood (\`cat\` of ${FLOOD_LINES} lines × 100 B) × ${ROUNDS} rounds after a warm-up round, ${KEYSTROKES} keystrokes (${ECHO_SETTLE_MS} ms after each flood), ${COLS}×${ROWS}, ${os.cpus().length} cores, Node ${process.version}`,
    );
    console.log(`every flood byte accounted for in every round: ${c.exact && r.exact ? 'yes' : 'NO'}\n`);
    printTable(['metric', 'Cubicle runner', 'raw node-pty + ws', 'ratio', 'target'], rows);
    console.log(
      `\nthroughput samples, MB/s: cubicle ${c.throughput.map((x) => fmt(x, 1)).join(', ')}; raw ${r.throughput.map((x) => fmt(x, 1)).join(', ')}`,
    );
    if (!c.exact || !r.exact) process.exitCode = 1;
  } finally {
    raw.child.kill('SIGTERM');
    await runner.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** MB/s of a `cat` of the flood file, and whether exactly every '=' of it arrived. */
async function throughput(
  term: BenchTerminal,
  file: string,
  expected: number,
): Promise<{ mbps: number; exact: boolean }> {
  let equals = 0;
  let bytes = 0;
  const stop = term.onData((data) => {
    bytes += data.length;
    equals += countEquals(data);
  });
  const done = waitForOutput(term, /END_2_/, 120000);
  const t0 = performance.now();
  term.write(`cat ${file}; echo END_$((1+1))_\r`);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  stop();
  if (equals !== expected) console.error(`flood: expected ${expected} '=' characters, got ${equals}`);
  return { mbps: bytes / MB / seconds, exact: equals === expected };
}

function countEquals(data: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 61) n++;
  return n;
}

/** One key at a time, waiting for its echo before the next; the line is cleared every 50 keys. */
async function echoLatencies(term: BenchTerminal, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 50 === 0) {
      term.write('\x15'); // Ctrl-U: clear the line
      await sleep(30);
    }
    const echoed = new Promise<void>((resolve) => {
      const stop = term.onData((data) => {
        if (data.includes(0x6b)) {
          stop();
          resolve();
        }
      });
    });
    const t0 = performance.now();
    term.write('k');
    await echoed;
    samples.push(performance.now() - t0);
    await sleep(2);
  }
  term.write('\x15');
  return samples;
}

async function timeToPrompt(open: Opener): Promise<number> {
  const t0 = performance.now();
  const term = await open();
  await waitForOutput(term, PROMPT);
  const ms = performance.now() - t0;
  term.close();
  await sleep(50);
  return ms;
}

/**
 * Memory as deployed: fresh runners (a flood grows the heap) with workspace sync on, against an
 * embedded S3 server. Idle RSS is the median of three runners (one sample swings by a few
 * MB); the last one then opens `count` terminals.
 */
async function terminalMemory(count: number) {
  const s3 = await startS3();
  try {
    const idle: number[] = [];
    let withTerminals = 0;
    for (let i = 0; i < MEMORY_RUNNERS; i++) {
      const runner = await startRunner(s3.env());
      try {
        await sleep(1000);
        idle.push(rssBytes(runner.pid));
        if (i === MEMORY_RUNNERS - 1) withTerminals = await rssWithTerminals(runner, count);
      } finally {
        await runner.stop();
      }
    }
    const idleRss = median(idle);
    const lastIdle = idle.at(-1) as number;
    return { idleRss, withTerminals, perTerminal: (withTerminals - lastIdle) / count };
  } finally {
    await s3.close();
  }
}

async function rssWithTerminals(runner: RunnerHarness, count: number): Promise<number> {
  const token = await runner.token();
  const terms: BenchTerminal[] = [];
  for (let i = 0; i < count; i++) {
    const t = await openCubicleTerminal(runner.url, token, COLS, ROWS);
    await waitForOutput(t, PROMPT);
    t.write('ls -la /usr/bin | head -40\r'); // some screen content in every mirror
    terms.push(t);
  }
  await sleep(1500);
  const rss = rssBytes(runner.pid);
  for (const t of terms) t.close();
  return rss;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
