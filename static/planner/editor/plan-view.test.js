import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_ZOOM, MAX_ZOOM, clampZoom, fitBox, viewBoxOf, zoomAbout, gridSteps, dark, r1 } from './plan-view.js';

test('clampZoom keeps the zoom within MIN_ZOOM..MAX_ZOOM', () => {
  assert.equal(clampZoom(0.1), MIN_ZOOM);
  assert.equal(clampZoom(1.5), 1.5);
  assert.equal(clampZoom(100), MAX_ZOOM);
});

test('fitBox holds the room with the same margin all round for its wall lengths, and the scale bar below', () => {
  // 250 × 200: the margin is its 30 cm floor.
  assert.deepEqual(fitBox({ width: 250, depth: 200 }), { x: -30, y: -30, w: 310, h: 278 });
  // 2000 × 1000: a tenth of the longer side.
  assert.deepEqual(fitBox({ width: 2000, depth: 1000 }), { x: -200, y: -200, w: 2400, h: 1520 });
});

test('viewBoxOf: zoom 1 is the fit box, NaN centre is its centre', () => {
  const fit = { x: -39, y: -39, w: 460, h: 384 };
  assert.equal(viewBoxOf({ zoom: 1, cx: NaN, cy: NaN }, fit), '-39 -39 460 384');
  assert.equal(viewBoxOf({ zoom: 2, cx: NaN, cy: NaN }, fit), '76 57 230 192');
  assert.equal(viewBoxOf({ zoom: 4, cx: 100, cy: 50 }, fit), '42.5 2 115 96');
});

test('zoomAbout keeps the point under the pointer in place', () => {
  const before = { zoom: 1, cx: 200, cy: 150 };
  const p = { x: 100, y: 50 };
  const after = zoomAbout(before, 2, { x: 200, y: 150 }, p);
  assert.deepEqual(after, { zoom: 2, cx: 150, cy: 100 });
  // p's offset from the centre, in screen units (cm × zoom), is unchanged.
  assert.equal((p.x - after.cx) * after.zoom, (p.x - before.cx) * before.zoom);
  assert.equal((p.y - after.cy) * after.zoom, (p.y - before.cy) * before.zoom);
});

test('zoomAbout the centre only changes the zoom', () => {
  assert.deepEqual(zoomAbout({ zoom: 1, cx: 10, cy: 20 }, 1.25, { x: 10, y: 20 }, { x: 10, y: 20 }), { zoom: 1.25, cx: 10, cy: 20 });
});

test('zoomAbout clamps, and a clamped zoom does not move the view', () => {
  const v = zoomAbout({ zoom: MAX_ZOOM, cx: 0, cy: 0 }, 2, { x: 0, y: 0 }, { x: 50, y: 50 });
  assert.deepEqual(v, { zoom: MAX_ZOOM, cx: 0, cy: 0 });
  assert.equal(zoomAbout({ zoom: 1, cx: 0, cy: 0 }, 0.01, { x: 0, y: 0 }, { x: 0, y: 0 }).zoom, MIN_ZOOM);
});

test('gridSteps grow with the room', () => {
  assert.deepEqual(gridSteps(400, 300), { minor: 10, major: 100 });
  assert.deepEqual(gridSteps(800, 1000), { minor: 10, major: 100 });
  assert.deepEqual(gridSteps(3000, 200), { minor: 50, major: 250 });
  assert.deepEqual(gridSteps(5000, 5000), { minor: 100, major: 500 });
});

test('dark picks white text on dark colours', () => {
  assert.equal(dark('#000000'), true);
  assert.equal(dark('#1c2026'), true);
  assert.equal(dark('#ffffff'), false);
  assert.equal(dark('#9aa3ad'), false);
});

test('r1 rounds to one decimal place', () => {
  assert.equal(r1(1.26), 1.3);
  assert.equal(r1(-0.04), -0);
});
