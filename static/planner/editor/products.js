// products.js: the editor's product cache. A product comes from the catalog
// pages the shell has loaded, else from the API, asked for once per id. Only
// "not found" means gone from the catalog (cached as null, drawn as
// unknown); any other failure (network, 5xx) leaves the id pending (drawn as
// loading) and asks again after RETRY_MS, doubling up to RETRY_MAX_MS, on the
// injected clock. Free of the DOM: products.test.js runs it on a fake clock.

/**
 * @typedef {import('../api.js').Product} Product
 * @typedef {import('../clock.js').Clock} Clock
 */

/** RETRY_MS is the wait before the first retry of a failed fetch; it doubles per failure. */
export const RETRY_MS = 2000;
/** RETRY_MAX_MS caps the wait between retries. */
export const RETRY_MAX_MS = 60_000;

/**
 * retryDelay is the wait after the attempt-th failed fetch of a batch (0-based).
 * @param {number} attempt
 */
export const retryDelay = (attempt) => Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** attempt);

/**
 * createProducts builds the cache.
 * @param {object} o
 * @param {(id: string) => Promise<Product>} o.fetch asks the API for one product; rejects with {code: 'not_found'} when gone
 * @param {(id: string) => Product | null | undefined} [o.catalog] a product of the catalog pages loaded so far
 * @param {Clock} o.clock
 * @param {(id: string) => boolean} o.wanted whether an id is still on the plan (else a retry drops it)
 * @param {() => boolean} o.alive false once the editor left the page: no more redraws or retries
 * @param {() => void} o.onUpdate after fetches settled or a retry started: redraw
 */
export function createProducts({ fetch, catalog = () => undefined, clock, wanted, alive, onUpdate }) {
  /** @type {Map<string, Product | null>} fetched (null: not in the catalog) or found in the catalog pages */
  const known = new Map();
  /** @type {Set<string>} asked for, or waiting for a retry */
  const pending = new Set();

  /** @param {string} id @returns {Product | null} */
  const lookup = (id) => {
    let p = known.get(id);
    if (p === undefined) {
      p = catalog(id) ?? undefined;
      if (p) known.set(id, p);
    }
    return p ?? null;
  };

  /**
   * fetchAll asks the API for ids (attempt: how many times this batch failed before).
   * @param {string[]} ids
   * @param {number} attempt
   */
  function fetchAll(ids, attempt) {
    if (ids.length === 0) return;
    /** @type {string[]} */
    const retry = [];
    Promise.all(ids.map((id) => fetch(id).then((p) => {
      known.set(id, p);
      pending.delete(id);
    }, (err) => {
      if (err?.code === 'not_found') { known.set(id, null); pending.delete(id); } else retry.push(id);
    }))).then(() => {
      if (alive()) onUpdate();
      if (retry.length === 0) return;
      clock.setTimeout(() => {
        if (!alive()) return;
        // Brought by the catalog meanwhile, or no longer on the plan: not asked again.
        fetchAll(retry.filter((id) => { if (lookup(id) || !wanted(id)) { pending.delete(id); return false; } return true; }), attempt + 1);
        onUpdate();
      }, retryDelay(attempt));
    });
  }

  return {
    lookup,
    /** isPending: id is being fetched or waits for a retry. @param {string} id */
    isPending: (id) => pending.has(id),
    /**
     * want marks the ids neither in the catalog pages, nor fetched, nor
     * already asked for as pending, and returns what asks the API for them;
     * the caller draws them as loading first.
     * @param {Iterable<string>} ids
     * @returns {() => void}
     */
    want(ids) {
      const missing = [...new Set(ids)].filter((id) => !lookup(id) && !known.has(id) && !pending.has(id));
      for (const id of missing) pending.add(id);
      return () => fetchAll(missing, 0);
    },
  };
}
