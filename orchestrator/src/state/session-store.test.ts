import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { AccessTokenStore } from './access-token-store.js';
import { type Db, openDatabase } from './database.js';
import { SessionStore } from './session-store.js';
import { UserStore } from './user-store.js';

describe('sessions and access tokens expire', () => {
  let dir: string;
  let db: Db;
  let userId: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-sessions-'));
    db = openDatabase(dir);
    userId = new UserStore(db).signedIn({
      subject: 'https://idp.example#ann',
      email: 'ann@example.com',
      name: 'Ann',
      picture: null,
      admin: false,
    }).id;
  });
  after(() => {
    mock.timers.reset();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a session ends after its idle time without requests, and after its absolute time however busy', () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
    const sessions = new SessionStore(db, { absoluteMs: 10 * 3_600_000, idleMs: 3_600_000 });
    const idle = sessions.create(userId);
    const busy = sessions.create(userId);
    assert.equal(sessions.lookup(idle)?.userId, userId);
    for (let h = 0; h < 9; h++) {
      mock.timers.tick(50 * 60_000); // a request every 50 minutes keeps `busy` alive
      assert.ok(sessions.lookup(busy), `busy session alive after ${(h + 1) * 50} min`);
    }
    assert.equal(sessions.lookup(idle), null, 'idle for over an hour: ended');
    mock.timers.tick(75 * 60_000 - 1);
    assert.equal(sessions.lookup(busy), null, 'past ten hours: ended however busy');
    assert.equal(sessions.lookup('not-a-session'), null);
    const ended = sessions.create(userId);
    sessions.end(ended);
    assert.equal(sessions.lookup(ended), null, 'signed out');
    mock.timers.reset();
  });

  test('an access token stops working when it expires or is revoked; it is stored only as a hash', () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
    const tokens = new AccessTokenStore(db);
    const made = tokens.create(userId, 'ci', 2);
    const forever = tokens.create(userId, 'laptop');
    assert.equal(tokens.lookup(made.token), userId);
    const stored = JSON.stringify(db.prepare('SELECT * FROM access_tokens').all());
    assert.ok(!stored.includes(made.token) && !stored.includes(forever.token), 'no token in the database');
    mock.timers.tick(2 * 86_400_000);
    assert.equal(tokens.lookup(made.token), null, 'expired');
    assert.equal(tokens.lookup(forever.token), userId);
    assert.equal(tokens.revoke('someone-else', forever.record.id), false);
    assert.equal(tokens.revoke(userId, forever.record.id), true);
    assert.equal(tokens.lookup(forever.token), null, 'revoked');
    mock.timers.reset();
  });
});
