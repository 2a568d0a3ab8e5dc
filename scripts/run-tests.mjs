#!/usr/bin/env node
// Runs the frontend's unit tests (vitest: they import browser-side modules), then every compiled
// test file (`*.test.js` under each package's dist/, and e2e/dist/) with Node's own test runner.
// Node 20's `--test` takes no globs, hence this list. Browser tests get Debian's chromium first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const roots = ['protocol', 'storage', 'runner', 'orchestrator', 'frontend', 'e2e'].map((p) =>
  path.join(root, p, 'dist'),
);
const filter = process.argv[2]; // optional substring: `pnpm test terminal`

const files = roots
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))))
  .filter((f) => f.endsWith('.test.js') && (!filter || f.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found (did `tsc -b` run?)');
  process.exit(1);
}
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

if (!filter || 'frontend'.includes(filter) || filter.startsWith('frontend')) {
  const vitest = path.join(root, 'frontend', 'node_modules', 'vitest', 'vitest.mjs');
  const unit = spawnSync(process.execPath, [vitest, 'run'], {
    cwd: path.join(root, 'frontend'),
    stdio: 'inherit',
    env,
  });
  if (unit.status !== 0) process.exit(unit.status ?? 1);
}

// The manifest tests render k8s/ with kubectl (Debian's kubernetes-client when none is installed).
if (files.some((f) => f.includes('k8s-manifests'))) {
  const kubectl = spawnSync('bash', [path.join(root, 'scripts', 'ensure-kubectl.sh')], { stdio: 'inherit' });
  if (kubectl.status !== 0) process.exit(kubectl.status ?? 1);
}

// Repls started by orchestrator and end-to-end tests run in bubblewrap sandboxes (docs/security.md);
// runners search with ripgrep and run git: scripts/ensure-repl-tools.sh installs what is missing.
const inPackage = (f, name) => f.includes(`${path.sep}${name}${path.sep}`);
if (files.some((f) => ['runner', 'orchestrator', 'e2e'].some((name) => inPackage(f, name)))) {
  const tools = spawnSync('bash', [path.join(root, 'scripts', 'ensure-repl-tools.sh')], { stdio: 'inherit' });
  if (tools.status !== 0) process.exit(tools.status ?? 1);
}

// Browser tests (e2e/src/support/browser.ts) drive Debian's chromium, installed here when missing.
if (files.some((f) => f.includes(`${path.sep}e2e${path.sep}`))) {
  const chromium = spawnSync('bash', [path.join(root, 'scripts', 'ensure-chromium.sh')], { stdio: 'inherit' });
  if (chromium.status !== 0) process.exit(chromium.status ?? 1);
}

const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', '--enable-source-maps', ...files],
  { stdio: 'inherit', env },
);
process.exit(result.status ?? 1);
