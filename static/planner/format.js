// format.js: how the shell writes prices and dates for the visitor's locale
// and failed calls for people, and how it reads locale tags and error codes.
// Pure functions; the Intl formatters they build are cached per locale and
// currency, because building one costs far more than formatting with it.

/** @type {Map<string, Intl.NumberFormat | null>} */
const priceFormats = new Map();
/** @type {Map<string, Intl.DateTimeFormat | null>} */
const dateFormats = new Map();
// FORMATS_MAX bounds each cache: locales come from the host page.
const FORMATS_MAX = 64;

/**
 * remember stores v under k, emptying m first when it is full.
 * @template V
 * @param {Map<string, V>} m
 * @param {string} k
 * @param {V} v
 * @returns {V}
 */
function remember(m, k, v) {
  if (m.size >= FORMATS_MAX) m.clear();
  m.set(k, v);
  return v;
}

/**
 * priceFormat returns the currency formatter for locale (falling back to
 * English), or null when neither knows the currency.
 * @param {string} currency
 * @param {string} locale
 * @returns {Intl.NumberFormat | null}
 */
function priceFormat(currency, locale) {
  const k = `${locale}\u0000${currency}`;
  const hit = priceFormats.get(k);
  if (hit !== undefined) return hit;
  for (const loc of [locale, 'en']) {
    try {
      return remember(priceFormats, k, new Intl.NumberFormat(loc, { style: 'currency', currency }));
    } catch {
      // an unknown locale or currency: try the fallback
    }
  }
  return remember(priceFormats, k, null);
}

/**
 * formatPrice formats a price given in minor units of currency (cents for
 * EUR, yen for JPY) for locale.
 * @param {number} minor
 * @param {string} currency ISO 4217
 * @param {string} locale BCP 47
 * @returns {string}
 */
export function formatPrice(minor, currency, locale) {
  if (typeof minor !== 'number' || !Number.isFinite(minor)) return '';
  const nf = priceFormat(currency, locale);
  if (nf === null) return `${(minor / 100).toFixed(2)} ${currency}`;
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  return nf.format(minor / 10 ** digits);
}

/**
 * formatDate formats an RFC 3339 time as a date for locale ("" when unusable).
 * @param {unknown} iso
 * @param {string} locale
 * @returns {string}
 */
export function formatDate(iso, locale) {
  const t = typeof iso === 'string' ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return '';
  let df = dateFormats.get(locale);
  if (df === undefined) {
    try {
      df = remember(dateFormats, locale, new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }));
    } catch {
      df = remember(dateFormats, locale, null);
    }
  }
  return df === null ? new Date(t).toISOString().slice(0, 10) : df.format(t);
}

/**
 * canonicalLocale returns the canonical form of a BCP 47 tag, or null.
 * @param {unknown} tag
 * @returns {string | null}
 */
export function canonicalLocale(tag) {
  if (typeof tag !== 'string' || tag === '') return null;
  try {
    return Intl.getCanonicalLocales(tag.replace(/_/g, '-'))[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * messageOf is the UI text of a failed call (GateError and ApiError messages are written for people).
 * @param {unknown} err
 * @returns {string}
 */
export function messageOf(err) {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Please try again.';
}

/**
 * codeOf is a failed call's error code (GateError, ApiError), "" when it has none.
 * @param {unknown} err
 * @returns {string}
 */
export function codeOf(err) {
  const code = /** @type {{code?: unknown}} */ (err ?? {}).code;
  return typeof code === 'string' ? code : '';
}

/**
 * isCode tells whether err carries code.
 * @param {unknown} err
 * @param {string} code
 */
export function isCode(err, code) {
  return codeOf(err) === code;
}
