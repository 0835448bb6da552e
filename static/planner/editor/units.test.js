import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLength, formatLength, formatArea, normUnits } from './units.js';

test('parseLength accepts metric and imperial whatever the setting', () => {
  for (const [text, cm] of /** @type {Array<[string, number]>} */ ([
    ['102 cm', 102], ['102cm', 102], ['1.02 m', 102], ['1,02m', 102], ['15 mm', 1.5], [`3' 4"`, 101.6], [`3'4"`, 101.6],
    ['3 ft 4 in', 101.6], ['3ft4in', 101.6], ['40"', 101.6], ['40 in', 101.6], [`3′ 4″`, 101.6], ['2 m 5 cm', 205], [`3' 4`, 101.6],
  ])) {
    assert.equal(parseLength(text, 'metric'), cm, text);
    assert.equal(parseLength(text, 'imperial'), cm, text);
  }
  assert.equal(parseLength('102', 'metric'), 102, 'bare number: cm');
  assert.equal(parseLength('40', 'imperial'), 101.6, 'bare number: inches');
  for (const bad of ['', 'abc', '0', '-3 cm', '3 yards', '1 2 3 4 5', 'cm']) assert.equal(parseLength(bad), null, bad);
});

test('formatLength and formatArea', () => {
  assert.equal(formatLength(101.6, 'imperial'), `3' 4"`);
  assert.equal(formatLength(25, 'imperial'), `0' 10"`);
  assert.equal(formatLength(101.6), '102 cm');
  assert.equal(formatArea(400 * 300), '12.0 m²');
  assert.equal(formatArea(400 * 300, 'imperial'), '129 ft²');
  assert.equal(normUnits('imperial'), 'imperial');
  assert.equal(normUnits('furlongs'), 'metric');
});

test('property: what formatLength writes, parseLength reads back (to the shown precision)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), (cm) => {
    assert.equal(parseLength(formatLength(cm)), cm);
    const back = /** @type {number} */ (parseLength(formatLength(cm, 'imperial'), 'imperial'));
    assert.ok(Math.abs(back - cm) <= 1.27 + 0.05, `${cm} → ${formatLength(cm, 'imperial')} → ${back}`);
  }));
});
