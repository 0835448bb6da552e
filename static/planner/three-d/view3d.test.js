import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../editor/geometry.js';
import { walkStart } from './view3d.js';

test('walkStart stands on the floor, clear of the walls, near the bottom: also in an L', () => {
  const L = G.preset('L', 500, 400); // the bottom right quarter is outside
  const b = { x0: 0, z0: 0, x1: 500, z1: 400 };
  const p = walkStart(L, b);
  assert.ok(G.pointInPolygon(L, p), JSON.stringify(p));
  assert.ok(G.nearestWall(L, p).dist >= 40);
  assert.ok(p.y > 300, 'in the L\'s leg, near the bottom');
  const R = walkStart(G.preset('rectangle', 400, 300), { x0: 0, z0: 0, x1: 400, z1: 300 });
  assert.deepEqual(R, { x: 200, y: 255 });
});
