// pending.test.js: the promises the SDK owes the host (pending.js): settled
// once, by an answer, a timeout or rejectAll.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPendings, PlannerError, timersOf } from './pending.js';
import { fakeClock, setup, readyUser, handled, rejection } from './fakes.test.js';

// ---- through createPlanner ----

test('a request with no answer rejects after requestTimeoutMs', async () => {
  const env = setup({ requestTimeoutMs: 30000 });
  await readyUser(env);
  const p = handled(env.planner.loadProject('p1'));
  await env.clock.advance(30000);
  const err = await rejection(p);
  assert.equal(err.code, 'timeout');
  assert.equal(env.clock.pending, 0);
});


// ---- createPendings itself ----

test('a pending settles once: by its answer, and then never by its timeout', async () => {
  const clock = fakeClock();
  const owed = createPendings(timersOf(clock.timers), 1000);
  /** @type {import('./pending.js').Pending<string>} */
  const p = owed.track('thing()');
  owed.waitFor(p, (event) => (event === 'Done' ? { ok: true, value: 'yes' } : undefined));
  owed.answer('Other', undefined);
  assert.equal(p.settled, false, 'an event the waiter does not match settles nothing');
  owed.answer('Done', {});
  assert.equal(p.settled, true);
  assert.equal(await p.promise, 'yes');
  assert.equal(clock.pending, 0, 'settling clears the timeout');
  owed.rejectAll(new Error('late'));
  assert.equal(await p.promise, 'yes');
});

test('a pending with no answer rejects with timeout; rejectAll rejects the rest', async () => {
  const clock = fakeClock();
  const owed = createPendings(timersOf(clock.timers), 1000);
  const slow = handled(owed.track('slow()').promise);
  await clock.advance(999);
  const other = owed.track('other()');
  handled(other.promise);
  await clock.advance(1);
  const err = await rejection(slow);
  assert.ok(err instanceof PlannerError);
  assert.equal(err.code, 'timeout');
  assert.equal(err.message, 'slow() got no answer from the planner within 1000 ms');
  assert.equal(other.settled, false);
  owed.waitFor(other, () => ({ ok: true, value: 1 }));
  owed.rejectAll(new PlannerError('destroyed', 'planner destroyed'));
  assert.equal((await rejection(other.promise)).code, 'destroyed');
  owed.answer('Anything', {});
  assert.equal(clock.pending, 0);
});

test('timersOf starts no timer for a missing, negative, infinite or huge delay', () => {
  const clock = fakeClock();
  const timers = timersOf(clock.timers);
  for (const ms of [undefined, NaN, -1, Infinity, 2 ** 31]) assert.equal(timers.start(() => {}, /** @type {any} */ (ms)), null, String(ms));
  const h = timers.start(() => {}, 2 ** 31 - 1);
  assert.notEqual(h, null);
  timers.clear(null);
  timers.clear(undefined);
  timers.clear(h);
  assert.equal(clock.pending, 0);
});
