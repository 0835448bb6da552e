import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../editor/geometry.js';
import * as M from '../editor/model.js';
import { buildScene, triangulate, wallPieces, volumes, FLOATS, WALL_HEIGHT } from './mesh.js';

/** @param {import('../editor/geometry.js').Pt[]} p @param {number[]} tri */
function triArea(p, tri) {
  let s = 0;
  for (let k = 0; k < tri.length; k += 3) {
    const [a, b, c] = [p[tri[k]], p[tri[k + 1]], p[tri[k + 2]]];
    s += Math.abs((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)) / 2;
  }
  return s;
}

test('triangulate covers each preset exactly (area matches, n - 2 triangles)', () => {
  for (const k of /** @type {const} */ (['rectangle', 'L', 'U', 'T'])) {
    const p = G.preset(k, 600, 450);
    const tri = triangulate(p);
    assert.equal(tri.length / 3, p.length - 2, k);
    assert.ok(Math.abs(triArea(p, tri) - G.area(p)) < 1e-6, k);
  }
});

test('wallPieces leave real holes: a door to its head, a window between sill and head', () => {
  const sh = { polygon: G.preset('rectangle', 400, 300), wallThickness: 10, openings: [
    /** @type {import('../editor/geometry.js').Opening} */ ({ id: 'd', kind: 'door', wall: 0, offset: 40, width: 90, hinge: 'start', swing: 'in' }),
    /** @type {import('../editor/geometry.js').Opening} */ ({ id: 'w', kind: 'window', wall: 0, offset: 200, width: 120, sill: 90, height: 110 }),
  ] };
  assert.deepEqual(wallPieces(sh, 0), [[0, 40, 0, WALL_HEIGHT], [40, 130, 210, WALL_HEIGHT], [130, 200, 0, WALL_HEIGHT],
    [200, 320, 0, 90], [200, 320, 200, WALL_HEIGHT], [320, 400, 0, WALL_HEIGHT]]);
  assert.deepEqual(wallPieces(sh, 1), [[0, 300, 0, WALL_HEIGHT]]);
});

test('volumes: a sofa has seat, back and arms; a table a top on four legs', () => {
  const sofa = volumes('sofas', 200, 90, 80);
  assert.equal(sofa.length, 4);
  assert.ok(sofa.every((v) => v.lo[0] >= -100 && v.hi[0] <= 100 && v.lo[2] >= -45 && v.hi[2] <= 45 && v.hi[1] <= 80));
  const back = sofa[1];
  assert.equal(back.lo[2], -45, 'the back is at the back');
  const table = volumes('tables', 160, 90, 75);
  assert.equal(table.length, 5);
  assert.equal(table[0].hi[1], 75);
  assert.equal(volumes('storage', 80, 40, 200).length, 1);
});

test('buildScene: floor, one range per wall, items and their pick boxes', () => {
  const P = { sofa: { id: 'sofa', name: 'S', category: 'sofas', width: 200, depth: 90, height: 80, price: 1, currency: 'EUR', color: '#336699' } };
  const doc = { ...M.newDoc(), room: M.rectRoom(400, 300), items: [{ id: 'i1', productId: 'sofa', x: 200, y: 100, rotation: /** @type {90} */ (90) }] };
  const s = buildScene(doc, (id) => /** @type {any} */ (P)[id], null);
  assert.equal(s.data.length % FLOATS, 0);
  assert.equal(s.floor.count, 6);
  assert.equal(s.walls.length, 4);
  assert.deepEqual(s.walls.map((w) => [w.out.x + 0, w.out.y + 0]), [[0, -1], [1, 0], [0, 1], [-1, 0]], 'outward normals');
  assert.equal(s.items.count, 4 * 36);
  assert.deepEqual(s.picks, [{ id: 'i1', min: [155, 0, 0], max: [245, 80, 200] }]);
  // Rotated 90°: the sofa's back (unrotated at -z) is now at +x, the plan's right.
  const backBox = [...Array(36).keys()].map((k) => s.data[(s.items.first + 36 + k) * FLOATS]);
  assert.ok(Math.min(...backBox) > 200, `back at x ${Math.min(...backBox)}..${Math.max(...backBox)}`);
  // Selected: drawn lighter.
  const sel = buildScene(doc, (id) => /** @type {any} */ (P)[id], 'i1');
  assert.ok(sel.data[s.items.first * FLOATS + 6] > s.data[s.items.first * FLOATS + 6]);
});
