import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewShape } from './project-preview.js';

test('a rectangle room is drawn to scale with a margin', () => {
  assert.deepEqual(previewShape({ width: 500, depth: 250 }), { viewBox: '-40 -40 580 330', points: '0,0 500,0 500,250 0,250' });
});

test('a polygon room is drawn by its outline', () => {
  const s = previewShape({ width: 400, depth: 300, polygon: [{ x: 0, y: 0 }, { x: 400, y: 0 }, { x: 400, y: 300 }, { x: 200, y: 300 }, { x: 200, y: 150 }, { x: 0, y: 150 }] });
  assert.equal(s.points, '0,0 400,0 400,300 200,300 200,150 0,150');
  assert.equal(s.viewBox, '-32 -32 464 364');
});

test('missing or hostile numbers fall back to the default room', () => {
  for (const room of [null, undefined, {}, { width: -1, depth: 'x' }, { width: Infinity, depth: NaN }, { polygon: [{ x: 0 }] }]) {
    assert.equal(previewShape(room).points, '0,0 400,0 400,300 0,300');
  }
});
