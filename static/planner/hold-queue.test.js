import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHoldQueue } from './hold-queue.js';
import { fakeClock } from '../testing/fake-clock.js';

/** @param {Partial<{deadlineMs: number, max: number}>} [o] */
function setup({ deadlineMs = 1000, max = 10 } = {}) {
  const clock = fakeClock(0);
  /** @type {{seq: number}[]} */
  const timedOut = [];
  const q = createHoldQueue({ clock, deadlineMs, max, onTimeout: (/** @type {{seq: number}} */ item) => { timedOut.push(item); } });
  return { clock, q, timedOut };
}

test('items drain in seq order, whatever the order they were added in', () => {
  const { q, clock } = setup();
  for (const seq of [1, 3, 2]) assert.equal(q.add({ seq }), true);
  assert.equal(q.length, 3);
  assert.deepEqual(q.drain().map((i) => i.seq), [1, 2, 3]);
  assert.equal(q.length, 0);
  assert.equal(clock.pendingTimers, 0, 'deadlines stop on leaving');
});

test('add refuses beyond max and holds nothing', () => {
  const { q } = setup({ max: 2 });
  assert.equal(q.add({ seq: 1 }), true);
  assert.equal(q.add({ seq: 2 }), true);
  assert.equal(q.add({ seq: 3 }), false);
  assert.equal(q.length, 2);
});

test('each item times out at its own deadline, removed before onTimeout', () => {
  const { q, clock, timedOut } = setup({ deadlineMs: 1000 });
  const a = { seq: 1 };
  q.add(a);
  clock.advanceSync(400);
  q.add({ seq: 2 });
  clock.advanceSync(600);
  assert.deepEqual(timedOut, [a]);
  assert.equal(q.length, 1);
  clock.advanceSync(400);
  assert.equal(timedOut.length, 2);
  assert.equal(q.length, 0);
});

test('removeWhere takes the picked items in order and stops their deadlines', () => {
  const { q, clock, timedOut } = setup();
  for (const seq of [1, 2, 3, 4]) q.add({ seq });
  assert.deepEqual(q.removeWhere((i) => i.seq % 2 === 0).map((i) => i.seq), [2, 4]);
  assert.equal(clock.pendingTimers, 2);
  clock.advanceSync(1000);
  assert.deepEqual(timedOut.map((i) => i.seq), [1, 3]);
});
