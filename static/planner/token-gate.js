// token-gate.js: every API call of the planner goes through the gate.
//
// The gate holds the current token and judges it on the server's clock
// (server-clock.js: the offset, Date-header correction, the expiry margin).
// A call made with no usable token is held (hold-queue.js); the first held
// call of an expiry episode asks the host for a token (TokenExpired) once, and
// re-asks with backoff while calls wait (expiry-episode.js). A fresh token
// releases held calls in their original order. Writes are bound to the
// identity (kind + uid) and the session they were made in and are never
// replayed under another one. Every call resolves or rejects: held calls have
// a deadline and the queue a bound.
//
// The gate resolves with the HTTP response for every status it does not handle
// itself (api.js turns non-2xx into ApiError); it rejects only with GateError.
// The modules above keep time, order and timers; which call fails, and with
// which GateError, is decided here.

import { systemClock } from './clock.js';
import { safely as logSafely } from './log.js';
import { createServerClock, isFresh } from './server-clock.js';
import { createHoldQueue } from './hold-queue.js';
import { createExpiryEpisode, DEFAULT_BACKOFF } from './expiry-episode.js';

export { TOKEN_MARGIN_MS, DATE_SKEW_TOLERANCE_MS } from './server-clock.js';

/**
 * GateErrorCode names why the gate failed a call.
 * - hold_timeout: held longer than holdDeadlineMs without a token
 * - queue_full: maxHeld calls were already held
 * - identity_changed: a held write, and the visitor signed out or another user signed in
 * - auth_failed: the current token was rejected (invalid_token); wait for a new one
 * - network: fetch failed (offline, DNS, CORS)
 * - closed: the gate was destroyed
 * @typedef {'hold_timeout' | 'queue_full' | 'identity_changed' | 'auth_failed' | 'network' | 'closed'} GateErrorCode
 */

/** @type {Record<GateErrorCode, string>} */
const MESSAGES = {
  hold_timeout: 'The shop did not renew your session in time, so this action was not completed. Please try again.',
  queue_full: 'Too many actions are waiting for your session to be renewed. Please wait a moment and try again.',
  identity_changed: 'You were signed out before this change could be saved.',
  auth_failed: 'Your session could not be verified. Please reload the page or sign in again.',
  network: 'The planner could not reach the server. Check your connection and try again.',
  closed: 'The planner was closed before this action finished.',
};

/** GateError is how the gate fails a call; message is suitable for the UI. */
export class GateError extends Error {
  /**
   * @param {GateErrorCode} code
   * @param {string} [message] defaults to a UI-ready sentence for code
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message ?? MESSAGES[code], options);
    this.name = 'GateError';
    /** @type {GateErrorCode} */
    this.code = code;
  }
}

/**
 * @typedef {'ok' | 'waiting' | 'failed'} GateState
 * ok: calls flow; waiting: calls are held awaiting a token; failed: a call
 * failed for want of a usable token (until the next fresh token).
 */

/**
 * @typedef {import('./clock.js').Clock} Clock
 */

/**
 * ResponseLike is what the gate reads from fetch's answer.
 * @typedef {{status: number, headers: {get(name: string): string | null}, text(): Promise<string>}} ResponseLike
 */

/**
 * FetchLike is window.fetch or a fake.
 * @typedef {(url: string, init: {method: string, headers: Record<string, string>, body?: string}) => Promise<ResponseLike>} FetchLike
 */

/**
 * GateResponse is an HTTP answer with its JSON body parsed (null when empty or not JSON).
 * @typedef {{status: number, headers: {get(name: string): string | null}, body: any}} GateResponse
 */

/**
 * GateRequest describes one API call.
 * @typedef {object} GateRequest
 * @property {string} [method] default GET
 * @property {string} path starting with "/", joined to apiBase
 * @property {unknown} [body] sent as JSON when present
 * @property {Record<string, string>} [headers] extra headers; Authorization and Idempotency-Key are the gate's
 * @property {boolean} [write] binds the call to the current identity; always true for POST/PUT/PATCH/DELETE
 */

/**
 * TokenInfo is a token the app has confirmed with GET /v1/me.
 * @typedef {object} TokenInfo
 * @property {string} token
 * @property {string} kind 'legal-entity' | 'user'
 * @property {string} [uid] user tokens only
 * @property {number} expiresAt ms epoch, server clock
 * @property {number} serverTime ms epoch, server clock, when /v1/me answered
 * @property {number} [receivedAt] ms epoch, browser clock, when that answer arrived; default now
 */

/**
 * @typedef {{kind: string, uid: string}} Identity
 */

/**
 * @typedef {object} TokenGateOptions
 * @property {FetchLike} fetch
 * @property {string} [apiBase] prefix of every path, e.g. "https://planner.example"; default "" (same origin)
 * @property {Clock} [clock] default Date.now and the global timers
 * @property {(info: {kind: string | null}) => void} postTokenExpired asks the host for a token; kind is
 *   the kind wanted (null when the planner never had a token)
 * @property {(state: GateState) => void} [onState] called on each state change
 * @property {(reason: string, message: string) => void} [onAuthFailure] the current token was refused
 *   (invalid_token, missing_token); reported once per token
 * @property {number} [holdDeadlineMs] a held call fails after this long; default 30000
 * @property {number} [maxHeld] held calls beyond this fail at once; default 100
 * @property {readonly number[]} [retryBackoffMs] delays between TokenExpired re-posts while calls wait;
 *   the last repeats; default [2000, 4000, 8000, 15000]
 * @property {() => string} [randomUUID] Idempotency-Key source; default crypto.randomUUID
 * @property {{warn?: (msg: string, data?: Record<string, unknown>) => void}} [logger]
 */

/**
 * @typedef {object} Call
 * @property {number} seq order of creation
 * @property {string} method
 * @property {string} url
 * @property {string | undefined} body JSON
 * @property {Record<string, string>} headers caller headers
 * @property {boolean} write
 * @property {number} epoch identity epoch the call was made in
 * @property {string | undefined} idempotencyKey writes only; same on every attempt
 * @property {number} expiredRetries 401 token_expired answers seen
 * @property {(r: GateResponse) => void} resolve
 * @property {(e: Error) => void} reject
 */

/**
 * @typedef {object} CurrentToken
 * @property {string} token
 * @property {string} kind
 * @property {string} uid
 * @property {number} expiresAt
 * @property {boolean} serverExpired the API answered token_expired for it
 * @property {boolean} rejected the API answered invalid_token / missing_token for it
 */

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * createTokenGate returns the gate all API calls go through.
 * @param {TokenGateOptions} opts
 */
export function createTokenGate({
  fetch: fetchFn,
  apiBase = '',
  clock = systemClock,
  postTokenExpired,
  onState,
  onAuthFailure,
  holdDeadlineMs = 30000,
  maxHeld = 100,
  retryBackoffMs = DEFAULT_BACKOFF,
  randomUUID = () => globalThis.crypto.randomUUID(),
  logger = {},
}) {
  if (typeof fetchFn !== 'function') throw new TypeError('createTokenGate: fetch is required');
  if (typeof postTokenExpired !== 'function') throw new TypeError('createTokenGate: postTokenExpired is required');

  /** @type {CurrentToken | null} */
  let token = null;
  /** @type {Identity | null} */
  let identity = null;
  // epoch changes whenever the identity does (sign-out, another user, first
  // token); a write replays only within the epoch it was made in.
  let epoch = 0;
  /** @type {string | null} kind to ask for in TokenExpired */
  let wantedKind = null;
  const serverClock = createServerClock(clock);
  let seq = 0;
  /** @type {ReturnType<typeof createHoldQueue<Call>>} */
  const held = createHoldQueue({
    clock,
    deadlineMs: holdDeadlineMs,
    max: maxHeld,
    onTimeout: (/** @type {Call} */ call) => {
      failed = true;
      call.reject(new GateError('hold_timeout'));
      if (held.length === 0) episode.end();
      updateState();
    },
  });
  const episode = createExpiryEpisode({
    clock,
    backoffMs: retryBackoffMs,
    ask: askForToken,
    settled: () => held.length === 0 || usable(),
  });
  let failed = false;
  let closed = false;
  /** @type {GateState} */
  let state = 'ok';

  const serverNow = serverClock.now;

  function usable() {
    return token !== null && !token.serverExpired && !token.rejected && isFresh(token.expiresAt, serverNow());
  }

  /**
   * @param {string} what
   * @param {() => void} fn
   */
  function safely(what, fn) {
    logSafely(logger, `token gate: ${what} callback`, fn);
  }

  function updateState() {
    /** @type {GateState} */
    const next = held.length > 0 ? 'waiting' : failed ? 'failed' : 'ok';
    if (next === state) return;
    state = next;
    if (onState) safely('onState', () => onState(next));
  }

  function askForToken() {
    const kind = token?.kind ?? wantedKind;
    safely('postTokenExpired', () => postTokenExpired({ kind }));
  }

  /**
   * @param {Call} call
   * @param {GateErrorCode} code
   */
  function fail(call, code) {
    call.reject(new GateError(code));
  }

  /**
   * hold queues a call (in creation order) until a usable token arrives; over
   * the bound it fails at once.
   * @param {Call} call
   */
  function hold(call) {
    if (held.add(call)) return;
    failed = true;
    fail(call, 'queue_full');
  }

  /** pump releases held calls when the token is usable, otherwise makes sure the host was asked. */
  function pump() {
    if (closed) return;
    if (!usable()) {
      if (held.length > 0) episode.start();
      else episode.end();
      updateState();
      return;
    }
    episode.end();
    for (const call of held.drain()) {
      if (call.write && call.epoch !== epoch) {
        fail(call, 'identity_changed');
        continue;
      }
      void send(call);
    }
    updateState();
  }

  /**
   * send performs one attempt of call with the current (usable) token.
   * @param {Call} call
   */
  async function send(call) {
    const used = /** @type {CurrentToken} */ (token);
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json' };
    for (const [k, v] of Object.entries(call.headers)) {
      const lk = k.toLowerCase();
      if (lk !== 'authorization' && lk !== 'idempotency-key') headers[k] = v;
    }
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    headers.Authorization = `Bearer ${used.token}`;
    if (call.idempotencyKey !== undefined) headers['Idempotency-Key'] = call.idempotencyKey;

    /** @type {ResponseLike} */
    let res;
    /** @type {any} */
    let body = null;
    try {
      /** @type {{method: string, headers: Record<string, string>, body?: string}} */
      const init = { method: call.method, headers };
      if (call.body !== undefined) init.body = call.body;
      res = await fetchFn(call.url, init);
      serverClock.checkDate(res.headers, clock.now());
      const text = await res.text();
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = null; // e.g. a proxy's HTML error page
        }
      }
    } catch (err) {
      call.reject(new GateError('network', undefined, { cause: err }));
      return;
    }
    /** @type {GateResponse} */
    const response = { status: res.status, headers: res.headers, body };
    if (res.status === 401) {
      const code = typeof body?.error?.code === 'string' ? body.error.code : '';
      if (code === 'token_expired') {
        // The API's clock disagrees with our view of this token: stop using it.
        if (token === used) used.serverExpired = true;
        if (call.expiredRetries >= 1) {
          failed = true;
          updateState();
          call.resolve(response);
          return;
        }
        if (closed) {
          call.reject(new GateError('closed'));
          return;
        }
        call.expiredRetries++;
        hold(call);
        pump();
        return;
      }
      // invalid_token, missing_token or unknown: report once per token, never retry.
      if (token === used && !used.rejected) {
        used.rejected = true;
        failed = true;
        const message = typeof body?.error?.message === 'string' ? body.error.message : '';
        if (onAuthFailure) safely('onAuthFailure', () => onAuthFailure(code || 'invalid_token', message));
      }
      updateState();
    }
    call.resolve(response);
  }

  /**
   * request sends one API call, holding it while there is no usable token.
   * @param {GateRequest} req
   * @returns {Promise<GateResponse>}
   */
  function request({ method = 'GET', path, body, headers = {}, write = false }) {
    return new Promise((resolve, reject) => {
      const m = String(method).toUpperCase();
      // A path like "//evil.example/x" or "https://..." would send the token elsewhere.
      if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.includes('\\')) {
        reject(new TypeError(`token gate: path must start with a single "/", got ${JSON.stringify(path)}`));
        return;
      }
      if (closed) {
        reject(new GateError('closed'));
        return;
      }
      const isWrite = write || WRITE_METHODS.has(m);
      /** @type {Call} */
      const call = {
        seq: ++seq,
        method: m,
        url: apiBase.replace(/\/+$/, '') + path,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: { ...headers },
        write: isWrite,
        epoch,
        idempotencyKey: isWrite ? randomUUID() : undefined,
        expiredRetries: 0,
        resolve,
        reject,
      };
      if (token !== null && token.rejected) {
        failed = true;
        call.reject(new GateError('auth_failed'));
        updateState();
        return;
      }
      if (held.length === 0 && usable()) {
        void send(call);
        return;
      }
      hold(call);
      pump();
    });
  }

  /**
   * setToken installs a token the app confirmed with /v1/me and releases held
   * calls. It returns false (and keeps waiting) when the token is already
   * expired by the server's clock.
   * @param {TokenInfo} info
   * @returns {boolean}
   */
  function setToken({ token: tok, kind, uid = '', expiresAt, serverTime, receivedAt }) {
    if (typeof tok !== 'string' || tok === '') throw new TypeError('setToken: token must be a non-empty string');
    if (typeof kind !== 'string' || kind === '') throw new TypeError('setToken: kind is required');
    if (!Number.isFinite(expiresAt) || !Number.isFinite(serverTime)) {
      throw new TypeError('setToken: expiresAt and serverTime must be ms epoch numbers');
    }
    if (closed) return false;
    serverClock.sync(serverTime, receivedAt);
    if (!isFresh(expiresAt, serverTime)) {
      logger.warn?.('token gate: ignoring a token that is already expired', { kind, expiresAt, serverTime });
      pump();
      return false;
    }
    const u = uid ?? '';
    if (!identity || identity.kind !== kind || identity.uid !== u) {
      identity = { kind, uid: u };
      epoch++;
    }
    token = { token: tok, kind, uid: u, expiresAt, serverExpired: false, rejected: false };
    wantedKind = kind;
    failed = false;
    pump();
    return true;
  }

  /**
   * logout forgets the token and the identity. Held writes fail at once with
   * identity_changed; held reads wait for the next token (usually the
   * legal-entity token the app sets right after).
   */
  function logout() {
    token = null;
    wantedKind = 'legal-entity';
    if (identity !== null) {
      identity = null;
      epoch++;
    }
    for (const call of held.removeWhere((c) => c.write)) fail(call, 'identity_changed');
    pump();
  }

  /** destroy fails every held call with 'closed' and stops all timers. */
  function destroy() {
    if (closed) return;
    closed = true;
    episode.end();
    for (const call of held.drain()) fail(call, 'closed');
    updateState();
  }

  return {
    request,
    setToken,
    logout,
    destroy,
    /** currentToken returns the token string while it is usable, else null (e.g. for the live channel). */
    currentToken() { return usable() ? /** @type {CurrentToken} */ (token).token : null; },
    /** serverNow is the browser's estimate of the server clock, ms epoch. */
    serverNow,
    /** @returns {GateState} */
    get state() { return state; },
    /** heldCount is the number of calls waiting for a token. */
    get heldCount() { return held.length; },
    /** identity is who the current token speaks for, or null after logout / before the first token. */
    get identity() { return identity ? { ...identity } : null; },
    /** clockOffsetMs is server clock minus browser clock. */
    get clockOffsetMs() { return serverClock.offsetMs; },
  };
}

/** @typedef {ReturnType<typeof createTokenGate>} TokenGate */
