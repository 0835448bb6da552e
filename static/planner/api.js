// api.js: typed calls of the planner API (web/api/routes.go lists them), all through
// the token gate, plus verifyToken for checking a candidate token before the
// gate accepts it.

/**
 * @typedef {import('./token-gate.js').TokenGate} TokenGate
 * @typedef {import('./token-gate.js').GateResponse} GateResponse
 * @typedef {import('./token-gate.js').FetchLike} FetchLike
 * @typedef {import('./token-gate.js').TokenInfo} TokenInfo
 */

/**
 * @typedef {'legal-entity' | 'user'} TokenKind
 * @typedef {{id: string, name: string, distributionId: string, plan: 'free' | 'premium'}} Retailer
 * @typedef {object} Me GET /v1/me
 * @property {TokenKind} kind
 * @property {Retailer} retailer
 * @property {string} [uid] user tokens only
 * @property {string[]} scope "read", and "write" for writable user tokens
 * @property {string} expiresAt RFC 3339, server clock
 * @property {string} serverTime RFC 3339, server clock
 * @typedef {{id: string, name: string, count: number}} Category
 * @typedef {object} Product
 * @property {string} id
 * @property {string} name
 * @property {string} category
 * @property {string} [description]
 * @property {number} width cm, along x when not rotated
 * @property {number} depth cm, along y when not rotated
 * @property {number} height cm
 * @property {number} price minor units of currency
 * @property {string} currency e.g. "EUR"
 * @property {string} color "#rrggbb"
 * @property {'wall'} [mount] present when the product hangs on a wall
 * @property {number} [mountHeight] cm from the floor to a wall-mounted product's underside
 * @property {string} [image] the product's picture, on one of the retailer's image origins (the page's CSP img-src)
 * @typedef {{products: Product[], nextCursor: string}} ProductPage nextCursor is "" on the last page
 * @typedef {{category?: string, q?: string, limit?: number, cursor?: string}} ProductQuery limit 1..200, default 50
 * @typedef {object} Room cm; version 1 is width × depth (50..5000), version 2 adds a polygon (web/room.go)
 * @property {number} width bounding box
 * @property {number} depth
 * @property {Array<{x: number, y: number}>} [polygon] corners, clockwise on the plan
 * @property {number} [wallThickness]
 * @property {import('./editor/geometry.js').Opening[]} [openings]
 * @typedef {object} Item one product placed on the plan
 * @property {string} id
 * @property {string} productId
 * @property {number} x centre of the footprint, cm from the room's top-left corner
 * @property {number} y
 * @property {0 | 90 | 180 | 270} rotation degrees clockwise
 * @typedef {{name: string, room: Room, items: Item[]}} ProjectDoc what a client sends
 * @typedef {ProjectDoc & {id: string, version: number, createdAt: string, updatedAt: string}} Project
 * @typedef {{id: string, name: string, room: Room, itemCount: number, version: number, updatedAt: string}} ProjectSummary
 */

/** ApiError is a non-2xx answer of the API: {error: {code, message, field?}}. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status; 0 when the server could not be reached
   * @param {string} code e.g. not_found, conflict, token_expired; "http_<status>" when the body had none
   * @param {string} message client-safe text from the API
   * @param {{field?: string, currentVersion?: number, retryAfter?: number, cause?: unknown}} [extra]
   */
  constructor(status, code, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** @type {string | undefined} the offending input field of validation_failed */
    this.field = extra.field;
    /** @type {number | undefined} the stored version on 409 conflict */
    this.currentVersion = extra.currentVersion;
    /** @type {number | undefined} seconds, from Retry-After on 429/503 */
    this.retryAfter = extra.retryAfter;
  }
}

/**
 * apiErrorFrom builds an ApiError from a non-2xx response.
 * @param {GateResponse} res
 * @returns {ApiError}
 */
export function apiErrorFrom(res) {
  const e = res.body && typeof res.body === 'object' ? res.body.error : undefined;
  const code = typeof e?.code === 'string' && e.code !== '' ? e.code : `http_${res.status}`;
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : `The server answered ${res.status}.`;
  const retry = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
  return new ApiError(res.status, code, message, {
    field: typeof e?.field === 'string' ? e.field : undefined,
    currentVersion: Number.isInteger(e?.currentVersion) ? e.currentVersion : undefined,
    retryAfter: Number.isFinite(retry) && retry >= 0 ? retry : undefined,
  });
}

/**
 * @param {GateResponse} res
 * @returns {any} the body of a 2xx answer
 */
function ok(res) {
  if (res.status < 200 || res.status > 299) throw apiErrorFrom(res);
  return res.body;
}

/**
 * verifyToken asks GET /v1/me with a candidate token, outside the gate (the
 * gate only takes confirmed tokens). It resolves with the parsed me, or
 * rejects with an ApiError whose code is the API's (invalid_token,
 * token_expired, missing_token, ...), "network" (status 0) or
 * "invalid_response".
 * @param {FetchLike} fetchFn
 * @param {string} apiBase "" for the planner's own origin
 * @param {string} token
 * @returns {Promise<Me>}
 */
export async function verifyToken(fetchFn, apiBase, token) {
  /** @type {import('./token-gate.js').ResponseLike} */
  let res;
  let text;
  try {
    res = await fetchFn(apiBase.replace(/\/+$/, '') + '/v1/me', {
      method: 'GET',
      headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
    });
    text = await res.text();
  } catch (err) {
    throw new ApiError(0, 'network', 'The planner could not reach the server. Check your connection and try again.', { cause: err });
  }
  let body = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  const me = ok({ status: res.status, headers: res.headers, body });
  if (!isMe(me)) throw new ApiError(res.status, 'invalid_response', 'The server sent an unexpected answer to /v1/me.');
  return me;
}

/**
 * @param {any} me
 * @returns {me is Me}
 */
function isMe(me) {
  return !!me && typeof me === 'object' &&
    (me.kind === 'legal-entity' || (me.kind === 'user' && typeof me.uid === 'string' && me.uid !== '')) &&
    !!me.retailer && typeof me.retailer === 'object' &&
    Array.isArray(me.scope) &&
    Number.isFinite(Date.parse(me.expiresAt)) && Number.isFinite(Date.parse(me.serverTime));
}

/**
 * tokenInfoFromMe turns a verified token and its /v1/me answer into the
 * argument of gate.setToken.
 * @param {string} token
 * @param {Me} me
 * @param {number} [receivedAt] browser ms epoch when /v1/me answered; default the gate's now
 * @returns {TokenInfo}
 */
export function tokenInfoFromMe(token, me, receivedAt) {
  /** @type {TokenInfo} */
  const info = {
    token,
    kind: me.kind,
    uid: me.uid ?? '',
    expiresAt: Date.parse(me.expiresAt),
    serverTime: Date.parse(me.serverTime),
  };
  if (receivedAt !== undefined) info.receivedAt = receivedAt;
  return info;
}

/**
 * withToken is a stand-in for the gate that sends every call with one fixed
 * token and no hold, retry or refresh: for reads made in parallel with the
 * token's own check (GET /v1/me), whose answers are kept only if the check
 * accepts the token. Same origin and headers as verifyToken.
 * @param {FetchLike} fetchFn
 * @param {string} apiBase "" for the planner's own origin
 * @param {string} token
 * @returns {Pick<TokenGate, 'request'>}
 */
export function withToken(fetchFn, apiBase, token) {
  return {
    async request({ method = 'GET', path }) {
      const res = await fetchFn(apiBase.replace(/\/+$/, '') + path, {
        method,
        headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
      });
      const text = await res.text();
      let body = null;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        body = null;
      }
      return { status: res.status, headers: res.headers, body };
    },
  };
}

/** @param {string | number} v */
const seg = (v) => encodeURIComponent(String(v));

/**
 * createApi returns the planner API's calls; each resolves with the decoded
 * body or rejects with ApiError (HTTP) or GateError (no usable token, network).
 * @param {Pick<TokenGate, 'request'>} gate the token gate, or withToken's stand-in
 */
export function createApi(gate) {
  return {
    /** @returns {Promise<Me>} */
    async me() {
      return ok(await gate.request({ path: '/v1/me' }));
    },

    /** @returns {Promise<Category[]>} */
    async categories() {
      return ok(await gate.request({ path: '/v1/catalog/categories' })).categories;
    },

    /**
     * @param {ProductQuery} [query]
     * @returns {Promise<ProductPage>}
     */
    async products({ category, q, limit, cursor } = {}) {
      const params = new URLSearchParams();
      if (category) params.set('category', category);
      if (q) params.set('q', q);
      if (limit !== undefined) params.set('limit', String(limit));
      if (cursor) params.set('cursor', cursor);
      const qs = params.toString();
      return ok(await gate.request({ path: '/v1/catalog/products' + (qs ? `?${qs}` : '') }));
    },

    /**
     * @param {string} id
     * @returns {Promise<Product>}
     */
    async product(id) {
      return ok(await gate.request({ path: `/v1/catalog/products/${seg(id)}` }));
    },

    /** @returns {Promise<ProjectSummary[]>} */
    async projects() {
      return ok(await gate.request({ path: '/v1/projects' })).projects;
    },

    /**
     * @param {string} id
     * @returns {Promise<Project>}
     */
    async project(id) {
      return ok(await gate.request({ path: `/v1/projects/${seg(id)}` }));
    },

    /**
     * createProject stores a new project; the gate adds an Idempotency-Key so a
     * replay after a token refresh cannot create it twice.
     * @param {ProjectDoc} doc
     * @returns {Promise<Project>}
     */
    async createProject(doc) {
      return ok(await gate.request({ method: 'POST', path: '/v1/projects', body: doc, write: true }));
    },

    /**
     * updateProject replaces a project if it is still at version (else ApiError conflict with currentVersion).
     * @param {string} id
     * @param {number} version
     * @param {ProjectDoc} doc
     * @returns {Promise<Project>}
     */
    async updateProject(id, version, doc) {
      return ok(await gate.request({
        method: 'PUT', path: `/v1/projects/${seg(id)}`, body: doc, write: true,
        headers: { 'If-Match': `"${version}"` },
      }));
    },

    /**
     * deleteProject deletes a project if it is still at version.
     * @param {string} id
     * @param {number} version
     * @returns {Promise<void>}
     */
    async deleteProject(id, version) {
      ok(await gate.request({
        method: 'DELETE', path: `/v1/projects/${seg(id)}`, write: true,
        headers: { 'If-Match': `"${version}"` },
      }));
    },
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */
