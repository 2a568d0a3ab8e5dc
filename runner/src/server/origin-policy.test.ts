import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originPolicy } from './origin-policy.js';

describe('originPolicy', () => {
  it('matches exact origins and one-level-or-deeper wildcard subdomains only', () => {
    const allowed = originPolicy(['http://localhost:8080', 'https://*.ide.example.com']);
    assert.ok(allowed('http://localhost:8080'));
    assert.ok(allowed('https://a.ide.example.com'));
    assert.ok(allowed('https://a.b.ide.example.com'));
    assert.ok(!allowed('https://ide.example.com'));
    assert.ok(!allowed('https://evil.com'));
    assert.ok(!allowed('https://a.ide.example.com.evil.com'));
    assert.ok(!allowed('http://a.ide.example.com'), 'the scheme must match');
    assert.ok(!allowed('http://localhost:8081'));
  });
});
