// token-claims.js: what a planner token says about itself. The API's tokens
// are JWTs; their payload (kind, retailer, user, expiry) is readable without
// the key. Reading it proves nothing (the API verifies the signature on every
// call): the session uses it only to tell that a renewed token speaks for the
// identity already checked with /v1/me, and asks /v1/me whenever in doubt.

/**
 * Claims is the part of a token's payload the planner reads.
 * @typedef {{kind: 'legal-entity' | 'user', le: string, uid: string, exp: number}} Claims
 *   exp is ms epoch (the JWT's seconds times 1000)
 */

// CLAIMS_MAX bounds the payload decoded: the bridge admits tokens of 8 KiB.
const CLAIMS_MAX = 8192;

/**
 * readClaims returns a JWT's claims, or null when token is not a JWT whose
 * payload has a known kind, a retailer, a user for user tokens, and an exp.
 * It never throws.
 * @param {unknown} token
 * @returns {Claims | null}
 */
export function readClaims(token) {
  if (typeof token !== 'string' || token.length > CLAIMS_MAX) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return null;
  let payload;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const { kind, le, uid = '', exp } = payload;
  if (kind !== 'legal-entity' && kind !== 'user') return null;
  if (typeof le !== 'string' || le === '' || typeof uid !== 'string') return null;
  if ((kind === 'user') !== (uid !== '')) return null;
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp) || exp <= 0) return null;
  return { kind, le, uid, exp: exp * 1000 };
}
