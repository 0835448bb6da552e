// limits.js: the envelope rules both sides of the iframe protocol enforce, in
// one copy. The planner (static/planner/protocol.js) drops a host message that
// breaks them; the SDK checks the same rules before posting, which turns a
// message the planner would silently drop into an immediate error for the
// integrator. The file lives under embed/ because host pages import the SDK
// cross-origin and only /static/embed/ is served with a CORS header; the
// planner page imports it same-origin. isRecord and ownValue are the shape
// checks both sides run on an envelope before reading any field of it.

/** PROTOCOL_VERSION is sent in Ready and required by the SDK; bump it only for incompatible changes. */
export const PROTOCOL_VERSION = 1;

/** MAX_TOKEN_LENGTH is the largest token accepted from the host (8 KiB of ASCII). */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** MAX_PROJECT_ID_LENGTH is the largest projectId accepted in LoadProject. */
export const MAX_PROJECT_ID_LENGTH = 64;

/** MAX_LOCALE_LENGTH is the longest locale accepted in SetUpSettings; 35 characters covers real BCP 47 tags. */
export const MAX_LOCALE_LENGTH = 35;

// A token goes into an Authorization header, so only visible ASCII is usable
// (a JWT is base64url and dots); anything else is rejected before fetch.
const TOKEN_RE = /^[\x21-\x7e]+$/;
const CONTROL_RE = /[\x00-\x1f\x7f]/;
// BCP 47 tags are letters, digits and hyphens.
const LOCALE_RE = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/;
// ISO 4217 codes as the API sends them ("EUR").
const CURRENCY_RE = /^[A-Z]{3}$/;

/**
 * isToken reports whether v is a usable bearer token: a non-empty string of
 * visible ASCII, at most MAX_TOKEN_LENGTH characters (= bytes).
 * @param {unknown} v
 * @returns {v is string}
 */
export function isToken(v) {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_TOKEN_LENGTH && TOKEN_RE.test(v);
}

/**
 * isProjectId reports whether v is a usable projectId: 1 to
 * MAX_PROJECT_ID_LENGTH characters, no control characters.
 * @param {unknown} v
 * @returns {v is string}
 */
export function isProjectId(v) {
  return typeof v === 'string' && v !== '' && v.length <= MAX_PROJECT_ID_LENGTH && !CONTROL_RE.test(v);
}

/**
 * isLocale reports whether v is a BCP 47 tag such as "fr-FR" of at most
 * MAX_LOCALE_LENGTH characters.
 * @param {unknown} v
 * @returns {v is string}
 */
export function isLocale(v) {
  return typeof v === 'string' && v.length <= MAX_LOCALE_LENGTH && LOCALE_RE.test(v);
}

/**
 * isCurrency reports whether v is an ISO 4217 code such as "EUR".
 * @param {unknown} v
 * @returns {v is string}
 */
export function isCurrency(v) {
  return typeof v === 'string' && CURRENCY_RE.test(v);
}

/** UNITS are the unit systems SetUpSettings may ask for: cm and m², or ft, in and ft². */
export const UNITS = Object.freeze(/** @type {const} */ (['metric', 'imperial']));

/**
 * isUnits reports whether v is one of UNITS.
 * @param {unknown} v
 * @returns {v is 'metric' | 'imperial'}
 */
export function isUnits(v) {
  return v === 'metric' || v === 'imperial';
}

/**
 * isRecord reports whether v is a plain object (not null, not an array).
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
export function isRecord(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * ownValue reads an own property only, so inherited or prototype properties
 * never count as content.
 * @param {Record<string, unknown>} obj
 * @param {string} key
 * @returns {unknown}
 */
export function ownValue(obj, key) {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
