import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as M from './model.js';
import { heights, onWall } from './mount.js';

/** @type {Record<string, M.Dims>} */
const P = {
  base: { width: 60, depth: 60, height: 87 },
  wallCab: { width: 60, depth: 37, height: 80, mount: 'wall', mountHeight: 145 },
  wardrobe: { width: 100, depth: 58, height: 201 },
  bench: { width: 120, depth: 40, height: 45 },
  shelf: { width: 120, depth: 25, height: 4, mount: 'wall', mountHeight: 215 },
};
const lookup = (/** @type {string} */ id) => P[id] ?? null;
const room = () => {
  const r = M.rectRoom(400, 300);
  return { ...r, openings: [{ id: 'w1', kind: /** @type {const} */ ('window'), wall: 0, offset: 140, width: 120, sill: 90 }] };
};
/** @param {Array<[string, number, number]>} items @returns {M.Doc} */
const doc = (items) => ({ name: '', room: room(), items: items.map(([productId, x, y], i) => ({ id: `i${i + 1}`, productId, x, y, rotation: /** @type {const} */ (0) })) });

test('heights: floor products from 0, wall ones from their mountHeight, unknown ones everywhere', () => {
  assert.deepEqual(heights(P.base), [0, 87]);
  assert.deepEqual(heights(P.wallCab), [145, 225]);
  assert.deepEqual(heights(null), [0, Infinity]);
  assert.deepEqual(heights({ width: 1, depth: 1 }), [0, Infinity]);
});

test('a wall cabinet above a base cabinet is no overlap; two base cabinets are', () => {
  const above = M.problems(doc([['base', 30, 330 - 300 + 0], ['wallCab', 30, 18.5]]), lookup);
  assert.deepEqual(above.pairs, []);
  const side = M.problems(doc([['base', 30, 30], ['base', 50, 30]]), lookup);
  assert.equal(side.pairs.length, 1);
  // A product gone from the catalog still collides with a wall cabinet.
  const gone = M.problems(doc([['gone', 30, 30], ['wallCab', 30, 18.5]]), lookup);
  assert.equal(gone.pairs.length, 1);
});

test('a wardrobe in front of a window is flagged; a bench under it and a shelf above it are not', () => {
  const pr = M.problems(doc([['wardrobe', 200, 29], ['bench', 200, 320 - 300], ['shelf', 320, 12.5]]), lookup);
  assert.deepEqual(pr.clearance, [{ itemId: 'i1', openingId: 'w1', kind: 'window' }]);
  assert.ok(pr.blocking.has('i1'));
  // Away from the window's span, the same wardrobe is fine.
  assert.deepEqual(M.problems(doc([['wardrobe', 60, 29]]), lookup).clearance, []);
});

test('wall-mounted products snap to the nearest wall and face the room, wherever they are dropped or dragged', () => {
  const p = /** @type {{x: number, y: number}[]} */ (room().polygon);
  assert.deepEqual(onWall(p, /** @type {any} */ (P.wallCab), 102, 60), { x: 100, y: 18.5, rotation: 0 });
  assert.deepEqual(onWall(p, /** @type {any} */ (P.wallCab), 380, 150), { x: 381.5, y: 150, rotation: 90 });
  assert.deepEqual(onWall(p, /** @type {any} */ (P.wallCab), 200, 290), { x: 200, y: 281.5, rotation: 180 });
  const added = M.addItem(M.newDoc(), 'wallCab', lookup, { x: 12, y: 150 });
  assert.deepEqual(added.doc.items[0], { id: 'i1', productId: 'wallCab', x: 18.5, y: 150, rotation: 270 });
  const moved = M.moveItem(added.doc, 'i1', 250, 20, lookup).items[0];
  assert.deepEqual({ x: moved.x, y: moved.y, rotation: moved.rotation }, { x: 250, y: 18.5, rotation: 0 });
  // Without a spot given it still goes on a wall, inside the room.
  const free = M.addItem(M.newDoc(), 'wallCab', lookup).doc;
  assert.deepEqual(M.problems(free, lookup).outside, new Set());
  // Floor products are untouched: they snap to the grid as before.
  assert.deepEqual(M.addItem(M.newDoc(), 'base', lookup, { x: 201, y: 149 }).doc.items[0], { id: 'i1', productId: 'base', x: 200, y: 150, rotation: 0 });
});
