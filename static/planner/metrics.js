// metrics.js: the app's side of the retailer's metrics. events.js counts
// and sends them; it is a chunk of its own, fetched with import() as the
// app starts, and createMetrics stands in for it until it is in: what is
// counted meanwhile is kept and handed over, in order. Nothing could be sent
// before the first token anyway, which comes a round trip or two later.

/**
 * @typedef {import('./clock.js').Clock} Clock
 * @typedef {import('./events.js').BasketReport} BasketReport
 * @typedef {import('./events.js').EpisodeReport} EpisodeReport
 * @typedef {import('./events.js').AuthReason} AuthReason
 * @typedef {ReturnType<typeof import('./events.js').createEvents>} Counter
 */

/**
 * createMetrics loads the reporter and returns its stand-in. A failed load
 * drops the counts (they are best effort) and costs the visitor nothing.
 * @param {object} o
 * @param {import('./events.js').SendBatch} o.send posts a batch (events.js)
 * @param {Clock} o.clock
 * @param {(a: Uint8Array) => Uint8Array} o.random crypto.getRandomValues, for the load id
 * @param {{warn?: (msg: string, data?: Record<string, unknown>) => void}} [o.logger]
 * @param {() => Promise<typeof import('./events.js')>} [o.load] how events.js arrives (tests hand it over)
 */
export function createMetrics({ send, clock, random, logger = {}, load = () => import('./events.js') }) {
  /** @type {Counter | null} */
  let counter = null;
  /** @type {Array<(c: Counter) => void> | null} calls made before the counter is in; null once it failed */
  let kept = [];
  load().then((m) => {
    const c = m.createEvents({ send, clock, logger, loadId: m.newLoadId(random) });
    counter = c;
    for (const call of kept ?? []) call(c);
    kept = [];
  }, (err) => {
    kept = null;
    logger.warn?.('planner: the metrics reporter could not be loaded', { error: String(err) });
  });
  /** @param {(c: Counter) => void} call */
  const later = (call) => {
    if (counter) call(counter);
    else kept?.push(call);
  };
  return {
    opened: () => later((c) => c.opened()),
    productAdded: () => later((c) => c.productAdded()),
    /** @param {BasketReport} b */
    basketSent: (b) => later((c) => c.basketSent(b)),
    /** @param {EpisodeReport} e */
    tokenExpired: (e) => later((c) => c.tokenExpired(e)),
    /** @param {number} n */
    heldFailed: (n) => later((c) => c.heldFailed(n)),
    /** @param {AuthReason} reason */
    authFailed: (reason) => later((c) => c.authFailed(reason)),
    /** close sends what is left (keepalive: the page is going away). */
    close: () => later((c) => c.close()),
  };
}
