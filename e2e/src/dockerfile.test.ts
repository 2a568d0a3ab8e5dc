import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RUNNER_NODE_FLAGS, RUNNER_PROCESS_ENV } from '@cubicle/runner/tuning';

// No Docker engine runs here, so the Dockerfile is checked for what would break a build or an
// image: every COPY source exists in the context (and is not excluded), each target's entrypoint
// is a file the build produces, the runtime stages run as uid 1000, the runner keeps its flags.

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const lines = dockerfile.replace(/\\\n/g, ' ').split('\n');

interface Stage {
  name: string;
  lines: string[];
}
const stages: Stage[] = [];
for (const line of lines) {
  const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
  if (from?.[1]) stages.push({ name: from[1], lines: [] });
  else stages.at(-1)?.lines.push(line.trim());
}
const stage = (name: string) => {
  const s = stages.find((x) => x.name === name);
  assert.ok(s, `stage ${name}`);
  return s;
};

test('targets build, runner and orchestrator exist; runtime stages run as uid 1000 on a supported Node LTS', () => {
  assert.deepEqual(
    stages.map((s) => s.name),
    ['build', 'runner', 'orchestrator'],
  );
  for (const name of ['runner', 'orchestrator']) assert.ok(stage(name).lines.includes('USER 1000:1000'), name);
  assert.equal(
    dockerfile.match(/^FROM node:22-bookworm-slim/gm)?.length,
    3,
    'Node 22 LTS (Node 20 ended in April 2026)',
  );
  assert.match(dockerfile, /npm install -g pnpm@10\.34\.9/, 'the pinned pnpm');
});

test('every COPY from the build context exists and is not excluded by .dockerignore', () => {
  const ignored = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  assert.ok(ignored.includes('**/node_modules') && ignored.includes('**/dist'));
  for (const line of lines.filter((l) => /^COPY\s/.test(l) && !l.includes('--from='))) {
    const parts = line.split(/\s+/).slice(1);
    for (const src of parts.slice(0, -1).filter((p) => p !== '.')) {
      assert.ok(fs.existsSync(path.join(ROOT, src)), `${src} (${line})`);
    }
  }
});

test('the entrypoints are files the workspace build produces; the runner keeps its node flags', () => {
  const entry = (name: string) =>
    JSON.parse(/ENTRYPOINT (\[.*\])/.exec(stage(name).lines.join('\n'))?.[1] ?? '[]') as string[];
  const runner = entry('runner');
  // tini is PID 1 in both images: zombies of users' background jobs are reaped, SIGTERM is forwarded.
  for (const name of ['runner', 'orchestrator'])
    assert.deepEqual(entry(name).slice(0, 3), ['/usr/bin/tini', '--', 'node']);
  assert.deepEqual(runner.slice(3, -1), RUNNER_NODE_FLAGS);
  for (const [name, value] of Object.entries(RUNNER_PROCESS_ENV))
    assert.match(stage('runner').lines.join('\n'), new RegExp(`\\b${name}=${value}\\b`), `ENV ${name}=${value}`);
  assert.equal(runner.at(-1), '/opt/cubicle/runner/dist/cli.js');
  assert.ok(fs.existsSync(path.join(ROOT, 'runner', 'dist', 'cli.js')));
  assert.equal(entry('orchestrator').at(-1), '/opt/cubicle/orchestrator/dist/cli.js');
  assert.ok(fs.existsSync(path.join(ROOT, 'orchestrator', 'dist', 'cli.js')));
  assert.match(
    stage('orchestrator').lines.join('\n'),
    /COPY --from=build \/src\/frontend\/dist \/opt\/cubicle\/frontend/,
  );
  assert.match(stage('runner').lines.join('\n'), /WORKSPACE_DIR=\/workspace STATE_DIR=\/state/);
});

test('the runner image has what people expect in a shell, and pip installs without root', () => {
  const runner = stage('runner').lines.join('\n');
  for (const pkg of ['python-is-python3', 'python3-venv', 'wget', 'tmux', 'ripgrep', 'tini', 'git', 'curl']) {
    assert.match(runner, new RegExp(`\\b${pkg}\\b`), pkg);
  }
  assert.match(runner, /python3 -m venv \/opt\/cubicle\/python/);
  assert.match(runner, /VIRTUAL_ENV=\/opt\/cubicle\/python PATH=\/opt\/cubicle\/python\/bin:\$PATH/);
  assert.match(runner, /npm_config_cache=\/cache\/npm PIP_CACHE_DIR=\/cache\/pip/, 'caches off the workspace and HOME');
});
