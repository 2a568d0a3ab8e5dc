import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowGate } from './flow-gate.js';

describe('FlowGate', () => {
  it('pauses at any consumer over high and resumes only when all are under low', () => {
    const changes: boolean[] = [];
    const gate = new FlowGate((p) => changes.push(p));
    gate.report('a', 100, 100, 10);
    gate.report('b', 200, 100, 10);
    assert.deepEqual(changes, [true]);
    gate.report('a', 50, 100, 10); // between the marks: still holding
    gate.report('a', 5, 100, 10);
    assert.equal(gate.paused, true, 'b still holds the gate');
    gate.release('b');
    assert.deepEqual(changes, [true, false]);
  });
});
