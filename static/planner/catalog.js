// catalog.js: the catalog pane's state. It reads categories and pages of
// products through the API, filters and searches, and hands the view rows
// ready to display (sizes and prices written for the current locale).

import { formatPrice } from './format.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Category} Category
 * @typedef {import('./api.js').Product} Product
 * @typedef {import('./app.js').View} View
 * @typedef {import('./app.js').Settings} Settings
 * @typedef {import('./status.js').Status} Status
 */

/**
 * ProductView is one catalog row, ready to display.
 * @typedef {object} ProductView
 * @property {string} id
 * @property {string} name
 * @property {string} category
 * @property {string} description
 * @property {string} size "200 × 90 cm"
 * @property {string} price formatted for the current locale
 * @property {string} color "#rrggbb", or "" when the API sent none usable
 * @property {number} width cm
 * @property {number} depth cm
 * @property {string} image the product's picture (an http(s) URL), or "": the card shows the symbol
 */

/**
 * CatalogView is the catalog pane's state.
 * @typedef {object} CatalogView
 * @property {'idle' | 'loading' | 'ready' | 'error'} status idle: no token yet
 * @property {Category[]} categories
 * @property {string} category the selected category id, "" for all
 * @property {ProductView[]} products
 * @property {boolean} hasMore a next page exists
 * @property {boolean} loadingMore
 * @property {string} query the search, "" for none
 */

/**
 * CatalogContext is what createCatalog needs.
 * @typedef {object} CatalogContext
 * @property {Api} api
 * @property {View} view
 * @property {Readonly<Settings>} settings read at every render
 * @property {Pick<Status, 'clearAlertOf' | 'reportError'>} status
 * @property {(what: string, fn: () => void) => boolean} safely runs a view callback
 * @property {() => boolean} isDestroyed
 */

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

/**
 * imageURL is a product's image as the card may use it: an absolute http(s)
 * URL of at most 2048 characters, written as the URL parser writes it, or ""
 * (no image, or one the card must not load). The server checked it at import
 * and the page's CSP img-src allows only the retailer's image origins; this
 * keeps anything else (javascript:, data:, a relative path) off the card.
 * @param {unknown} image
 * @returns {string}
 */
export function imageURL(image) {
  if (typeof image !== 'string' || image.length > 2048 || !/^https?:\/\//i.test(image)) return '';
  try {
    const u = new URL(image);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password ? u.href : '';
  } catch {
    return '';
  }
}

/** SEARCH_PAGE is how many matches a search asks for at once (the API's most), so they rank together. */
export const SEARCH_PAGE = 200;

/**
 * rankOf is how well a product matches a search: 0 its name starts with q, 1
 * a word of its name does, 2 its name contains q, 3 only its description
 * does, 4 neither (the API matched something else).
 * @param {{name?: string, description?: string}} p
 * @param {string} q lowercased
 */
export function rankOf(p, q) {
  const name = String(p.name ?? '').toLowerCase();
  if (name.startsWith(q)) return 0;
  const at = name.indexOf(q);
  if (at > 0) {
    // A word starts where the character before is not a letter or digit.
    for (let i = at; i >= 0; i = name.indexOf(q, i + 1)) if (!/[\p{L}\p{N}]/u.test(name[i - 1] ?? ' ')) return 1;
    return 2;
  }
  return String(p.description ?? '').toLowerCase().includes(q) ? 3 : 4;
}

/**
 * rankProducts orders search results: by rankOf, then by name; the same
 * order for the same set, whatever order the pages came in.
 * @template {{id: string, name?: string, description?: string}} P
 * @param {P[]} products
 * @param {string} q
 * @returns {P[]}
 */
export function rankProducts(products, q) {
  const lq = q.trim().toLowerCase();
  if (!lq) return products;
  return products.map((p) => ({ p, r: rankOf(p, lq), n: String(p.name ?? '') }))
    .sort((a, b) => a.r - b.r || a.n.localeCompare(b.n) || (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0))
    .map((x) => x.p);
}

/**
 * Prefetched is the first page read ahead of load() (Catalog.prefetch).
 * @typedef {{query: string, answer: Promise<[Category[], ProductPage] | null>}} Prefetched
 * @typedef {import('./api.js').ProductPage} ProductPage
 */

/**
 * createCatalog holds the catalog pane; nothing is read before load().
 * @param {CatalogContext} ctx
 */
export function createCatalog({ api, view, settings, status, safely, isDestroyed }) {
  const catalog = {
    /** @type {CatalogView['status']} */
    status: 'idle',
    /** @type {Category[]} */
    categories: [],
    category: '',
    q: '',
    /** @type {Product[]} */
    products: [],
    nextCursor: '',
    loadingMore: false,
    seq: 0,
  };

  function catalogQuery() {
    /** @type {{category?: string, q?: string, limit?: number}} */
    const query = catalog.category ? { category: catalog.category } : {};
    if (catalog.q) {
      query.q = catalog.q;
      query.limit = SEARCH_PAGE;
    }
    return query;
  }

  /**
   * prefetch reads what load() reads, through another Api (a token still
   * being checked, api.js withToken), so the catalog travels in parallel with
   * that check. It never touches the pane: load(prefetched) uses the answer.
   * A failed read resolves null, and load() then reads through the gate.
   * @param {Api} withToken
   * @returns {Prefetched}
   */
  function prefetch(withToken) {
    const query = catalogQuery();
    /** @type {Promise<[Category[], ProductPage] | null>} */
    const answer = Promise.all([withToken.categories(), withToken.products(query)]).catch(() => null);
    return { query: JSON.stringify(query), answer };
  }

  /**
   * load (re)reads the categories and the first page of products; with
   * prefetched, it uses that answer instead when it was read for the same
   * query and did not fail.
   * @param {Prefetched} [prefetched]
   */
  async function load(prefetched) {
    const seq = ++catalog.seq;
    catalog.status = 'loading';
    catalog.loadingMore = false;
    render();
    try {
      const early = prefetched && prefetched.query === JSON.stringify(catalogQuery()) ? await prefetched.answer : null;
      if (seq !== catalog.seq) return;
      const [categories, page] = early ?? await Promise.all([api.categories(), api.products(catalogQuery())]);
      if (seq !== catalog.seq) return;
      catalog.categories = Array.isArray(categories) ? categories : [];
      catalog.products = Array.isArray(page?.products) ? page.products : [];
      catalog.nextCursor = typeof page?.nextCursor === 'string' ? page.nextCursor : '';
      catalog.status = 'ready';
      status.clearAlertOf('catalog');
    } catch (err) {
      if (seq !== catalog.seq) return;
      catalog.status = 'error';
      status.reportError(err, 'catalog');
    }
    render();
  }

  /** loadMore appends the next page of products. */
  async function loadMore() {
    if (catalog.status !== 'ready' || !catalog.nextCursor || catalog.loadingMore) return;
    const seq = catalog.seq;
    catalog.loadingMore = true;
    render();
    try {
      const page = await api.products({ ...catalogQuery(), cursor: catalog.nextCursor });
      if (seq !== catalog.seq) return;
      const seen = new Set(catalog.products.map((p) => p.id));
      catalog.products = [...catalog.products, ...(page.products ?? []).filter((p) => !seen.has(p.id))];
      catalog.nextCursor = typeof page.nextCursor === 'string' ? page.nextCursor : '';
    } catch (err) {
      if (seq !== catalog.seq) return;
      status.reportError(err, 'catalog');
    }
    catalog.loadingMore = false;
    render();
  }

  /** @param {Product} p @returns {ProductView} */
  function productView(p) {
    return {
      id: String(p.id),
      name: String(p.name ?? ''),
      category: String(p.category ?? ''),
      description: typeof p.description === 'string' ? p.description : '',
      size: `${p.width} × ${p.depth} cm`,
      price: formatPrice(p.price, p.currency || settings.currency || 'EUR', settings.locale),
      color: typeof p.color === 'string' && COLOR_RE.test(p.color) ? p.color : '',
      width: Number(p.width) || 0,
      depth: Number(p.depth) || 0,
      image: imageURL(p.image),
    };
  }

  function render() {
    if (isDestroyed()) return;
    /** @type {CatalogView} */
    const v = {
      status: catalog.status,
      categories: catalog.categories.map((c) => ({ ...c })),
      category: catalog.category,
      products: rankProducts(catalog.products, catalog.q).map(productView),
      hasMore: catalog.nextCursor !== '',
      loadingMore: catalog.loadingMore,
      query: catalog.q,
    };
    safely('view.catalog', () => view.catalog(v));
  }

  return {
    /** load (re)reads the categories and the first page of products. */
    load: () => load(),
    /** loadPrefetched is load() using a prefetch's answer when it fits; see prefetch. */
    loadPrefetched: (/** @type {Prefetched} */ prefetched) => load(prefetched),
    prefetch,
    loadMore,
    render,

    /**
     * setCategory filters the catalog ("" for all products).
     * @param {string} category
     */
    setCategory(category) {
      catalog.category = typeof category === 'string' ? category : '';
      return load();
    },

    /**
     * setQuery searches the catalog by name ("" for no search).
     * @param {string} q
     */
    setQuery(q) {
      catalog.q = typeof q === 'string' ? q.trim().slice(0, 100) : '';
      return load();
    },

    /**
     * product is a product of the pages loaded so far.
     * @param {string} id
     * @returns {Product | undefined}
     */
    product: (id) => catalog.products.find((p) => p.id === id),

    /** status is the pane's state ('error' after a failed load). */
    get status() { return catalog.status; },
    get productCount() { return catalog.products.length; },
  };
}

/** @typedef {ReturnType<typeof createCatalog>} Catalog */
