// server-clock.js: the planner's estimate of the server's clock, and when a
// token stops being usable by it.
//
// Token expiry is the server's rule, so it is judged on the server's clock:
// serverNow = browser now + offset. The offset comes from /v1/me's serverTime
// and is corrected by a response's Date header when that disagrees by more
// than the header's resolution. A browser clock an hour off then neither
// loops on fresh tokens nor sends stale ones.

import { systemClock } from './clock.js';

/** TOKEN_MARGIN_MS: a token counts as expired this long before its exp. */
export const TOKEN_MARGIN_MS = 2000;

/** DATE_SKEW_TOLERANCE_MS: a Date header moves the clock offset only when it disagrees by more. */
export const DATE_SKEW_TOLERANCE_MS = 2000;

/**
 * @typedef {import('./clock.js').Clock} Clock
 */

/**
 * isFresh reports whether a token that expires at expiresAt is still usable at
 * serverNow (both ms epoch, server clock): until TOKEN_MARGIN_MS before its exp.
 * @param {number} expiresAt
 * @param {number} serverNow
 * @returns {boolean}
 */
export function isFresh(expiresAt, serverNow) {
  return serverNow < expiresAt - TOKEN_MARGIN_MS;
}

/**
 * createServerClock returns the server clock as seen from the browser; it
 * starts with no offset.
 * @param {Clock} [clock] the browser clock; default systemClock
 */
export function createServerClock(clock = systemClock) {
  // serverNow = browser now + offset; from /v1/me's serverTime, corrected by Date headers.
  let offset = 0;

  return {
    /** now is the browser's estimate of the server clock, ms epoch. */
    now: () => clock.now() + offset,
    /**
     * sync sets the offset from a server time the browser received at receivedAt.
     * @param {number} serverTime ms epoch, server clock
     * @param {number} [receivedAt] ms epoch, browser clock; default now
     */
    sync(serverTime, receivedAt) {
      offset = serverTime - (receivedAt ?? clock.now());
    },
    /**
     * checkDate corrects the offset from a response's Date header, received at
     * receivedAt (browser clock), when it disagrees by more than DATE_SKEW_TOLERANCE_MS.
     * A missing or unparsable header changes nothing.
     * @param {{get(name: string): string | null}} headers
     * @param {number} receivedAt
     */
    checkDate(headers, receivedAt) {
      const date = headers.get('Date');
      if (!date) return;
      const t = Date.parse(date);
      if (!Number.isFinite(t)) return;
      const o = t - receivedAt;
      // Date has 1 s resolution plus latency; only a real disagreement moves the offset.
      if (Math.abs(o - offset) > DATE_SKEW_TOLERANCE_MS) offset = o;
    },
    /** offsetMs is server clock minus browser clock. */
    get offsetMs() { return offset; },
  };
}

/** @typedef {ReturnType<typeof createServerClock>} ServerClock */
