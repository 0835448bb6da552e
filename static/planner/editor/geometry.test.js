import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import * as g from './geometry.js';

/** @param {import('./geometry.js').Pt[]} polygon @param {import('./geometry.js').Opening[]} [openings] @returns {import('./geometry.js').Shape} */
const shape = (polygon, openings = []) => ({ polygon, wallThickness: 10, openings });
/** @param {import('./geometry.js').Edit} e */
const ok = (e) => { assert.equal(e.error, undefined); return /** @type {import('./geometry.js').Shape} */ (e.shape); };
/** @param {Array<[number, number]>} c */
const pts = (c) => c.map(([x, y]) => ({ x, y }));

const door = /** @type {import('./geometry.js').Opening} */ ({ id: 'd', kind: 'door', wall: 0, offset: 40, width: 90, hinge: 'start', swing: 'in' });

test('presets are valid clockwise rooms of the asked size', () => {
  for (const k of /** @type {const} */ (['rectangle', 'L', 'U', 'T'])) {
    const p = g.preset(k, 600, 450);
    assert.equal(g.validatePolygon(p), null, k);
    assert.deepEqual(g.bounds(p), { x0: 0, y0: 0, x1: 600, y1: 450 }, k);
  }
  assert.equal(g.area(g.preset('L', 600, 400)), 600 * 200 + 300 * 200);
});

test('validatePolygon refuses what the API refuses, saying why', () => {
  assert.match(String(g.validatePolygon(pts([[0, 0], [0, 300], [400, 300], [400, 0]]))), /inside out/);
  assert.match(String(g.validatePolygon(pts([[0, 0], [400, 300], [400, 0], [0, 300]]))), /inside out|cross/);
  assert.match(String(g.validatePolygon(pts([[0, 0], [400, 0], [200, 0], [200, 300]]))), /cross|inside out/);
  assert.match(String(g.validatePolygon(pts([[0, 0], [400, 0], [400, 300], [200, 0], [0, 300]]))), /cross/);
  assert.match(String(g.validatePolygon(pts([[0, 0], [400, 0], [400, 300], [5, 300], [0, 300]]))), /10 cm/);
  assert.match(String(g.validatePolygon(pts([[0, 0], [400, 0], [400, 40], [0, 40]]))), /at least 50 cm/);
  assert.equal(g.validatePolygon(pts([[0, 0], [200, 0], [400, 0], [400, 300], [0, 300]])), null, 'a corner on a straight wall is fine');
});

// The outlines web/room_test.go checks too (TestPolygonCorpus): both
// validators must give each the same verdict and problem.
const corpus = JSON.parse(readFileSync(new URL('../../../web/testdata/rooms/polygons.json', import.meta.url), 'utf8'));
/** @param {number | string} v "NaN", "Infinity" and "-Infinity" stand for what JSON has no number for */
const num = (v) => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : assert.fail(`corpus number ${v}`));

test('the shared polygon corpus: the verdict and problem web/room.go gives', () => {
  assert.ok(corpus.cases.length >= 40);
  for (const c of corpus.cases) {
    const p = c.polygon.map((/** @type {{x: number | string, y: number | string}} */ q) => ({ x: num(q.x), y: num(q.y) }));
    const got = g.polygonProblem(p);
    assert.equal(got?.code ?? null, c.valid ? null : c.code, c.name);
    assert.equal(g.validatePolygon(p), got?.message ?? null, c.name);
    if (c.valid) assert.equal(g.validateShape({ polygon: p, wallThickness: 10, openings: [] }), null, c.name);
  }
});

test('moveCorner keeps right angles by default and refuses a crossing', () => {
  const s = shape(g.preset('rectangle', 400, 300));
  const moved = ok(g.moveCorner(s, 2, 500, 350));
  assert.deepEqual(moved.polygon, pts([[0, 0], [500, 0], [500, 350], [0, 350]]));
  const free = ok(g.moveCorner(s, 2, 500, 350, { ortho: false }));
  assert.deepEqual(free.polygon, pts([[0, 0], [400, 0], [500, 350], [0, 300]]));
  const bad = g.moveCorner(s, 2, -100, 150, { ortho: false });
  assert.ok(bad.error);
  assert.deepEqual(s.polygon, g.preset('rectangle', 400, 300), 'input untouched');
});

test('an L by editing a rectangle: insert corners, move a wall', () => {
  let s = shape(g.preset('rectangle', 500, 400));
  s = ok(g.insertCorner(s, 1, 500, 250));
  s = ok(g.insertCorner(s, 3, 250, 400));
  assert.equal(s.polygon.length, 6);
  s = ok(g.moveCorner(s, 3, 250, 250, { ortho: false }));
  assert.deepEqual(s.polygon, pts([[0, 0], [500, 0], [500, 250], [250, 250], [250, 400], [0, 400]]));
  s = ok(g.moveWall(s, 2, 50)); // the inner horizontal wall, 50 cm into the room (up)
  assert.deepEqual(s.polygon, pts([[0, 0], [500, 0], [500, 200], [250, 200], [250, 400], [0, 400]]));
  const back = ok(g.removeCorner(ok(g.removeCorner(ok(g.moveCorner(s, 3, 500, 400, { ortho: false })), 2)), 3));
  assert.equal(back.polygon.length, 4);
});

test('setWallLength moves the next wall parallel', () => {
  const s = ok(g.setWallLength(shape(g.preset('L', 600, 400)), 0, 700));
  assert.deepEqual(s.polygon, pts([[0, 0], [700, 0], [700, 200], [300, 200], [300, 400], [0, 400]]));
  assert.equal(g.wall(s.polygon, 0).len, 700);
  assert.deepEqual(ok(g.setWallLength(shape(g.preset('L', 600, 400)), 2, 400)).polygon[3], { x: 200, y: 200 });
  assert.ok(g.setWallLength(shape(g.preset('L', 600, 400)), 2, 700).error, 'the inner wall cannot pass the far one');
});

test('openings stay on their wall, slide back when it shrinks, never overlap', () => {
  let s = shape(g.preset('rectangle', 400, 300), [door]);
  s = ok(g.placeOpening(s, { id: 'w', kind: 'window', wall: 0, offset: 300, width: 120, sill: 90 }));
  assert.equal(s.openings.find((o) => o.id === 'w')?.offset, 280, 'slid to the corner');
  assert.match(String(g.placeOpening(s, { ...door, id: 'd2', offset: 100 }).error), /overlap/);
  s = ok(g.setWallLength(s, 0, 320));
  assert.deepEqual(s.openings.map((o) => o.offset), [40, 200]);
  assert.ok(g.setWallLength(s, 0, 200).error, 'a door and a window do not fit on 2 m');
  const split = g.insertCorner(s, 0, 80, 0);
  assert.match(String(split.error), /in the way/);
  const after = ok(g.insertCorner(s, 0, 150, 0));
  assert.deepEqual(after.openings.map((o) => [o.wall, o.offset]), [[0, 40], [1, 50]]);
});

test('doorZones: swing on the hinge side into the room, passage in front', () => {
  const s = shape(g.preset('rectangle', 400, 300), [door]);
  const [swing, passage] = g.doorZones(s, door);
  assert.equal(swing.kind, 'swing');
  assert.deepEqual(swing.poly[0], { x: 40, y: 0 });
  assert.ok(swing.poly.every((p) => p.y >= -1e-9 && Math.hypot(p.x - 40, p.y) <= 90 + 1e-9));
  assert.deepEqual(passage.poly, pts([[40, 0], [130, 0], [130, 60], [40, 60]]));
  const out = g.doorZones(s, { ...door, swing: 'out' });
  assert.deepEqual(out.map((z) => z.kind), ['passage']);
  const probs = g.clearanceProblems(s, [
    { id: 'wardrobe', x0: 60, y0: 10, x1: 160, y1: 70 },
    { id: 'far', x0: 300, y0: 200, x1: 390, y1: 290 },
    { id: 'corner', x0: 125, y0: 85, x1: 200, y1: 120 }, // beyond the arc and the passage
  ]);
  assert.deepEqual(probs, [{ itemId: 'wardrobe', openingId: 'd', kind: 'swing' }]);
});

test('pointInPolygon, distances, outer outline', () => {
  const L = g.preset('L', 600, 400);
  assert.equal(g.pointInPolygon(L, { x: 100, y: 300 }), true);
  assert.equal(g.pointInPolygon(L, { x: 500, y: 300 }), false);
  assert.equal(g.pointInPolygon(L, { x: 600, y: 100 }), true, 'on a wall');
  assert.equal(g.distToSegment({ x: 5, y: 5 }, { x: 0, y: 0 }, { x: 10, y: 0 }), 5);
  assert.equal(g.segmentDistance({ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 0, y: 3 }, { x: 10, y: 4 }), 3);
  assert.equal(g.segmentDistance({ x: 0, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }, { x: 10, y: 0 }), 0);
  assert.deepEqual(g.outerOutline(g.preset('rectangle', 400, 300), 10), pts([[-10, -10], [410, -10], [410, 310], [-10, 310]]));
});

test('snapToWall puts the back on the nearest wall, facing the room', () => {
  const R = g.preset('rectangle', 400, 300);
  assert.deepEqual(g.snapToWall(R, 80, 30, { x: 100, y: 20 }), { x: 100, y: 15, rotation: 0, wall: 0 });
  assert.deepEqual(g.snapToWall(R, 80, 30, { x: 390, y: 100 }), { x: 385, y: 100, rotation: 90, wall: 1 });
  assert.deepEqual(g.snapToWall(R, 80, 30, { x: 5, y: 290 }), { x: 15, y: 260, rotation: 270, wall: 3 });
  assert.deepEqual(g.snapToWall(R, 80, 30, { x: 200, y: 299 }), { x: 200, y: 285, rotation: 180, wall: 2 });
});

// ---- properties ----

const edit = fc.oneof(
  fc.record({ op: fc.constant('corner'), i: fc.nat(63), x: fc.integer({ min: -200, max: 1200 }), y: fc.integer({ min: -200, max: 1200 }), ortho: fc.boolean() }),
  fc.record({ op: fc.constant('wall'), i: fc.nat(63), d: fc.integer({ min: -300, max: 300 }) }),
  fc.record({ op: fc.constant('insert'), i: fc.nat(63), x: fc.integer({ min: 0, max: 1000 }), y: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ op: fc.constant('remove'), i: fc.nat(63) }),
  fc.record({ op: fc.constant('length'), i: fc.nat(63), len: fc.integer({ min: 0, max: 1500 }) }),
  fc.record({ op: fc.constant('opening'), i: fc.nat(63), off: fc.integer({ min: -50, max: 900 }), w: fc.integer({ min: 20, max: 200 }), k: fc.constantFrom('door', 'window', 'opening') }),
);

/** @param {import('./geometry.js').Shape} s @param {any} e @param {number} n */
function apply(s, e, n) {
  const i = e.i % s.polygon.length;
  switch (e.op) {
    case 'corner': return g.moveCorner(s, i, e.x, e.y, { ortho: e.ortho });
    case 'wall': return g.moveWall(s, i, e.d);
    case 'insert': return g.insertCorner(s, i, e.x, e.y);
    case 'remove': return g.removeCorner(s, i);
    case 'length': return g.setWallLength(s, i, e.len);
    default: return g.placeOpening(s, { id: `o${n}`, kind: e.k, wall: i, offset: e.off, width: e.w, ...(e.k === 'door' ? { hinge: 'start', swing: 'in' } : {}) });
  }
}

test('property: random edits never produce an invalid room, and never touch their input', () => {
  fc.assert(fc.property(fc.constantFrom('rectangle', 'L', 'U', 'T'), fc.array(edit, { maxLength: 40 }), (kind, edits) => {
    let s = shape(g.preset(/** @type {any} */ (kind), 600, 450));
    edits.forEach((e, n) => {
      const before = structuredClone(s);
      const r = apply(s, e, n);
      assert.deepEqual(s, before, 'input mutated');
      if (r.shape) {
        assert.equal(g.validateShape(r.shape), null);
        assert.equal(g.selfIntersection(r.shape.polygon), null);
        s = r.shape;
      } else assert.equal(typeof r.error, 'string');
    });
  }), { numRuns: 300 });
});

test('property: undoing any sequence of edits restores the start', () => {
  fc.assert(fc.property(fc.constantFrom('rectangle', 'L', 'U', 'T'), fc.array(edit, { maxLength: 30 }), (kind, edits) => {
    const start = shape(g.preset(/** @type {any} */ (kind), 500, 500));
    const snapshot = structuredClone(start);
    const stack = [start];
    edits.forEach((e, n) => { const r = apply(/** @type {any} */ (stack.at(-1)), e, n); if (r.shape) stack.push(r.shape); });
    while (stack.length > 1) stack.pop();
    assert.deepEqual(stack[0], snapshot);
  }), { numRuns: 200 });
});
