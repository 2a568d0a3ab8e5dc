#!/usr/bin/env node
// `pnpm bench`: runs each package's compiled benchmarks in turn and prints their tables.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const benches = [
  'runner/dist/bench/terminal-bench.js',
  'runner/dist/bench/terminal-output-bench.js',
  'runner/dist/bench/sync-bench.js',
  'runner/dist/bench/language-bench.js',
  'orchestrator/dist/bench/start-bench.js',
  'frontend/scripts/bundle-report.mjs',
]
  .map((p) => path.join(root, p))
  .filter(existsSync);
// Every benchmark runs, even after one misses its target; the exit code says whether any did.
const missed = [];
for (const bench of benches) {
  const r = spawnSync(process.execPath, ['--enable-source-maps', bench, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) missed.push(path.relative(root, bench));
}
if (missed.length > 0) {
  console.error(`\nmissed a target or failed: ${missed.join(', ')}`);
  process.exit(1);
}
