import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaps, labelSpot, snapPoint, distance } from './measure.js';
import * as G from './geometry.js';
const { preset } = G;

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

test('labelSpot writes a wall\'s length outside it, upright, growing away from the wall', () => {
  const L = [{ x: 0, y: 0 }, { x: 400, y: 0 }, { x: 400, y: 150 }, { x: 200, y: 150 }, { x: 200, y: 300 }, { x: 0, y: 300 }];
  const spots = L.map((_, i) => labelSpot(G.wall(L, i), 12));
  assert.deepEqual(spots, [
    { x: 200, y: -16, angle: 0, edge: 'after' }, // top: above the wall, standing on it
    { x: 416, y: 75, angle: -90, edge: 'before' }, // right: read bottom to top, hanging outwards
    { x: 300, y: 166, angle: 0, edge: 'before' }, // the L's inner wall: below it, in the cut-out
    { x: 216, y: 225, angle: -90, edge: 'before' },
    { x: 100, y: 316, angle: 0, edge: 'before' }, // bottom: hangs below
    { x: -16, y: 150, angle: -90, edge: 'after' }, // left: its bottom edge towards the wall
  ]);
  for (const [i, s] of spots.entries()) assert.equal(G.pointInPolygon(L, s), false, `label ${i} is outside the room`);
  // A slanted wall: still upright, still outside.
  const tri = [{ x: 0, y: 0 }, { x: 300, y: 0 }, { x: 0, y: 300 }];
  const d = labelSpot(G.wall(tri, 1), 10);
  assert.equal(d.angle, -45);
  assert.equal(d.edge, 'before'); // the room is above-left of the text
  assert.ok(d.x > 150 && d.y > 150, JSON.stringify(d));
});

test('snapPoint lands on a corner, else on a wall\'s inner face, else where clicked to the cm; distance', () => {
  const L = [{ x: 0, y: 0 }, { x: 400, y: 0 }, { x: 400, y: 150 }, { x: 200, y: 150 }, { x: 200, y: 300 }, { x: 0, y: 300 }];
  assert.deepEqual(snapPoint(L, { x: 206, y: 144 }, 10), { x: 200, y: 150, on: 'corner' }); // the L's inner corner
  assert.deepEqual(snapPoint(L, { x: 300, y: 157 }, 10), { x: 300, y: 150, on: 'wall' }); // from inside the wall, onto its face
  assert.deepEqual(snapPoint(L, { x: 193.4, y: 220 }, 10), { x: 200, y: 220, on: 'wall' });
  assert.deepEqual(snapPoint(L, { x: 100.4, y: 99.6 }, 10), { x: 100, y: 100, on: 'free' });
  // A corner wins over its walls; the nearer of two walls wins.
  assert.deepEqual(snapPoint(L, { x: 8, y: 3 }, 10), { x: 0, y: 0, on: 'corner' });
  assert.deepEqual(snapPoint(L, { x: 30, y: 4 }, 10), { x: 30, y: 0, on: 'wall' });
  // The tolerance is the caller's (screen pixels in cm): a smaller one leaves the point free.
  assert.deepEqual(snapPoint(L, { x: 300, y: 157 }, 5), { x: 300, y: 157, on: 'free' });
  assert.equal(distance({ x: 0, y: 0 }, { x: 400, y: 0 }), 400);
  assert.equal(distance({ x: 200, y: 150 }, { x: 0, y: 300 }), 250);
  assert.equal(distance({ x: 0, y: 0 }, { x: 1, y: 1 }), 1.4);
});
