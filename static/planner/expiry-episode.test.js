import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExpiryEpisode, DEFAULT_BACKOFF } from './expiry-episode.js';
import { fakeClock } from '../testing/fake-clock.js';

/** @param {readonly number[]} backoffMs */
function setup(backoffMs) {
  const clock = fakeClock(0);
  /** @type {number[]} */
  const asks = [];
  let done = false;
  const ep = createExpiryEpisode({ clock, backoffMs, ask: () => { asks.push(clock.now()); }, settled: () => done });
  return { clock, ep, asks, settle() { done = true; } };
}

test('start asks once at once and re-asks with backoff, the last delay repeating', () => {
  const { clock, ep, asks } = setup([100, 300]);
  ep.start();
  ep.start();
  assert.deepEqual(asks, [0], 'a running episode is not restarted');
  clock.advanceSync(1000);
  assert.deepEqual(asks, [0, 100, 400, 700, 1000]);
  assert.equal(ep.active, true);
});

test('an empty backoff means DEFAULT_BACKOFF', () => {
  const { clock, ep, asks } = setup([]);
  ep.start();
  clock.advanceSync(DEFAULT_BACKOFF[0]);
  assert.deepEqual(asks, [0, DEFAULT_BACKOFF[0]]);
});

test('the episode ends when settled at a re-ask, or on end(); timers stop', () => {
  const { clock, ep, asks, settle } = setup([100]);
  ep.start();
  settle();
  clock.advanceSync(100);
  assert.deepEqual(asks, [0]);
  assert.equal(ep.active, false);
  assert.equal(clock.pendingTimers, 0);

  const other = setup([100]);
  other.ep.start();
  other.ep.end();
  assert.equal(other.ep.active, false);
  assert.equal(other.clock.pendingTimers, 0);
});
