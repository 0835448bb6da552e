import { test } from 'node:test';
import assert from 'node:assert/strict';
import { merge, totals, holdPercentile, conversion, values, sparkPath, money } from './metrics.js';

const at = (/** @type {number} */ m) => new Date(Date.UTC(2026, 10, 22, 10, m)).toISOString();

test('merge keeps the newest buckets, a later copy of a minute replacing the earlier', () => {
  const byAt = new Map();
  merge(byAt, [{ at: at(0), counts: { a: 1 } }, { at: at(1), counts: { a: 2 } }], 60);
  const out = merge(byAt, [{ at: at(1), counts: { a: 5 } }, { at: at(2), counts: {} }], 2);
  assert.deepEqual(out.map((b) => [b.at, b.counts.a]), [[at(1), 5], [at(2), undefined]]);
  assert.equal(byAt.size, 2);
});

test('totals sum counters and skip gauges; the funnel and hold percentiles follow', () => {
  const t = totals([
    { at: at(0), counts: { 'planner.opened': 4, 'product.added': 9, 'max.planners_open': 3, 'expiry.hold_le_1s': 9 } },
    { at: at(1), counts: { 'planner.opened': 6, 'basket.sent': 2, 'max.planners_open': 5, 'expiry.hold_gt_30s': 1 } },
  ]);
  assert.equal(t['planner.opened'], 10);
  assert.equal(t['max.planners_open'], undefined);
  assert.deepEqual(conversion(t), { opened: 10, added: 9, baskets: 2, basketShare: 0.2 });
  assert.equal(holdPercentile(t, 0.5), 1000);
  assert.equal(holdPercentile(t, 0.99), Infinity);
  assert.equal(holdPercentile({}, 0.5), null);
  assert.deepEqual(conversion({}), { opened: 0, added: 0, baskets: 0, basketShare: 0 });
});

test('sparkPath scales to the box; values fill gaps with 0', () => {
  const v = values([{ at: at(0), counts: { x: 0 } }, { at: at(1), counts: { x: 2 } }, { at: at(2), counts: {} }], 'x');
  assert.deepEqual(v, [0, 2, 0]);
  assert.equal(sparkPath(v, 100, 20), 'M0.0,20.0 L50.0,0.0 L100.0,20.0');
  assert.equal(sparkPath([], 100, 20), '');
  assert.equal(sparkPath([0, 0], 10, 10), 'M0.0,10.0 L10.0,10.0');
});

test('money formats minor units', () => {
  assert.equal(money(12900, 'EUR'), '€129.00');
  assert.equal(money(100, 'XX1'), '1.00 XX1');
});
