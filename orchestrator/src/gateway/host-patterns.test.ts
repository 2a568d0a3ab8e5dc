import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostPatterns } from './host-patterns.js';

test('local patterns: <id>-ws is the runner, <id> the preview, the port must match', () => {
  const h = new HostPatterns('http', '{id}-ws.localhost:8080', '{id}.localhost:8080');
  assert.deepEqual(h.match('abcdefghijk1-ws.localhost:8080'), { kind: 'runner', id: 'abcdefghijk1' });
  assert.deepEqual(h.match('ABCDEFGHIJK1.LOCALHOST:8080'), { kind: 'preview', id: 'abcdefghijk1' });
  assert.equal(h.match('abcdefghijk1.localhost:9090'), null);
  assert.equal(h.match('localhost:8080'), null);
  assert.equal(h.match('127.0.0.1:8080'), null);
  assert.equal(h.match('evil.abcdefghijk1.localhost:8080'), null);
  assert.equal(h.match('abc.localhost:8080'), null, 'not a repl id');
  assert.equal(h.match(undefined), null);
  assert.equal(h.url('runner', 'abcdefghijk1'), 'http://abcdefghijk1-ws.localhost:8080');
  assert.equal(h.url('preview', 'abcdefghijk1'), 'http://abcdefghijk1.localhost:8080');
});

test('cluster patterns without a port match whatever port the request came on', () => {
  const h = new HostPatterns('https', '{id}.ws.example.com', '{id}.preview.example.net');
  assert.deepEqual(h.match('abcdefghijk1.ws.example.com'), { kind: 'runner', id: 'abcdefghijk1' });
  assert.deepEqual(h.match('abcdefghijk1.preview.example.net:443'), { kind: 'preview', id: 'abcdefghijk1' });
  assert.equal(h.match('abcdefghijk1.wsXexample.com'), null, 'dots are literal');
  assert.equal(h.url('preview', 'abcdefghijk1'), 'https://abcdefghijk1.preview.example.net');
});
