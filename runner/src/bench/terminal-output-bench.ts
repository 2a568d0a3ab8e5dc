/**
 * `pnpm bench` — the runner's terminal under every kind of output people produce, against the
 * raw limit measured in the same run (node-pty piped to a bare WebSocket): throughput and the
 * server's CPU per MB, at 200×50 and 80×24. Cubicle's client takes bytes and acks like the IDE.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds } from '../support/process-stats.js';
import { sleep, startRunner } from '../test-support/runner-harness.js';
import { FLOW_HIGH_WATERMARK, MIRROR_HARVEST_QUIET_MS, RECLAIM_QUIET_MS } from '../tuning.js';
import { fmt, median, printTable, ratio } from './bench-stats.js';
import {
  BENCH_PROMPT,
  type BenchTerminal,
  benchRunnerEnv,
  openCubicleTerminal,
  openRawTerminal,
  startRawServer,
  waitForOutput,
} from './bench-terminal.js';
import { measureTerminalMemory } from './terminal-memory.js';

const MB = 1e6;
const SIZE = Number(process.env.BENCH_OUTPUT_MB ?? 20) * MB;
const ROUNDS = Number(process.env.BENCH_OUTPUT_ROUNDS ?? 5); // (a round in a few is disturbed on a shared machine: the median of five rides it out)
const SIZES: Array<[number, number]> = [
  [200, 50],
  [80, 24],
];
const SESSIONS = 20;

/** Lines of `make(i)` until about SIZE bytes. */
function linesOf(make: (i: number) => string): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < SIZE; i++) {
    const line = make(i);
    parts.push(line);
    n += Buffer.byteLength(line);
  }
  return parts.join('');
}

/** The output classes of the issue: what a user's programs print every day. */
const CLASSES: Record<string, () => string> = {
  'short lines (cat of a log)': () => linesOf((i) => `${String(i).padStart(8, '0')} ${'='.repeat(90)}\n`),
  'one huge line (a minified bundle)': () => {
    const words = 'function(a,b){return a+b};var x=[1,2,3].map(function(v){return v*2});if(x){y=x}else{y=0};';
    return `${words.repeat(Math.ceil(SIZE / words.length)).slice(0, SIZE)}\n`;
  },
  'colour (SGR) lines': () =>
    linesOf(
      (i) =>
        `\x1b[3${i % 8}m${i}\x1b[1m error\x1b[0m at \x1b[4mfile${i % 97}.ts\x1b[24m:${i % 400}:7 ${'-'.repeat(40)}\n`,
    ),
  'long lines that wrap (1,000 chars)': () => linesOf((i) => `${String(i % 10).repeat(1000)}\n`),
  'UTF-8 with wide characters': () => linesOf((i) => `${i} 日本語のテキスト 😀 émigré ${'漢字'.repeat(20)}\n`),
  'progress redrawn with CR': () =>
    linesOf((i) => `\r[${'#'.repeat(i % 50).padEnd(50, '.')}] ${i % 100}% ${i % 1000 === 999 ? '\n' : ''}`),
  'random printable noise (base64)': () => {
    const b64 = randomBytes(Math.ceil((SIZE * 3) / 4)).toString('base64');
    return b64.replace(/(.{76})/g, '$1\n');
  },
};

/**
 * A flood's CPU includes what the server does after it: the runner parses the mirror's last
 * lines, moves rows to the archive once output has been quiet (MIRROR_HARVEST_QUIET_MS) and
 * collects its heaps after RECLAIM_QUIET_MS. Counted until that has passed and the server has used
 * no CPU for AFTERMATH_QUIET_MS (at most AFTERMATH_MAX_MS).
 */
const RUNNER_AFTERMATH_MS = Math.max(MIRROR_HARVEST_QUIET_MS, RECLAIM_QUIET_MS) + 300;
const AFTERMATH_QUIET_MS = 400;
const AFTERMATH_MAX_MS = 6000;

const verbose = (line: string) => {
  if (process.env.BENCH_OUTPUT_VERBOSE) console.log(line);
};

async function flood(term: BenchTerminal, file: string, server: { pid: number; aftermathMs: number }) {
  let bytes = 0;
  const stop = term.onData((data) => {
    bytes += data.length;
  });
  const done = waitForOutput(term, /END_2_/, 300_000);
  const cpu0 = processCpuSeconds(server.pid);
  const t0 = performance.now();
  term.write(`cat ${file}; echo END_$((1+1))_\r`);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  stop();
  const cpu = (await settledCpuSeconds(server.pid, server.aftermathMs)) - cpu0;
  return { mbps: bytes / MB / seconds, cpuPerMb: cpu / (bytes / MB) };
}

/** A process's CPU seconds once it has used none for AFTERMATH_QUIET_MS, and at least `minMs` from now. */
async function settledCpuSeconds(pid: number, minMs: number): Promise<number> {
  const start = performance.now();
  let cpu = processCpuSeconds(pid);
  let quietSince = start;
  for (;;) {
    await sleep(100);
    const now = performance.now();
    const next = processCpuSeconds(pid);
    if (next > cpu) quietSince = now;
    cpu = next;
    if (now - start >= AFTERMATH_MAX_MS) return cpu;
    if (now - start >= minMs && now - quietSince >= AFTERMATH_QUIET_MS) return cpu;
  }
}

/** `sessions` terminals each `cat` the same file at once: aggregate MB/s until every one is done. */
async function concurrent(open: () => Promise<BenchTerminal>, sessions: number, file: string): Promise<number> {
  const terms = await Promise.all(Array.from({ length: sessions }, open));
  await Promise.all(terms.map((t) => waitForOutput(t, BENCH_PROMPT)));
  let bytes = 0;
  const stops = terms.map((t) =>
    t.onData((data) => {
      bytes += data.length;
    }),
  );
  const done = Promise.all(terms.map((t) => waitForOutput(t, /END_2_/, 300_000)));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const t of terms) t.write(`cat ${file}; echo END_$((1+1))_\r`);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (process.env.BENCH_CLIENT_CPU)
    console.log(`client CPU ${(((cpu.user + cpu.system) / 1e6 / seconds) * 100).toFixed(0)}% of a core`);
  for (const stop of stops) stop();
  for (const t of terms) t.close();
  return bytes / MB / seconds;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-output-bench-'));
  fs.chmodSync(dir, 0o755);
  const only = process.env.BENCH_OUTPUT_ONLY; // a substring of a class's name, to measure one
  const chosen = Object.entries(CLASSES).filter(([name]) => !only || name.includes(only));
  const files = chosen.map(([name, make], i) => {
    const file = path.join(dir, `class${i}.txt`);
    fs.writeFileSync(file, make());
    fs.chmodSync(file, 0o644);
    return { name, file };
  });
  fs.mkdirSync(path.join(dir, 'home'));
  const raw = await startRawServer(
    fileURLToPath(new URL('./raw-pty-ws-server.js', import.meta.url)),
    dir,
    path.join(dir, 'home'),
  );
  const runner = await startRunner(benchRunnerEnv());
  const rawPid = raw.child.pid ?? 0;
  try {
    const token = await runner.token();
    type Client = 'raw' | 'cubicle' | 'strings';
    const floodWith = async (which: Client, cols: number, height: number, file: string) => {
      const term =
        which === 'raw'
          ? await openRawTerminal(raw.port, cols, height)
          : await openCubicleTerminal(runner.url, token, cols, height, { binary: which === 'cubicle' });
      await waitForOutput(term, BENCH_PROMPT);
      const server =
        which === 'raw' ? { pid: rawPid, aftermathMs: 0 } : { pid: runner.pid, aftermathMs: RUNNER_AFTERMATH_MS };
      const r = await flood(term, file, server);
      term.close();
      return r;
    };
    // A client that takes strings (text frames) costs a decode per message: measured at the wide size.
    const clientsAt = (cols: number): readonly Client[] =>
      cols === SIZES[0]?.[0] ? ['raw', 'cubicle', 'strings'] : ['raw', 'cubicle'];

    // A runner in use has run its hot code often enough for V8 to have compiled it; a fresh one
    // spends CPU on that during its first floods (the raw server has far less code). So every
    // class is flooded once at every size by every client before anything is measured, and the
    // very first flood is reported on its own.
    const first: Partial<Record<Client, number>> = {};
    for (const [cols, height] of SIZES) {
      for (const { name, file } of files) {
        for (const which of clientsAt(cols)) {
          const r = await floodWith(which, cols, height, file);
          first[which] ??= r.cpuPerMb;
          verbose(
            `${name} ${cols}×${height} warm-up ${which}: ${fmt(r.mbps, 1)} MB/s, ${fmt(r.cpuPerMb * 1000, 1)} ms/MB`,
          );
        }
      }
    }

    const rows: string[][] = [];
    for (const [cols, height] of SIZES) {
      for (const { name, file } of files) {
        const results = {
          cubicle: { mbps: [] as number[], cpu: [] as number[] },
          strings: { mbps: [] as number[], cpu: [] as number[] },
          raw: { mbps: [] as number[], cpu: [] as number[] },
        };
        for (let round = 1; round <= ROUNDS; round++) {
          for (const which of clientsAt(cols)) {
            const r = await floodWith(which, cols, height, file);
            verbose(
              `${name} ${cols}×${height} round ${round} ${which}: ${fmt(r.mbps, 1)} MB/s, ${fmt(r.cpuPerMb * 1000, 1)} ms/MB`,
            );
            results[which].mbps.push(r.mbps);
            results[which].cpu.push(r.cpuPerMb);
          }
        }
        const c = results.cubicle;
        const w = results.raw;
        const s = results.strings;
        rows.push([
          `${name}, ${cols}×${height}`,
          fmt(median(c.mbps), 1),
          fmt(median(w.mbps), 1),
          ratio(median(c.mbps), median(w.mbps)),
          s.mbps.length > 0 ? ratio(median(s.mbps), median(w.mbps)) : '—',
          fmt(median(c.cpu) * 1000, 1),
          fmt(median(w.cpu) * 1000, 1),
          ratio(median(c.cpu), median(w.cpu)),
        ]);
      }
    }
    console.log('\n## Terminal output classes benchmark\n');
    console.log('command: pnpm bench   (node runner/dist/bench/terminal-output-bench.js)');
    console.log(
      `setup: ${SIZE / MB} MB of each class through \`cat\`, ${ROUNDS} rounds (median) after one warm-up flood of every class at every size by every client, Cubicle's client in binary mode acking like the IDE (and at 200×50 also a client taking strings), ${os.cpus().length} cores, Node ${process.version}\n`,
    );
    printTable(
      [
        'output',
        'Cubicle MB/s',
        'raw MB/s',
        'ratio (≥ 0.80)',
        'string client ratio',
        'Cubicle CPU ms/MB',
        'raw CPU ms/MB',
        'CPU ratio (≤ 1.3)',
      ],
      rows,
    );
    console.log(
      `\nThe first flood of a fresh runner (${files[0]?.name}, ${SIZES[0]?.join('×')}) cost ${fmt((first.cubicle ?? 0) * 1000, 1)} ms/MB of CPU, the raw server's first ${fmt((first.raw ?? 0) * 1000, 1)} (${ratio(first.cubicle ?? 0, first.raw ?? 1)}): mostly V8 compiling the runner's hot code, which a runner in use has done.`,
    );
    console.log(
      `CPU is the server process (all its threads, the screen mirror included) from /proc, over the flood and what follows it: until the server has used no CPU for ${AFTERMATH_QUIET_MS} ms, and for the runner at least ${RUNNER_AFTERMATH_MS} ms (it archives rows and collects its heaps once output is quiet).\n`,
    );
    // Many people at once: SESSIONS terminals each flooding the same 1/SESSIONS share of short lines.
    const shared = path.join(dir, 'shared.txt');
    fs.writeFileSync(shared, `${'='.repeat(99)}\n`.repeat(Math.round(SIZE / 100 / SESSIONS) * 2));
    fs.chmodSync(shared, 0o644);
    const aggregate = { cubicle: [] as number[], raw: [] as number[] };
    for (let round = 0; round <= ROUNDS; round++) {
      const r = await concurrent(() => openRawTerminal(raw.port, 200, 50), SESSIONS, shared);
      const c = await concurrent(() => openCubicleTerminal(runner.url, token, 200, 50), SESSIONS, shared);
      if (round === 0) continue;
      aggregate.raw.push(r);
      aggregate.cubicle.push(c);
    }
    printTable(
      [`${SESSIONS} terminals flooding at once, 200×50`, 'Cubicle MB/s', 'raw MB/s', 'ratio (≥ 0.80)'],
      [
        [
          'aggregate',
          fmt(median(aggregate.cubicle), 1),
          fmt(median(aggregate.raw), 1),
          ratio(median(aggregate.cubicle), median(aggregate.raw)),
        ],
      ],
    );
    console.log('');
    const m = await measureTerminalMemory(dir, SESSIONS, 200, 50);
    const mb = (bytes: number) => fmt(bytes / 1048576, 1);
    printTable(
      ['runner memory (RSS), a fresh runner', 'MB', 'target'],
      [
        ['idle', mb(m.idle), ''],
        [`${SESSIONS} terminals 200×50, 1,100 lines each, settled`, mb(m.settled), ''],
        ['  per terminal (screen and 1,000 lines of scrollback)', mb(m.perTerminal), '< 3 MB'],
        [
          `  after all ${SESSIONS} flood 5 MB at once and their clients leave`,
          `${mb(m.afterLeaving)} (${ratio(m.afterLeaving, m.settled)})`,
          '≤ 1.25× settled',
        ],
        [
          `a reader that stops reading mid-flood: growth in 5 s`,
          `${mb(m.pausedPeak - m.atPause)} (from ${mb(m.atPause)})`,
          `≤ ${mb(FLOW_HIGH_WATERMARK)} (the flow-control high watermark)`,
        ],
      ],
    );
  } finally {
    raw.child.kill('SIGTERM');
    await runner.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
