// format.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPrice } from './format.js';

test('formatPrice uses the currency\'s minor units', () => {
  assert.equal(formatPrice(129900, 'EUR', 'en'), '€1,299.00');
  assert.equal(formatPrice(1299, 'JPY', 'en'), '¥1,299');
  assert.equal(formatPrice(500, 'EUR', 'xx-invalid-locale-tag-that-is-long'), '€5.00');
});
