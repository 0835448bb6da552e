import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaps } from './measure.js';
import { preset } from './geometry.js';

test('gaps reach from each side of an item to the first wall straight out, also in an L', () => {
  const rect = preset('rectangle', 400, 300);
  assert.deepEqual(gaps(rect, { x0: 100, y0: 50, x1: 160, y1: 110 }).map((g) => g.cm), [100, 240, 50, 190]);
  const L = [{ x: 0, y: 0 }, { x: 400, y: 0 }, { x: 400, y: 150 }, { x: 200, y: 150 }, { x: 200, y: 300 }, { x: 0, y: 300 }];
  // Right of an item low in the L's leg: the inner wall at x = 200, not the far one at 400.
  const g = gaps(L, { x0: 50, y0: 200, x1: 100, y1: 250 });
  assert.deepEqual(g.map((x) => x.cm), [50, 100, 200, 50]);
  assert.deepEqual(g[1].to, { x: 200, y: 225 });
  // Flush with a wall: a gap of 0.
  assert.equal(gaps(rect, { x0: 0, y0: 0, x1: 50, y1: 50 })[0].cm, 0);
});
