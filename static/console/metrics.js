// metrics.js: the console dashboard's arithmetic, free of the DOM so
// node --test runs it. A bucket is {at, counts: {name: value}} as the live
// metrics topic and GET /console/series send them (names: README, "The
// retailer console and live metrics").

/** @typedef {{at: string, counts: Record<string, number>}} Bucket */

/**
 * HOLD_BUCKETS are the hold-time histogram's names and upper bounds, ms.
 * @type {ReadonlyArray<readonly [string, number]>}
 */
export const HOLD_BUCKETS = Object.freeze([
  ['expiry.hold_le_250ms', 250], ['expiry.hold_le_1s', 1000], ['expiry.hold_le_2s', 2000],
  ['expiry.hold_le_5s', 5000], ['expiry.hold_le_10s', 10000], ['expiry.hold_le_30s', 30000],
  ['expiry.hold_gt_30s', Infinity],
]);

/**
 * merge puts buckets into byAt (keyed by time), a later one replacing an
 * earlier one of the same minute, and returns the newest `keep`, oldest first.
 * @param {Map<string, Bucket>} byAt
 * @param {Bucket[]} buckets
 * @param {number} keep
 */
export function merge(byAt, buckets, keep) {
  for (const b of buckets) byAt.set(b.at, b);
  const sorted = [...byAt.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const old of sorted.slice(0, Math.max(0, sorted.length - keep))) byAt.delete(old.at);
  return sorted.slice(-keep);
}

/**
 * totals sums the counters of buckets (gauges, "max." names, are skipped).
 * @param {Bucket[]} buckets
 * @returns {Record<string, number>}
 */
export function totals(buckets) {
  /** @type {Record<string, number>} */
  const t = {};
  for (const b of buckets) {
    for (const [k, v] of Object.entries(b.counts)) {
      if (!k.startsWith('max.')) t[k] = (t[k] ?? 0) + v;
    }
  }
  return t;
}

/**
 * holdPercentile is the upper bound (ms) of the histogram bucket holding the
 * q-th quantile of hold times, Infinity past 30 s, or null with no episode.
 * @param {Record<string, number>} t totals
 * @param {number} q 0..1
 */
export function holdPercentile(t, q) {
  const n = HOLD_BUCKETS.reduce((s, [k]) => s + (t[k] ?? 0), 0);
  if (n === 0) return null;
  let seen = 0;
  for (const [k, le] of HOLD_BUCKETS) {
    seen += t[k] ?? 0;
    if (seen >= q * n) return le;
  }
  return Infinity;
}

/**
 * conversion is the funnel opened → products added → baskets: the counts,
 * and baskets as a share of planners opened (0 when none opened). Products
 * are counted per product, not per visitor, so only baskets get a share.
 * @param {Record<string, number>} t
 */
export function conversion(t) {
  const opened = t['planner.opened'] ?? 0;
  const baskets = t['basket.sent'] ?? 0;
  return { opened, added: t['product.added'] ?? 0, baskets, basketShare: opened > 0 ? Math.min(1, baskets / opened) : 0 };
}

/**
 * values returns one counter's values across buckets (0 where missing).
 * @param {Bucket[]} buckets @param {string} name
 */
export function values(buckets, name) {
  return buckets.map((b) => b.counts[name] ?? 0);
}

/**
 * sparkPath is an SVG path drawing values as a line in a w × h box, the
 * largest value at the top (a flat line at the bottom when all are 0).
 * @param {number[]} vals @param {number} w @param {number} h
 */
export function sparkPath(vals, w, h) {
  if (vals.length === 0) return '';
  const max = Math.max(1, ...vals);
  const dx = vals.length > 1 ? w / (vals.length - 1) : 0;
  return vals.map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * dx).toFixed(1)},${(h - (v / max) * h).toFixed(1)}`).join(' ');
}

/**
 * money formats minor units of currency.
 * @param {number} minor @param {string} currency @param {string} [locale]
 */
export function money(minor, currency, locale = 'en') {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}
