// events.js: the planner's report to its retailer's metrics (POST /v1/events).
//
// It counts what this iframe load saw (planner opened, products added,
// baskets sent with their value, TokenExpired episodes with their held calls
// and hold time, held calls that failed, tokens refused) and sends the counts
// in one batch at most every intervalMs (20 s: three a minute), with a
// heartbeat each heartbeatMs while the page stays open, so the retailer sees
// how many planners are open now. Best effort: a batch that fails (network,
// 429 with Retry-After, 5xx, no token yet) is kept and merged into the next
// one, so nothing is counted twice or lost while the page lives; a batch the
// API refuses as malformed (400) is dropped. Sending never holds up the
// visitor: it does not go through the token gate, and nothing awaits it.
//
// No personal data: the load id is random per iframe load, kept in memory,
// and never a user id; the API learns signed-in or not from the token.

/**
 * @typedef {import('./clock.js').Clock} Clock
 * @typedef {{lines: number, value: number, currency: string}} BasketReport
 * @typedef {{heldCalls: number, holdMs: number}} EpisodeReport
 * @typedef {'invalid_token' | 'forbidden' | 'other'} AuthReason
 * @typedef {{type: string, [k: string]: unknown}} WireEvent
 * @typedef {(body: string, opts: {keepalive: boolean}) => Promise<{status: number, retryAfterMs?: number}>} SendBatch
 *   posts a batch with the current token; resolves with the status (0: not sent, no token) or rejects on a network failure
 */

/** MAX_EVENTS is the API's limit of events in one batch. */
export const MAX_EVENTS = 32;
const MAX_COUNT = 100; // the API's largest count in one event
const MAX_BASKETS = 12; // baskets kept while unsent; more are not reported
const MAX_EPISODES = 12;
const MAX_HOLD_MS = 600000;
const MAX_VALUE = 10_000_000_000;

/**
 * newLoadId returns 22 random base64url characters.
 * @param {(a: Uint8Array) => Uint8Array} getRandomValues
 */
export function newLoadId(getRandomValues) {
  const b = getRandomValues(new Uint8Array(16));
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let s = '';
  for (const x of b) s += abc[x & 63];
  return s + abc[b[0] >> 6] + abc[b[1] >> 6] + abc[b[2] >> 6] + abc[b[3] >> 6] + abc[b[4] >> 6] + abc[b[5] >> 6];
}

/**
 * createEvents returns the counter of one iframe load.
 * @param {object} opts
 * @param {SendBatch} opts.send
 * @param {Clock} opts.clock
 * @param {string} opts.loadId from newLoadId
 * @param {number} [opts.intervalMs] least time between batches (default 20 s)
 * @param {number} [opts.heartbeatMs] a heartbeat after this long without a batch (default 60 s)
 * @param {{warn?: (msg: string, data?: Record<string, unknown>) => void}} [opts.logger]
 */
export function createEvents({ send, clock, loadId, intervalMs = 20000, heartbeatMs = 60000, logger = {} }) {
  let pending = empty();
  // As if a batch had just gone an interval ago: the first counts go at once.
  let lastSent = clock.now() - intervalMs;
  /** @type {unknown} */
  let timer = null;
  let timerAt = 0;
  let inFlight = false;
  let closed = false;
  let backoffUntil = 0;
  let failures = 0;

  function empty() {
    return {
      opened: false, products: 0, heldFailed: 0,
      /** @type {BasketReport[]} */ baskets: [],
      /** @type {EpisodeReport[]} */ episodes: [],
      /** @type {Record<string, number>} */ auth: {},
    };
  }

  function hasPending() {
    const p = pending;
    return p.opened || p.products > 0 || p.heldFailed > 0 || p.baskets.length > 0 || p.episodes.length > 0 || Object.keys(p.auth).length > 0;
  }

  /** schedule arms the next send: soon when counts wait, else a heartbeat. */
  function schedule() {
    if (closed || inFlight) return;
    const now = clock.now();
    const at = Math.max(backoffUntil, hasPending() ? lastSent + intervalMs : lastSent + heartbeatMs, now);
    if (timer !== null && timerAt <= at) return;
    if (timer !== null) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(() => { timer = null; void flush(false); }, at - now);
  }

  /**
   * take builds a batch of at most MAX_EVENTS events from the pending counts
   * and returns it with what it took, to give back on failure.
   * @param {boolean} closing
   */
  function take(closing) {
    const p = pending;
    /** @type {WireEvent[]} */
    const events = [];
    const took = empty();
    const room = () => MAX_EVENTS - events.length - (closing ? 1 : 0);
    if (p.opened) { events.push({ type: 'planner.opened' }); took.opened = true; }
    while (p.baskets.length > 0 && room() > 0) {
      const b = /** @type {BasketReport} */ (p.baskets.shift());
      took.baskets.push(b);
      events.push({ type: 'basket.sent', ...b });
    }
    while (p.episodes.length > 0 && room() > 0) {
      const e = /** @type {EpisodeReport} */ (p.episodes.shift());
      took.episodes.push(e);
      events.push({ type: 'token.expired', ...e });
    }
    for (const [key, field] of /** @type {const} */ ([['products', 'product.added'], ['heldFailed', 'held.failed']])) {
      while (p[key] > 0 && room() > 0) {
        const n = Math.min(p[key], MAX_COUNT);
        p[key] -= n;
        took[key] += n;
        events.push({ type: field, count: n });
      }
    }
    for (const reason of Object.keys(p.auth)) {
      while (p.auth[reason] > 0 && room() > 0) {
        p.auth[reason]--;
        took.auth[reason] = (took.auth[reason] ?? 0) + 1;
        events.push({ type: 'auth.failed', reason });
      }
      if (p.auth[reason] === 0) delete p.auth[reason];
    }
    p.opened = false;
    if (closing) events.push({ type: 'planner.closed' });
    if (events.length === 0) events.push({ type: 'heartbeat' });
    return { events, took };
  }

  /** giveBack merges a failed batch's counts back in. @param {ReturnType<typeof empty>} t */
  function giveBack(t) {
    pending.opened ||= t.opened;
    pending.products += t.products;
    pending.heldFailed += t.heldFailed;
    pending.baskets = [...t.baskets, ...pending.baskets].slice(0, MAX_BASKETS);
    pending.episodes = [...t.episodes, ...pending.episodes].slice(0, MAX_EPISODES);
    for (const [r, n] of Object.entries(t.auth)) pending.auth[r] = (pending.auth[r] ?? 0) + n;
  }

  /** @param {boolean} closing */
  async function flush(closing) {
    if (inFlight || (closed && !closing)) return;
    inFlight = true;
    const { events, took } = take(closing);
    const body = JSON.stringify({ load: loadId, events });
    /** @type {{status: number, retryAfterMs?: number} | null} */
    let res = null;
    try {
      res = await send(body, { keepalive: closing });
    } catch (err) {
      logger.warn?.('planner: metrics batch not sent', { error: String(err) });
    }
    inFlight = false;
    const status = res?.status ?? -1;
    if (status === 0) {
      // No usable token yet (or just now): nothing went out; try shortly.
      giveBack(took);
      backoffUntil = clock.now() + Math.min(5000, intervalMs);
      schedule();
      return;
    }
    lastSent = clock.now();
    if (status >= 200 && status < 300) {
      failures = 0;
    } else if (status === 400 || status === 413) {
      failures = 0; // malformed: sending it again would fail again
      logger.warn?.('planner: metrics batch refused', { status });
    } else {
      // Not sent, rate limited, or the service failing: keep the counts.
      giveBack(took);
      failures++;
      const wait = res?.retryAfterMs ?? Math.min(intervalMs * 2 ** Math.min(failures, 5), 10 * 60000);
      backoffUntil = lastSent + wait;
    }
    schedule();
  }

  /** @param {number} n @param {number} max */
  const whole = (n, max) => Math.max(0, Math.min(max, Math.round(Number.isFinite(n) ? n : 0)));

  schedule();
  return {
    /** opened counts this load as a planner opened (once). */
    opened() { pending.opened = true; schedule(); },
    /** productAdded counts products put on the plan. @param {number} [n] */
    productAdded(n = 1) { pending.products += whole(n, 1e6); schedule(); },
    /** basketSent counts an AddToBasket. @param {BasketReport} b */
    basketSent(b) {
      if (b.lines < 1 || !/^[A-Z]{3}$/.test(b.currency) || pending.baskets.length >= MAX_BASKETS) return;
      pending.baskets.push({ lines: whole(b.lines, 500), value: whole(b.value, MAX_VALUE), currency: b.currency });
      schedule();
    },
    /** tokenExpired counts an expiry episode that ended. @param {EpisodeReport} e */
    tokenExpired(e) {
      if (pending.episodes.length >= MAX_EPISODES) return;
      pending.episodes.push({ heldCalls: whole(e.heldCalls, 1000), holdMs: whole(e.holdMs, MAX_HOLD_MS) });
      schedule();
    },
    /** heldFailed counts held calls that failed. @param {number} [n] */
    heldFailed(n = 1) { pending.heldFailed += whole(n, 1e6); schedule(); },
    /** authFailed counts a token the API or /v1/me refused. @param {AuthReason} reason */
    authFailed(reason) { pending.auth[reason] = (pending.auth[reason] ?? 0) + 1; schedule(); },
    /** close sends what is left and planner.closed (keepalive: the page is going). */
    close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      void flush(true);
    },
    /** pendingEvents is for tests: how many events the next batch holds. */
    get pendingEvents() { return hasPending(); },
  };
}
