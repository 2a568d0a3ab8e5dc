import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crashSummary } from './crash-summary.js';

describe('crashSummary', () => {
  it("finds Node's error line above its stack frames and banner", () => {
    const out = [
      '/workspace/index.js:3',
      "  throw new Error('boom');",
      '  ^',
      '',
      'Error: boom',
      '    at Server.<anonymous> (/workspace/index.js:3:9)',
      '    at Server.emit (node:events:519:28)',
      '    at parserOnIncoming (node:_http_server:1143:12)',
      '',
      'Node.js v20.19.0',
    ];
    assert.equal(crashSummary(out), 'Error: boom');
  });

  it("finds Python's exception after its traceback", () => {
    const out = [
      'Traceback (most recent call last):',
      '  File "main.py", line 1, in <module>',
      "NameError: name 'x' is not defined",
    ];
    assert.equal(crashSummary(out), "NameError: name 'x' is not defined");
  });

  it('falls back to the last meaningful line, cut to length; nothing for no output', () => {
    assert.equal(crashSummary(['starting', 'could not open db.sqlite', '']), 'could not open db.sqlite');
    assert.equal(crashSummary(['x'.repeat(500)], 20), `${'x'.repeat(19)}…`);
    assert.equal(crashSummary([]), null);
  });
});
