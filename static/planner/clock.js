// The planner's one time source. Every module that reads the time or arms a
// timer takes a Clock, so unit tests run on static/testing/fake-clock.js.

/**
 * Clock is injected so tests run on fake time.
 * @typedef {object} Clock
 * @property {() => number} now ms epoch, browser clock
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(handle: any) => void} clearTimeout
 */

/**
 * systemClock is the browser's own clock and timers, the default everywhere.
 * @type {Clock}
 */
export const systemClock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (/** @type {() => void} */ fn, /** @type {number} */ ms) => setTimeout(fn, ms),
  clearTimeout: (/** @type {any} */ handle) => clearTimeout(handle),
});
