// format.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDate, formatPrice } from './format.js';

test('formatPrice uses the currency\'s minor units', () => {
  assert.equal(formatPrice(129900, 'EUR', 'en'), '€1,299.00');
  assert.equal(formatPrice(1299, 'JPY', 'en'), '¥1,299');
  assert.equal(formatPrice(500, 'EUR', 'xx-invalid-locale-tag-that-is-long'), '€5.00');
});

test('formatPrice keeps locales and currencies apart across calls', () => {
  assert.equal(formatPrice(500, 'EUR', 'de-DE'), '5,00\u00a0€');
  assert.equal(formatPrice(500, 'USD', 'de-DE'), '5,00\u00a0$');
  assert.equal(formatPrice(500, 'EUR', 'en'), '€5.00');
  assert.equal(formatPrice(500, 'NOT-A-CURRENCY', 'en'), '5.00 NOT-A-CURRENCY');
  assert.equal(formatPrice(500, 'NOT-A-CURRENCY', 'en'), '5.00 NOT-A-CURRENCY');
});

test('formatDate formats per locale and falls back to ISO for a bad locale', () => {
  const iso = '2026-03-04T10:00:00Z';
  assert.equal(formatDate(iso, 'en-US'), 'Mar 4, 2026');
  assert.equal(formatDate(iso, 'de-DE'), '04.03.2026');
  assert.equal(formatDate(iso, 'en-US'), 'Mar 4, 2026');
  assert.equal(formatDate(iso, 'not a locale'), '2026-03-04');
  assert.equal(formatDate(iso, 'not a locale'), '2026-03-04');
  assert.equal(formatDate('yesterday', 'en-US'), '');
  for (let i = 0; i < 100; i++) formatDate(iso, `en-x-t${i}`); // more locales than the cache holds
  assert.equal(formatDate(iso, 'de-DE'), '04.03.2026');
});
