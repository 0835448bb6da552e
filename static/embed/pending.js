// pending.js: the promises the SDK owes the host (login(), logout(),
// loadProject(), setSettings()) and how they end. Each settles exactly once:
// by the planner's answer (a waiter's match), by its request timeout, or when
// the SDK gives up on all of them (handshake failure, destroy()). Settling
// clears the timeout and forgets the waiters, so nothing fires afterwards.
// Timers come from the host (a fake clock in tests); a delay that is missing,
// infinite or too large for a browser timer means "never".

/**
 * @typedef {import('./planner-embed.js').PlannerErrorCode} PlannerErrorCode
 * @typedef {import('./planner-embed.js').PlannerTimers} PlannerTimers
 */

/**
 * Pending is one promise the SDK owes the host (login(), loadProject(), ...):
 * settled once, by an answer, a timeout, a handshake failure or destroy().
 * @template T
 * @typedef {object} Pending
 * @property {Promise<T>} promise
 * @property {boolean} settled
 * @property {unknown} timer request timeout, null when none
 * @property {(value: T) => void} resolve
 * @property {(err: Error) => void} reject
 */

/**
 * Outcome is what a waiter makes of a planner event: nothing (undefined), or
 * the value to resolve with, or the error to reject with.
 * @typedef {{ok: true, value: unknown} | {ok: false, error: Error} | undefined} Outcome
 */

/**
 * Waiter settles its owner when the planner answers.
 * @typedef {object} Waiter
 * @property {Pending<any>} owner
 * @property {(event: string, content: Record<string, unknown> | undefined) => Outcome} match
 */

/**
 * Timers starts and clears the SDK's timers.
 * @typedef {object} Timers
 * @property {(fn: () => void, ms: number) => unknown} start runs fn after ms; returns the handle, null when no timer was started
 * @property {(handle: unknown) => void} clear clears a handle from start; null and undefined are ignored
 */

// Browsers run a timer of more than 2^31-1 ms at once; longer waits mean "never".
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * GLOBAL_TIMERS are the global setTimeout/clearTimeout, the default PlannerTimers.
 * @type {PlannerTimers}
 */
export const GLOBAL_TIMERS = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
};

/** PlannerError is how the SDK rejects its promises; code is stable, message is for people. */
export class PlannerError extends Error {
  /**
   * @param {PlannerErrorCode} code
   * @param {string} message
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'PlannerError';
    /** @type {PlannerErrorCode} */
    this.code = code;
  }
}

/** destroyedError is the rejection of everything asked of a destroyed planner. */
export function destroyedError() {
  return new PlannerError('destroyed', 'planner destroyed');
}

/**
 * timersOf wraps the host's timer functions: a missing, infinite or huge
 * delay starts no timer at all.
 * @param {PlannerTimers} timers
 * @returns {Timers}
 */
export function timersOf(timers) {
  return {
    start(fn, ms) {
      if (typeof ms !== 'number' || !(ms >= 0) || ms > MAX_TIMER_MS) return null;
      return timers.setTimeout(fn, ms);
    },
    clear(handle) {
      if (handle !== null && handle !== undefined) timers.clearTimeout(handle);
    },
  };
}

/**
 * createPendings keeps the promises owed to the host and the waiters that
 * settle them when the planner answers.
 * @param {Timers} timers
 * @param {number} requestTimeoutMs how long a promise waits before rejecting with timeout
 */
export function createPendings(timers, requestTimeoutMs) {
  /** @type {Set<Pending<any>>} */
  const pendings = new Set();
  /** @type {Waiter[]} */
  let waiters = [];

  /**
   * track creates a promise owed to the host, with a request timeout.
   * @template T
   * @param {string} what names the call in the timeout message
   * @returns {Pending<T>}
   */
  function track(what) {
    /** @type {(v: T) => void} */
    let res = () => {};
    /** @type {(e: Error) => void} */
    let rej = () => {};
    /** @type {Promise<T>} */
    const promise = new Promise((resolve, reject) => { res = resolve; rej = reject; });
    /** @type {Pending<T>} */
    const p = {
      promise,
      settled: false,
      timer: null,
      resolve(value) {
        if (p.settled) return;
        finish(p);
        res(value);
      },
      reject(err) {
        if (p.settled) return;
        finish(p);
        rej(err);
      },
    };
    pendings.add(p);
    p.timer = timers.start(() => {
      p.timer = null;
      p.reject(new PlannerError('timeout', `${what} got no answer from the planner within ${requestTimeoutMs} ms`));
    }, requestTimeoutMs);
    return p;
  }

  /** @param {Pending<any>} p */
  function finish(p) {
    p.settled = true;
    pendings.delete(p);
    timers.clear(p.timer);
    p.timer = null;
    waiters = waiters.filter((w) => w.owner !== p);
  }

  return {
    track,

    /**
     * waitFor settles owner with the first planner event match makes an outcome of.
     * @param {Pending<any>} owner
     * @param {Waiter['match']} match
     */
    waitFor(owner, match) {
      waiters.push({ owner, match });
    },

    /**
     * answer offers one planner event to every waiter, in the order they were added.
     * @param {string} event
     * @param {Record<string, unknown> | undefined} content
     */
    answer(event, content) {
      for (const w of [...waiters]) {
        if (w.owner.settled) continue;
        const outcome = w.match(event, content);
        if (outcome === undefined) continue;
        if (outcome.ok) w.owner.resolve(outcome.value);
        else w.owner.reject(outcome.error);
      }
    },

    /**
     * rejectAll rejects every promise still owed with err.
     * @param {Error} err
     */
    rejectAll(err) {
      for (const p of [...pendings]) p.reject(err);
    },

    /** forgetWaiters drops every waiter (destroy: no answer is read any more). */
    forgetWaiters() {
      waiters = [];
    },
  };
}
