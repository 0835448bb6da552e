import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServerClock, isFresh, TOKEN_MARGIN_MS, DATE_SKEW_TOLERANCE_MS } from './server-clock.js';
import { fakeClock } from '../testing/fake-clock.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');

/** @param {string | null} date */
const headers = (date) => ({ get: (/** @type {string} */ name) => (name === 'Date' ? date : null) });

test('isFresh: usable until TOKEN_MARGIN_MS before exp', () => {
  assert.equal(isFresh(T0 + 10_000, T0 + 10_000 - TOKEN_MARGIN_MS - 1), true);
  assert.equal(isFresh(T0 + 10_000, T0 + 10_000 - TOKEN_MARGIN_MS), false);
  assert.equal(isFresh(T0 + 10_000, T0 + 20_000), false);
});

test('sync sets the offset from serverTime, at receivedAt or now', () => {
  const clock = fakeClock(T0);
  const sc = createServerClock(clock);
  assert.equal(sc.offsetMs, 0);
  sc.sync(T0 - 3_600_000);
  assert.equal(sc.offsetMs, -3_600_000);
  assert.equal(sc.now(), T0 - 3_600_000);
  sc.sync(T0 + 5000, T0 - 1000);
  assert.equal(sc.offsetMs, 6000);
  clock.jump(1000);
  assert.equal(sc.now(), T0 + 7000);
});

test('checkDate moves the offset only beyond DATE_SKEW_TOLERANCE_MS', () => {
  const sc = createServerClock(fakeClock(T0));
  sc.checkDate(headers(new Date(T0 + DATE_SKEW_TOLERANCE_MS).toUTCString()), T0);
  assert.equal(sc.offsetMs, 0, 'within tolerance');
  sc.checkDate(headers(new Date(T0 + 10 * 60_000).toUTCString()), T0);
  assert.equal(sc.offsetMs, 10 * 60_000);
  sc.checkDate(headers(null), T0);
  sc.checkDate(headers('not a date'), T0);
  assert.equal(sc.offsetMs, 10 * 60_000, 'missing or bad Date changes nothing');
});
