import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RUNNER_PROCESS_ENV } from '../tuning.js';
import { shellEnv } from './shell-env.js';

describe('shellEnv', () => {
  it('passes the runner’s environment on without its secrets or its own malloc tuning', () => {
    const env = shellEnv(
      { PATH: '/usr/bin', EDITOR: 'vim', ORCHESTRATOR_TOKEN: 't', AWS_SECRET_ACCESS_KEY: 'k', ...RUNNER_PROCESS_ENV },
      { home: '/workspace', replId: 'r1', appPort: 3000 },
    );
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.EDITOR, 'vim');
    for (const hidden of ['ORCHESTRATOR_TOKEN', 'AWS_SECRET_ACCESS_KEY', ...Object.keys(RUNNER_PROCESS_ENV)])
      assert.equal(env[hidden], undefined, hidden);
    assert.equal(env.PORT, '3000');
    assert.equal(env.HOME, '/workspace');
  });
});
