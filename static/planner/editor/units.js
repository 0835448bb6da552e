// units.js: lengths and areas in metric (cm, m²) or imperial (ft and in, ft²).
// Storage is always cm; these only read and write what visitors see.

/** @typedef {'metric' | 'imperial'} Units */

export const CM_PER_IN = 2.54;
const CM_PER_FT = 12 * CM_PER_IN;

/** @param {unknown} u @returns {Units} */
export const normUnits = (u) => (u === 'imperial' ? 'imperial' : 'metric');

const NUM = String.raw`(\d+(?:[.,]\d+)?|[.,]\d+)`;
const UNIT = {
  mm: 0.1, cm: 1, m: 100,
  in: CM_PER_IN, inch: CM_PER_IN, inches: CM_PER_IN, '"': CM_PER_IN, '″': CM_PER_IN, "''": CM_PER_IN,
  ft: CM_PER_FT, foot: CM_PER_FT, feet: CM_PER_FT, "'": CM_PER_FT, '′': CM_PER_FT,
};
const TERM = new RegExp(String.raw`^\s*${NUM}\s*(mm|cm|m|inches|inch|in|feet|foot|ft|''|"|″|'|′)?`, 'i');

/**
 * parseLength reads a length in cm from what a visitor typed: `102 cm`,
 * `1.02 m`, `1,02m`, `3' 4"`, `3ft 4in`, `40"`, or terms added up. A bare
 * number is cm (metric) or inches (imperial); after feet it is inches
 * (`3' 4`). Returns null for anything else, or a length that is not positive.
 * @param {string} text @param {Units} [units] @returns {number | null}
 */
export function parseLength(text, units = 'metric') {
  let rest = String(text).trim(), total = 0, terms = 0, afterFeet = false;
  while (rest) {
    const m = TERM.exec(rest);
    if (!m) return null;
    const v = Number(m[1].replace(',', '.'));
    const u = m[2]?.toLowerCase();
    /** @type {number} */
    const f = u ? UNIT[/** @type {keyof typeof UNIT} */ (u)] : afterFeet || units === 'imperial' ? CM_PER_IN : 1;
    total += v * f;
    afterFeet = f === CM_PER_FT;
    terms++;
    rest = rest.slice(m[0].length).replace(/^\s*[,+]?\s*/, '');
    if (terms > 3) return null;
  }
  return terms && total > 0 && Number.isFinite(total) ? Math.round(total * 10) / 10 : null;
}

/**
 * formatLength writes cm for visitors: `102 cm` (whole cm) or `3' 4"` (whole
 * inches, `0' 11"` below a foot). @param {number} cm @param {Units} [units]
 */
export function formatLength(cm, units = 'metric') {
  if (units !== 'imperial') return `${Math.round(cm)} cm`;
  const inches = Math.round(cm / CM_PER_IN);
  const sign = inches < 0 ? '-' : '';
  const a = Math.abs(inches);
  return `${sign}${Math.floor(a / 12)}' ${a % 12}"`;
}

/** formatArea writes cm² as m² (one decimal) or ft² (whole). @param {number} cm2 @param {Units} [units] */
export function formatArea(cm2, units = 'metric') {
  if (units === 'imperial') return `${Math.round(cm2 / (CM_PER_FT * CM_PER_FT))} ft²`;
  return `${(Math.round(cm2 / 1000) / 10).toFixed(1)} m²`;
}
