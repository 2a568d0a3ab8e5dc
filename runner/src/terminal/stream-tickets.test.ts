import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TerminalStreamTicket } from '@cubicle/protocol';
import { StreamTickets } from './stream-tickets.js';

test('a ticket opens its terminal once, and is a valid protocol ticket', () => {
  const tickets = new StreamTickets();
  const ticket = tickets.issue({ terminalId: 't1', binary: true });
  assert.ok(TerminalStreamTicket.safeParse(ticket).success);
  assert.deepEqual(tickets.redeem(ticket), { terminalId: 't1', binary: true });
  assert.equal(tickets.redeem(ticket), null, 'a second redeem is refused');
  assert.equal(tickets.redeem(null), null);
  assert.equal(tickets.redeem('x'.repeat(43)), null, 'a ticket never issued is refused');
});

test('a ticket expires, and expired ones are forgotten', () => {
  let now = 1_000;
  const tickets = new StreamTickets(10_000, 100, () => now);
  const early = tickets.issue({ terminalId: 'a', binary: false });
  now += 6_000;
  const late = tickets.issue({ terminalId: 'b', binary: false });
  now += 4_000; // `early` is exactly 10 s old
  assert.equal(tickets.redeem(early), null);
  assert.equal(tickets.outstanding, 1);
  assert.deepEqual(tickets.redeem(late), { terminalId: 'b', binary: false });
});

test('past the cap the oldest ticket is forgotten, never the newest', () => {
  const tickets = new StreamTickets(10_000, 3);
  const issued = ['a', 'b', 'c', 'd'].map((terminalId) => tickets.issue({ terminalId, binary: true }));
  assert.equal(tickets.outstanding, 3);
  assert.equal(tickets.redeem(issued[0] ?? ''), null);
  assert.equal(tickets.redeem(issued[3] ?? '')?.terminalId, 'd');
});
