import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRINGS, t } from './i18n.js';

test('every string has English and French with the same placeholders', () => {
  for (const [key, [en, fr]] of Object.entries(STRINGS)) {
    assert.ok(en && fr, key);
    const marks = (/** @type {string} */ s) => (s.match(/\{\d\}/g) ?? []).sort().join();
    assert.equal(marks(fr), marks(en), key);
  }
});

test('t picks the language, fills placeholders and falls back to English', () => {
  assert.equal(t('fr-FR', 'save'), 'Enregistrer');
  assert.equal(t('de', 'save'), 'Save');
  assert.equal(t('en', 'wOverlap', 'Sofa', 'Table'), 'Sofa overlaps Table');
  assert.equal(t('en', 'no-such-key'), 'no-such-key');
});
