import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as m from './model.js';
import * as G from './geometry.js';

/** @type {Record<string, import('./model.js').Dims>} */
const P = {
  sofa: { width: 214, depth: 92, name: 'Sofa', price: 89900, currency: 'EUR' },
  table: { width: 100, depth: 60, name: 'Table', price: 20000, currency: 'EUR' },
  chair: { width: 45, depth: 50, name: 'Chair', price: 4950, currency: 'EUR' },
};
/** @type {import('./model.js').Lookup} */
const lookup = (id) => P[id];

/** @param {Array<[string, number, number, number?]>} items */
function docWith(items) {
  const doc = m.newDoc('Test');
  return { ...doc, items: items.map(([productId, x, y, rotation = 0], i) => ({ id: `i${i + 1}`, productId, x, y, rotation: /** @type {any} */ (rotation) })) };
}

test('newDoc is a 400 × 300 cm empty room, version 2', () => {
  assert.deepEqual(m.newDoc('Living room'), { name: 'Living room', room: m.rectRoom(400, 300), items: [] });
  assert.deepEqual(m.newDoc().room.polygon, [{ x: 0, y: 0 }, { x: 400, y: 0 }, { x: 400, y: 300 }, { x: 0, y: 300 }]);
});

test('addItem places products at free spots inside the room, never overlapping', () => {
  let doc = m.newDoc();
  for (const p of ['sofa', 'table', 'chair', 'chair']) {
    const r = m.addItem(doc, p, lookup);
    assert.ok(r.id);
    doc = r.doc;
  }
  assert.deepEqual(doc.items.map((i) => i.id), ['i1', 'i2', 'i3', 'i4']);
  const pr = m.problems(doc, lookup);
  assert.equal(pr.overlapping.size, 0);
  assert.equal(pr.outside.size, 0);
});

test('addItem at a point snaps to the grid and does not mutate its input', () => {
  const doc = m.newDoc();
  const r = m.addItem(doc, 'table', lookup, { x: 151.7, y: 148.2 });
  assert.deepEqual(doc.items, []);
  assert.deepEqual(r.doc.items[0], { id: 'i1', productId: 'table', x: 150, y: 150, rotation: 0 });
});

test('addItem refuses past the item limit', () => {
  let doc = m.newDoc();
  doc = { ...doc, items: Array.from({ length: m.MAX_ITEMS }, (_, i) => ({ id: `i${i + 1}`, productId: 'chair', x: 10, y: 10, rotation: /** @type {0} */ (0) })) };
  const r = m.addItem(doc, 'chair', lookup);
  assert.equal(r.id, null);
  assert.equal(r.doc, doc);
});

test('moveItem snaps to 5 cm and to walls', () => {
  const doc = docWith([['table', 200, 150]]);
  assert.deepEqual(m.moveItem(doc, 'i1', 122.4, 97.6, lookup).items[0], { ...doc.items[0], x: 120, y: 100 });
  // 57 cm from the left wall: the table's left edge is 7 cm from it → flush (x = 50).
  assert.equal(m.moveItem(doc, 'i1', 57, 150, lookup).items[0].x, 50);
  // The sofa is 214 wide: flush right is x = 400 - 107 = 293, not on the grid.
  const sofa = docWith([['sofa', 200, 150]]);
  assert.equal(m.moveItem(sofa, 'i1', 288, 150, lookup).items[0].x, 293);
  // Bottom wall, rotated sofa: footprint 92 × 214 → flush y = 300 - 107 = 193.
  const turned = docWith([['sofa', 200, 150, 90]]);
  assert.equal(m.moveItem(turned, 'i1', 200, 190, lookup).items[0].y, 193);
  // Unchanged position: the same doc comes back (no undo step).
  const same = m.moveItem(doc, 'i1', 200, 150, lookup);
  assert.equal(same.items[0], doc.items[0]);
});

test('nudgeItem moves by exactly the step', () => {
  const doc = docWith([['table', 200, 150]]);
  assert.deepEqual(m.nudgeItem(doc, 'i1', -1, 10).items[0], { ...doc.items[0], x: 199, y: 160 });
});

test('rotateItem turns 90° clockwise and keeps an inside item inside', () => {
  let doc = docWith([['sofa', 107, 46]]); // top-left corner, flush
  doc = m.rotateItem(doc, 'i1', lookup);
  assert.equal(doc.items[0].rotation, 90);
  const r = m.rect(doc.items[0], lookup);
  assert.ok(r.x0 >= 0 && r.y0 >= 0, JSON.stringify(r));
  assert.deepEqual(m.size(doc.items[0], lookup), { w: 92, d: 214 });
  for (const want of [180, 270, 0]) {
    doc = m.rotateItem(doc, 'i1', lookup);
    assert.equal(doc.items[0].rotation, want);
  }
});

test('duplicateItem places the copy next to the original, with a new id', () => {
  const doc = docWith([['table', 100, 100]]);
  const r = m.duplicateItem(doc, 'i1', lookup);
  assert.equal(r.id, 'i2');
  assert.equal(r.doc.items.length, 2);
  assert.equal(m.problems(r.doc, lookup).overlapping.size, 0);
  assert.equal(r.doc.items[1].productId, 'table');
});

test('deleteItem removes one item; an unknown id changes nothing', () => {
  const doc = docWith([['table', 100, 100], ['chair', 300, 100]]);
  assert.deepEqual(m.deleteItem(doc, 'i1').items.map((i) => i.id), ['i2']);
  assert.equal(m.deleteItem(doc, 'nope'), doc);
});

test('problems flags overlaps, items outside the room and unknown products', () => {
  const doc = docWith([['table', 100, 100], ['table', 150, 120], ['chair', 300, 100], ['chair', 390, 100], ['gone', 300, 250]]);
  const pr = m.problems(doc, lookup);
  assert.deepEqual([...pr.overlapping].sort(), ['i1', 'i2']);
  assert.deepEqual(pr.pairs, [['i1', 'i2']]);
  assert.deepEqual([...pr.outside], ['i4']);
  assert.deepEqual([...pr.unknown], ['i5']);
  // Touching edges is not overlapping.
  const touching = docWith([['table', 50, 30], ['table', 150, 30]]);
  assert.equal(m.problems(touching, lookup).overlapping.size, 0);
});

test('problems on 500 items agrees with the all-pairs check', () => {
  const items = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 500; i++) items.push([['sofa', 'table', 'chair'][i % 3], rnd() * 2000, rnd() * 2000, [0, 90][i % 2]]);
  const doc = { ...docWith(/** @type {any} */ (items)), room: { width: 2000, depth: 2000 } };
  const want = new Set();
  for (let i = 0; i < doc.items.length; i++) {
    for (let j = i + 1; j < doc.items.length; j++) {
      if (m.overlaps(m.rect(doc.items[i], lookup), m.rect(doc.items[j], lookup))) { want.add(doc.items[i].id); want.add(doc.items[j].id); }
    }
  }
  assert.deepEqual([...m.problems(doc, lookup).overlapping].sort(), [...want].sort());
});

test('summary groups by product with quantities and totals; basketItems is AddToBasket', () => {
  const doc = docWith([['chair', 50, 50], ['table', 200, 150], ['chair', 100, 50], ['gone', 1, 1], ['chair', 150, 50]]);
  const s = m.summary(doc, lookup);
  assert.deepEqual(s.lines, [
    { productId: 'chair', name: 'Chair', quantity: 3, unitPrice: 4950, total: 14850, currency: 'EUR' },
    { productId: 'table', name: 'Table', quantity: 1, unitPrice: 20000, total: 20000, currency: 'EUR' },
  ]);
  assert.deepEqual(s.totals, { EUR: 34850 });
  assert.equal(s.unknown, 1);
  assert.deepEqual(m.basketItems(s.lines, 'EUR'), [
    { productId: 'chair', quantity: 3, unitPrice: 4950, name: 'Chair', currency: 'EUR' },
    { productId: 'table', quantity: 1, unitPrice: 20000, name: 'Table', currency: 'EUR' },
  ]);
});

test('setRoom clamps to 50–5000 cm; rename bounds the name', () => {
  const doc = m.newDoc();
  assert.deepEqual(m.setRoom(doc, 10, 9000).room, m.rectRoom(50, 5000));
  assert.equal(m.setRoom(doc, 400, 300), doc);
  assert.equal(m.setRoom(doc, NaN, 350).room.width, 400);
  assert.equal(m.rename(doc, 'x'.repeat(200)).name.length, m.MAX_NAME);
  assert.equal(m.rename(doc, 'a\nb').name, 'ab');
  assert.equal(m.rename(doc, 'a\u0085b\u009fc\u0080d').name, 'abcd', 'C1 controls too (the API refuses them)');
  assert.equal(m.rename(doc, 'Café\u00a0Été').name, 'Café\u00a0Été', 'U+00A0 and accents are not controls');
});

test('toProjectDoc is exactly the API shape; fromProject drops what the API refuses', () => {
  const project = {
    id: 'p1', version: 3, createdAt: '', updatedAt: '', name: 'Living room', room: { width: 400, depth: 300 },
    items: [
      { id: 'i1', productId: 'sofa', x: 120.123, y: 80, rotation: 90, extra: true },
      { id: 'i1', productId: 'sofa', x: 1, y: 1, rotation: 0 }, // duplicate id
      { id: 'i2', productId: 'table', x: 'nope', y: 1, rotation: 0 },
      { id: 'i3', productId: 'table', x: 10, y: 20, rotation: 45 },
    ],
  };
  const doc = m.fromProject(project);
  assert.deepEqual(m.toProjectDoc(doc, 'Untitled'), {
    name: 'Living room', room: m.rectRoom(400, 300),
    items: [{ id: 'i1', productId: 'sofa', x: 120.12, y: 80, rotation: 90 }, { id: 'i3', productId: 'table', x: 10, y: 20, rotation: 90 }],
  });
  assert.equal(m.toProjectDoc(m.newDoc('  '), 'Untitled').name, 'Untitled');
  assert.deepEqual(m.fromProject(null), m.newDoc());
});

test('undo and redo walk over every change; a new change drops the redo branch', () => {
  const d0 = m.newDoc();
  let h = m.history(d0);
  const d1 = m.addItem(d0, 'table', lookup).doc;
  h = m.commit(h, d1);
  const d2 = m.rotateItem(d1, 'i1', lookup);
  h = m.commit(h, d2);
  assert.equal(m.commit(h, d2), h, 'no change, no step');
  h = m.undo(h);
  assert.equal(h.present, d1);
  h = m.undo(h);
  assert.equal(h.present, d0);
  assert.equal(m.undo(h), h);
  h = m.redo(h);
  assert.equal(h.present, d1);
  const d3 = m.deleteItem(d1, 'i1');
  h = m.commit(h, d3);
  assert.equal(h.future.length, 0);
  assert.equal(m.redo(h), h);
  assert.deepEqual(h.past, [d0, d1]);
});

test('history keeps at most HISTORY_LIMIT steps', () => {
  let doc = m.newDoc();
  let h = m.history(doc);
  for (let i = 0; i < m.HISTORY_LIMIT + 20; i++) {
    doc = m.setRoom(doc, 100 + i, 300);
    h = m.commit(h, doc);
  }
  assert.equal(h.past.length, m.HISTORY_LIMIT);
});

// ---- version 2 rooms ----

/** @type {import('../api.js').Room} */
const L = { width: 500, depth: 400, wallThickness: 10, polygon: [{ x: 0, y: 0 }, { x: 500, y: 0 }, { x: 500, y: 250 }, { x: 250, y: 250 }, { x: 250, y: 400 }, { x: 0, y: 400 }],
  openings: [{ id: 'd1', kind: 'door', wall: 0, offset: 40, width: 90, hinge: 'start', swing: 'in' }, { id: 'w1', kind: 'window', wall: 1, offset: 60, width: 120, sill: 90 }] };

test('a version 1 project is upgraded to its rectangle; version 2 reads back as it was saved', () => {
  const v1 = m.fromProject({ name: 'Old', room: { width: 420, depth: 310 }, items: [] });
  assert.deepEqual(v1.room, m.rectRoom(420, 310));
  assert.deepEqual(m.toProjectDoc(v1, 'x').room.polygon, [{ x: 0, y: 0 }, { x: 420, y: 0 }, { x: 420, y: 310 }, { x: 0, y: 310 }]);
  const v2 = m.fromProject({ name: 'L', room: L, items: [] });
  assert.deepEqual(m.toProjectDoc(v2, 'x').room, L);
  // A polygon the API would refuse (here: crossing walls) falls back to the rectangle.
  const bad = m.fromProject({ name: 'X', room: { ...L, polygon: [{ x: 0, y: 0 }, { x: 500, y: 400 }, { x: 500, y: 0 }, { x: 0, y: 400 }] }, items: [] });
  assert.deepEqual(bad.room, m.rectRoom(500, 400));
});

test('items are inside an L only on its floor; the door swing is a clearance problem', () => {
  const doc = { ...docWith([['table', 200, 200], ['table', 400, 350], ['table', 260, 260], ['chair', 70, 30]]), room: L };
  const pr = m.problems(doc, lookup);
  assert.deepEqual([...pr.outside].sort(), ['i2', 'i3']);
  assert.deepEqual(pr.clearance, [{ itemId: 'i4', openingId: 'd1', kind: 'swing' }]);
  assert.deepEqual([...pr.blocking], ['i4']);
});

test('editRoom applies a geometry edit or says why not; setRoom stretches a polygon', () => {
  const doc = { ...m.newDoc(), room: L };
  const r = m.editRoom(doc, (sh) => G.moveWall(sh, 2, 50));
  assert.equal(r.error, undefined);
  assert.equal(r.doc.room.polygon?.[2].y, 200);
  const no = m.editRoom(doc, (sh) => G.moveCorner(sh, 3, 600, 100, { ortho: false }));
  assert.equal(no.doc, doc);
  assert.match(String(no.error), /cross|inside out/);
  const big = m.setRoom(doc, 1000, 400);
  assert.deepEqual(big.room.polygon?.[3], { x: 500, y: 250 });
  assert.equal(big.room.width, 1000);
});

test('property: undo after any sequence of room and item edits restores the start', () => {
  const edit = fc.oneof(
    fc.record({ k: fc.constant('corner'), i: fc.nat(20), x: fc.integer({ min: -100, max: 900 }), y: fc.integer({ min: -100, max: 900 }) }),
    fc.record({ k: fc.constant('wall'), i: fc.nat(20), d: fc.integer({ min: -200, max: 200 }) }),
    fc.record({ k: fc.constant('insert'), i: fc.nat(20), x: fc.integer({ min: 0, max: 800 }), y: fc.integer({ min: 0, max: 800 }) }),
    fc.record({ k: fc.constant('door'), i: fc.nat(20), off: fc.integer({ min: 0, max: 600 }) }),
    fc.record({ k: fc.constant('add'), x: fc.integer({ min: 0, max: 600 }), y: fc.integer({ min: 0, max: 600 }) }),
    fc.record({ k: fc.constant('size'), w: fc.integer({ min: 0, max: 1200 }), d: fc.integer({ min: 0, max: 1200 }) }),
    fc.record({ k: fc.constant('undo') }),
  );
  fc.assert(fc.property(fc.array(edit, { maxLength: 40 }), (edits) => {
    const start = { ...m.newDoc('P'), room: L };
    const frozen = structuredClone(start);
    let h = m.history(start), steps = 0;
    edits.forEach((e, n) => {
      const doc = h.present, len = doc.room.polygon?.length ?? 4;
      let next = doc;
      if (e.k === 'undo') { if (h.past.length) { h = m.undo(h); steps--; } return; }
      if (e.k === 'add') next = m.addItem(doc, 'table', lookup, { x: e.x, y: e.y }).doc;
      else if (e.k === 'size') next = m.setRoom(doc, e.w, e.d);
      else next = m.editRoom(doc, (sh) => e.k === 'corner' ? G.moveCorner(sh, e.i % len, e.x, e.y)
        : e.k === 'wall' ? G.moveWall(sh, e.i % len, e.d) : e.k === 'insert' ? G.insertCorner(sh, e.i % len, e.x, e.y)
          : G.placeOpening(sh, { id: `d${n}`, kind: 'door', wall: e.i % len, offset: e.off, width: 80, hinge: 'end', swing: 'out' })).doc;
      if (next !== doc) { h = m.commit(h, next); steps++; }
      assert.equal(G.validateShape(m.shapeOf(h.present.room)), null);
    });
    for (let k = 0; k < steps; k++) h = m.undo(h);
    assert.deepEqual(h.present, frozen);
    assert.deepEqual(start, frozen, 'nothing mutated the start');
  }), { numRuns: 200 });
});
