// theme.js: the checked white-label theme.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTheme, themeProperties, contrast, FONTS, RADIUS_MAX } from './theme.js';

test('a theme of allowed values is copied, colours lowercased', () => {
  const { theme, error } = parseTheme({ accent: '#2D6A4F', accentText: '#ffffff', radius: 4, font: 'classic' });
  assert.equal(error, null);
  assert.deepEqual(theme, { accent: '#2d6a4f', accentText: '#ffffff', radius: 4, font: 'classic' });
  assert.deepEqual(themeProperties(/** @type {any} */ (theme)), [
    ['--accent', '#2d6a4f'], ['--accent-text', '#ffffff'], ['--accent-hover', '#2d6a4f'], ['--radius', '4px'], ['--font', FONTS.classic],
  ]);
  assert.deepEqual(parseTheme({}).theme, {});
});

test('anything that is not exactly an allowed value refuses the whole theme, naming the field', () => {
  const cases = [
    [null, 'theme'], [[], 'theme'], ['#fff', 'theme'],
    [{ accent: 'red' }, 'accent'], [{ accent: '#fff' }, 'accent'], [{ accent: '#2d6a4f; background: url(x)' }, 'accent'],
    [{ accent: '#2d6a4f\n' }, 'accent'], [{ text: 0x2d6a4f }, 'text'],
    [{ radius: -1 }, 'radius'], [{ radius: RADIUS_MAX + 1 }, 'radius'], [{ radius: 2.5 }, 'radius'], [{ radius: '4px' }, 'radius'],
    [{ font: 'Comic Sans MS' }, 'font'], [{ font: 'system-ui; x: y' }, 'font'], [{ font: 'constructor' }, 'font'],
    [{ accent: '#2d6a4f', shadow: '#000000' }, 'shadow'],
    [{ text: '#777777', surface: '#888888' }, 'text'], [{ accent: '#2d6a4f', accentText: '#2e6b50' }, 'accentText'],
  ];
  for (const [raw, field] of cases) {
    const r = parseTheme(raw);
    assert.equal(r.theme, null, JSON.stringify(raw));
    assert.equal(r.error?.field, field, JSON.stringify(raw));
  }
});

test('contrast is the WCAG ratio', () => {
  assert.equal(Math.round(contrast('#000000', '#ffffff')), 21);
  assert.equal(contrast('#123456', '#123456'), 1);
});
