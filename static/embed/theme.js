// theme.js: a retailer's look for the planner (white-label theming), the
// rules both sides of the iframe enforce in one copy, like limits.js. A
// theme is a few values, each checked strictly: colours as "#rrggbb", a
// corner radius in whole pixels within bounds, a font stack picked by name
// from a fixed list. Nothing a host sends reaches CSS as text of its own:
// the planner writes only these checked values into custom properties.

/** THEME_COLORS are the colour fields and the custom property each sets. */
export const THEME_COLORS = Object.freeze({
  accent: '--accent',
  accentText: '--accent-text',
  text: '--text',
  muted: '--muted',
  surface: '--surface',
  background: '--bg',
  border: '--border',
});

/** RADIUS_MAX is the largest corner radius in px (0 is square corners). */
export const RADIUS_MAX = 24;

/** FONTS are the font stacks a theme may pick by name: system and web-safe families only. */
export const FONTS = Object.freeze({
  system: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  humanist: '"Segoe UI", "Gill Sans", "Trebuchet MS", Calibri, "Noto Sans", sans-serif',
  geometric: 'Futura, "Century Gothic", "Avenir Next", Avenir, "Noto Sans", sans-serif',
  classic: 'Georgia, "Iowan Old Style", "Palatino Linotype", Palatino, "Noto Serif", serif',
  rounded: 'ui-rounded, "SF Pro Rounded", "Hiragino Maru Gothic ProN", Quicksand, "Arial Rounded MT Bold", sans-serif',
});

const HEX_RE = /^#[0-9a-fA-F]{6}$/;

/**
 * Theme is a checked theme; every field is optional (the planner's own look fills in).
 * @typedef {{accent?: string, accentText?: string, text?: string, muted?: string, surface?: string,
 *   background?: string, border?: string, radius?: number, font?: string}} Theme
 */

/**
 * parseTheme checks a theme as received (a host's SetUpSettings, the page's
 * config) and copies only what it checked. A wrong value refuses the whole
 * theme, naming the field: a half-applied theme could be unreadable.
 * @param {unknown} raw
 * @returns {{theme: Theme, error: null} | {theme: null, error: {field: string, message: string}}}
 */
export function parseTheme(raw) {
  const bad = (/** @type {string} */ field, /** @type {string} */ message) => ({ theme: null, error: { field, message } });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad('theme', 'a theme is an object');
  /** @type {Record<string, unknown>} */
  const r = /** @type {any} */ (raw);
  /** @type {Theme} */
  const out = {};
  for (const key of Object.keys(r)) {
    const v = r[key];
    if (Object.hasOwn(THEME_COLORS, key)) {
      if (typeof v !== 'string' || !HEX_RE.test(v)) return bad(key, `${key} must be a colour as #rrggbb`);
      /** @type {any} */ (out)[key] = v.toLowerCase();
    } else if (key === 'radius') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > RADIUS_MAX) return bad(key, `radius must be a whole number of px from 0 to ${RADIUS_MAX}`);
      out.radius = v;
    } else if (key === 'font') {
      if (typeof v !== 'string' || !Object.hasOwn(FONTS, v)) return bad(key, `font must be one of ${Object.keys(FONTS).join(', ')}`);
      out.font = v;
    } else {
      return bad(key, `a theme has no field ${key}`);
    }
  }
  // Readable with any allowed theme: the pairs it sets must contrast
  // (WCAG 2: 4.5 for text, 3 for the accent's button labels).
  if (out.text && out.surface && contrast(out.text, out.surface) < 4.5) return bad('text', 'text must contrast with surface (4.5:1)');
  if (out.accent && out.accentText && contrast(out.accent, out.accentText) < 3) return bad('accentText', 'accentText must contrast with accent (3:1)');
  return { theme: out, error: null };
}

/**
 * contrast is the WCAG 2 contrast ratio of two "#rrggbb" colours.
 * @param {string} a @param {string} b
 */
export function contrast(a, b) {
  const lum = (/** @type {string} */ hex) => {
    const n = parseInt(hex.slice(1), 16);
    const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * themeProperties is the custom properties a checked theme sets, in order.
 * @param {Theme} theme
 * @returns {Array<[string, string]>}
 */
export function themeProperties(theme) {
  /** @type {Array<[string, string]>} */
  const props = [];
  for (const [key, prop] of Object.entries(THEME_COLORS)) {
    const v = /** @type {any} */ (theme)[key];
    if (typeof v === 'string' && HEX_RE.test(v)) props.push([prop, v]);
  }
  if (typeof theme.accent === 'string' && HEX_RE.test(theme.accent)) props.push(['--accent-hover', theme.accent]);
  if (Number.isInteger(theme.radius)) props.push(['--radius', `${theme.radius}px`]);
  if (theme.font && Object.hasOwn(FONTS, theme.font)) props.push(['--font', FONTS[/** @type {keyof typeof FONTS} */ (theme.font)]]);
  return props;
}
