import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRINGS, t, hasLocale, loadLocale } from './i18n.js';
import { FR } from './i18n-fr.js';

test('every string has English and French with the same placeholders', () => {
  assert.deepEqual(Object.keys(FR).sort(), Object.keys(STRINGS).sort());
  for (const [key, en] of Object.entries(STRINGS)) {
    const fr = FR[key];
    assert.ok(en && fr, key);
    const marks = (/** @type {string} */ s) => (s.match(/\{\d\}/g) ?? []).sort().join();
    assert.equal(marks(fr), marks(en), key);
  }
});

test('French speaks once its table is loaded; before, and in other languages, English', async () => {
  assert.equal(hasLocale('fr-FR'), false);
  assert.equal(t('fr-FR', 'save'), 'Save');
  const a = loadLocale('fr-FR'), b = loadLocale('fr');
  assert.equal(a, b, 'one fetch for both');
  await a;
  assert.equal(hasLocale('fr'), true);
  assert.equal(hasLocale('de'), true);
});

test('t picks the language, fills placeholders and falls back to English', async () => {
  await loadLocale('fr');
  assert.equal(t('fr-FR', 'save'), 'Enregistrer');
  assert.equal(t('de', 'save'), 'Save');
  assert.equal(t('en', 'wOverlap', 'Sofa', 'Table'), 'Sofa overlaps Table');
  assert.equal(t('en', 'no-such-key'), 'no-such-key');
});

test('every key the shell and the editor ask for is in the table', async () => {
  const { readFile, readdir } = await import('node:fs/promises');
  const here = new URL('.', import.meta.url);
  const files = (await readdir(here, { recursive: true })).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'));
  let total = 0;
  for (const file of files) {
    const src = await readFile(new URL(file, here), 'utf8');
    // tr('key' ...) and t(locale, 'key' ...); keys built at run time (editor's 'st_' + status) are not seen.
    const keys = [...src.matchAll(/\btr?\((?:[^()'"]*, )?'([A-Za-z_0-9]+)'/g)].map((m) => m[1]);
    total += keys.length;
    for (const key of keys) assert.ok(key in STRINGS, `${file} asks for ${key}`);
  }
  assert.ok(total > 100, `${total} keys found in ${files.length} files`);
});

test('the shell\'s English is what the host-facing specs match', async () => {
  await loadLocale('fr');
  assert.equal(t('en', 'stUser', 'alice'), 'Signed in as alice');
  assert.equal(t('en', 'stGuest'), 'Browsing as guest');
  assert.equal(t('en', 'stWaiting'), 'Waiting for the site to renew your session…');
  assert.equal(t('en', 'stConnecting', 'Home Shop'), 'Connecting to Home Shop…');
  assert.equal(t('fr', 'stUser', 'alice'), 'Connecté en tant que alice');
});
