import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const ORCHESTRATOR = path.resolve(import.meta.dirname, 'cli.js');
const RUNNER = path.resolve(import.meta.dirname, '..', '..', 'runner', 'dist', 'cli.js');
const run = (cli: string, ...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH } });

describe('the command lines answer --help and refuse what they do not know (no server started)', () => {
  it('orchestrator', () => {
    for (const args of [['--help'], ['serve', '--help'], ['-h']]) {
      const r = run(ORCHESTRATOR, ...args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /^usage: orchestrator \[serve\]/);
    }
    const unknown = run(ORCHESTRATOR, 'serve', '--port=1');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown argument "--port=1"/);
    assert.match(run(ORCHESTRATOR, 'launch').stderr, /unknown command "launch"/);
  });

  it('runner', () => {
    for (const args of [['--help'], ['serve', '--help'], ['pull', '-h']]) {
      const r = run(RUNNER, ...args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /^usage: runner <command>/);
    }
    const unknown = run(RUNNER, 'serve', '--verbose');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown argument "--verbose"/);
  });
});
