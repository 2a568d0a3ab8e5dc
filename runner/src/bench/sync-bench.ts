/**
 * Workspace sync benchmark (`pnpm bench`): `runner pull` of many small and a few large files, and
 * save-to-visible latency (updateContent ack → object readable in S3), each beside a naive
 * baseline measured in the same run on the same embedded S3 server: sequential GET/PUT, one
 * object at a time, as the runner this design replaces did.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStore } from '@cubicle/storage';
import { createLogger } from '../log.js';
import { codePrefix } from '../sync/object-names.js';
import { readBody } from '../sync/object-transfer.js';
import { pullWorkspace } from '../sync/workspace-pull.js';
import { startRunner } from '../test-support/runner-harness.js';
import { type S3Harness, startS3 } from '../test-support/s3-harness.js';
import { fmt, median, percentile, printTable, ratio } from './bench-stats.js';

const ROUNDS = Number(process.env.BENCH_PULL_ROUNDS ?? 5);
const SAVES = Number(process.env.BENCH_SAVES ?? 40);
const KB = 1024;
const MB = 1024 * KB;
const log = createLogger('silent');

/** The naive pull: list, then GET and write each object in turn. */
async function naivePull(store: ObjectStore, replId: string, root: string): Promise<void> {
  const prefix = codePrefix(replId);
  const keys = await store.listKeys(prefix);
  for (const key of keys) {
    const abs = path.join(root, key.slice(prefix.length));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, await readBody((await store.get(key)).body));
  }
}

async function timePulls(s3: S3Harness, replId: string): Promise<{ ours: number[]; naive: number[] }> {
  const ours: number[] = [];
  const naive: number[] = [];
  // Round 0 warms the server (its JIT and page cache) and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const which of ['ours', 'naive'] as const) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-bench-pull-'));
      const started = performance.now();
      if (which === 'ours') {
        await pullWorkspace({
          store: s3.store,
          replId,
          root: path.join(dir, 'ws'),
          stateDir: path.join(dir, 'state'),
          log,
        });
      } else await naivePull(s3.store, replId, path.join(dir, 'ws'));
      if (round > 0) (which === 'ours' ? ours : naive).push(performance.now() - started);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { ours, naive };
}

async function saveToVisible(s3: S3Harness): Promise<{ ours: number[]; naive: number[] }> {
  const runner = await startRunner(s3.env());
  const client = await runner.connect();
  const ours: number[] = [];
  const naive: number[] = [];
  try {
    const waits: Promise<void>[] = [];
    for (let i = 0; i < SAVES; i++) {
      const content = `save ${i} ${randomBytes(8).toString('hex')}\n`.repeat(40); // ~1.5 KB, an edited source file
      const md5 = createHash('md5').update(content).digest('hex');
      const key = `${codePrefix(runner.replId)}src/file${i}.ts`;
      const r = await client.emitWithAck('updateContent', { path: `src/file${i}.ts`, content });
      if (!r.ok) throw new Error(r.error.message);
      const ackedAt = performance.now();
      waits.push(
        (async () => {
          for (;;) {
            const head = await s3.store.head(key);
            if (head?.etag === md5) break;
            await new Promise((res) => setTimeout(res, 5));
          }
          ours.push(performance.now() - ackedAt);
        })(),
      );
      // Baseline: the same content PUT straight from the save handler, then readable.
      const started = performance.now();
      await s3.store.put(`bench/naive${i}`, Buffer.from(content), Buffer.byteLength(content));
      await s3.store.head(`bench/naive${i}`);
      naive.push(performance.now() - started);
      await new Promise((res) => setTimeout(res, 50));
    }
    await Promise.all(waits);
  } finally {
    await runner.stop();
  }
  return { ours, naive };
}

async function main(): Promise<void> {
  const s3 = await startS3();
  try {
    const small: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) small[`src/dir${i % 20}/file${i}.txt`] = randomBytes(KB / 2).toString('hex');
    await s3.seed('bench-small', small);
    const large: Record<string, Buffer> = {};
    for (let i = 0; i < 10; i++) large[`assets/blob${i}.bin`] = randomBytes(10 * MB);
    await s3.seed('bench-large', large);

    const smallPull = await timePulls(s3, 'bench-small');
    const largePull = await timePulls(s3, 'bench-large');
    const saves = await saveToVisible(s3);

    const row = (name: string, ours: number[], naive: number[], target: string, p = 50) => [
      name,
      fmt(percentile(ours, p), 0),
      fmt(percentile(naive, p), 0),
      ratio(percentile(naive, p), percentile(ours, p)),
      target,
    ];
    console.log('\n## Workspace sync benchmark\n');
    console.log('command: pnpm bench   (node runner/dist/bench/sync-bench.js)');
    console.log(
      `setup: embedded S3 (s3rver) on loopback, ${ROUNDS} pull rounds after a warm-up (median), ${SAVES} saves, ${os.cpus().length} cores, Node ${process.version}\n`,
    );
    printTable(
      ['metric (ms)', 'Cubicle', 'naive sequential', 'speed-up', 'target'],
      [
        row('pull 1,000 × 1 KB', smallPull.ours, smallPull.naive, '< 2000 ms'),
        row('pull 10 × 10 MB', largePull.ours, largePull.naive, ''),
        row('save → visible in S3, p50', saves.ours, saves.naive, '< 1000 ms'),
        row('save → visible in S3, p99', saves.ours, saves.naive, '', 99),
      ],
    );
    console.log(
      `\nsave → visible includes the ${500} ms debounce by design (a burst of saves is one PUT); the naive column PUTs every save at once.`,
    );
    console.log(
      `pull samples, ms: small ${smallPull.ours.map((x) => fmt(x, 0)).join(', ')}; large ${largePull.ours.map((x) => fmt(x, 0)).join(', ')}`,
    );
    if (median(smallPull.ours) >= 2000 || median(saves.ours) >= 1000) process.exitCode = 1;
  } finally {
    await s3.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
