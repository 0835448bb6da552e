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

test('pickItem: the first item a ray meets, never one behind a wall, but one seen through a door hole', async () => {
  const { buildScene } = await import('./mesh.js');
  const { pickItem } = await import('./view3d.js');
  const room = (/** @type {any[]} */ openings) => ({ width: 400, depth: 300, wallThickness: 12, openings,
    polygon: [{ x: 0, y: 0 }, { x: 400, y: 0 }, { x: 400, y: 300 }, { x: 0, y: 300 }] });
  const hb = { id: 'hb', name: 'Highboard', category: 'storage', width: 100, depth: 45, height: 140, price: 1, color: '#556b7d' };
  const items = [{ id: 'a', productId: 'hb', x: 200, y: 40, rotation: 0 }, { id: 'b', productId: 'hb', x: 200, y: 150, rotation: 0 }];
  const lookup = (/** @type {string} */ id) => (id === 'hb' ? /** @type {any} */ (hb) : null);
  // From outside the top wall, looking in (world z is the plan's y) at 100 cm up.
  const ray = { origin: /** @type {[number, number, number]} */ ([200, 100, -100]), dir: /** @type {[number, number, number]} */ ([0, 0, 1]) };
  const solid = buildScene(/** @type {any} */ ({ name: '', room: room([]), items }), lookup, null);
  assert.equal(pickItem(ray, solid.picks, solid.data, solid.walls), null, 'the wall is in front');
  assert.equal(pickItem(ray, solid.picks, solid.data, []), 'a', 'the wall cut away: the nearer item, not the one behind it');
  // A door in that wall (x 155–245, 0–210 cm high): seen through the hole, picked; above the hole, the wall again.
  const door = buildScene(/** @type {any} */ ({ name: '', room: room([{ id: 'o1', kind: 'door', wall: 0, offset: 155, width: 90, hinge: 'start', swing: 'in' }]), items }), lookup, null);
  assert.equal(pickItem(ray, door.picks, door.data, door.walls), 'a');
  // Looking down through the wall above the door's head (at 225 cm) towards the item further in.
  const high = { origin: /** @type {[number, number, number]} */ ([200, 313, -100]), dir: /** @type {[number, number, number]} */ ([0, -Math.SQRT1_2, Math.SQRT1_2]) };
  assert.equal(pickItem(high, door.picks, door.data, []), 'b', 'without the wall it would be b');
  assert.equal(pickItem(high, door.picks, door.data, door.walls), null, 'above the door, the wall');
  // A wall behind the item (the far one, seen from inside) hides nothing.
  const inside = { origin: /** @type {[number, number, number]} */ ([200, 100, 280]), dir: /** @type {[number, number, number]} */ ([0, 0, -1]) };
  assert.equal(pickItem(inside, solid.picks, solid.data, solid.walls), 'b');
  // Nothing in the way: null.
  assert.equal(pickItem({ origin: [350, 100, -100], dir: [0, 0, 1] }, solid.picks, solid.data, []), null);
});
