// live.js: the planner's client of the live channel (/ws?d=<distribution>).
//
// The client connects once the app has a first valid token, authenticates
// in-band ({"type":"authenticate","payload":{"token"}}) and subscribes to the
// catalog and, for a user token, to the user's projects. Every new token the
// app installs is sent again on the same socket. When the server says
// tokenExpired the client tells the app (which asks the host through the
// token gate's single TokenExpired path) and waits for the next token; the
// server holds the private events meanwhile and replays them, or answers
// resync, after the new authenticate.
//
// The server answers authenticate messages in order, so the client keeps the
// tokens it sent in a queue and pairs each answer with its token: an answer
// speaks for that token's identity, and tokenExpired is about the last
// accepted token, not the newest one sent. Project events reach the app only
// while the socket speaks for the app's current identity; a socket still
// speaking for the previous user after a refused switch is closed. A dropped socket is reopened with
// exponential backoff and jitter; after a reconnect the app is told to
// resync, since events may have been missed while the socket was down.
//
// Pure logic: the WebSocket constructor, clock and random source are
// injected, so node --test runs it with fakes.

import { systemClock } from './clock.js';
import { safely as logSafely } from './log.js';

/**
 * BACKOFF_BASE_MS and BACKOFF_MAX_MS bound the reconnect delay:
 * min(max, base · 2^attempt), of which a random half is jitter.
 */
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 30000;

/**
 * SocketLike is the part of the browser's WebSocket the client uses.
 * @typedef {object} SocketLike
 * @property {number} readyState 0 connecting, 1 open, 2 closing, 3 closed
 * @property {(data: string) => void} send
 * @property {(code?: number, reason?: string) => void} close
 * @property {((ev: any) => void) | null} onopen
 * @property {((ev: any) => void) | null} onmessage receives {data}
 * @property {((ev: any) => void) | null} onclose receives {code, reason}
 * @property {((ev: any) => void) | null} onerror
 *
 * The handlers take any: the DOM's take Event subtypes, which a narrower
 * type here would not accept (parameters are contravariant).
 */

/**
 * SocketConstructor is window.WebSocket or a fake.
 * @typedef {new (url: string) => SocketLike} SocketConstructor
 */

/**
 * @typedef {import('./clock.js').Clock} Clock
 */

/**
 * LiveEvent is the payload of an event message: what changed, never the
 * document (the app fetches it through the API).
 * @typedef {object} LiveEvent
 * @property {'projects' | 'catalog'} topic
 * @property {string} event project.created | project.updated | project.deleted | product.updated | catalog.imported
 * @property {string} [id] the project (or product) id
 * @property {number} [version] the project's version after the change (the deleted one for project.deleted)
 * @property {string} [name] the project's name
 */

/**
 * Identity is who a token speaks for; uid is "" for legal-entity tokens.
 * @typedef {{kind: string, uid: string}} Identity
 */

/**
 * LiveState: idle (no token yet, signed out, or the server refused a
 * switch to another identity: waiting for the next token), connecting, open
 * (authenticated), expired (the server said tokenExpired; waiting for a new
 * token), waiting (reconnect scheduled after a drop).
 * @typedef {'idle' | 'connecting' | 'open' | 'expired' | 'waiting' | 'closed'} LiveState
 */

/**
 * @typedef {object} LiveOptions
 * @property {string} url the live channel's URL with ?d=<distribution>
 * @property {SocketConstructor} WebSocket
 * @property {Clock} [clock] default Date.now and the global timers
 * @property {() => number} [random] in [0, 1); default Math.random (jitter only)
 * @property {(ev: LiveEvent) => void} onEvent a change to follow
 * @property {(why: 'reconnected' | 'resubscribed' | 'server') => void} onResync events may have been missed: refetch what is shown
 * @property {() => void} onTokenExpired the server says the token expired; the app asks for a new one
 * @property {(state: LiveState) => void} [onState]
 * @property {{warn?: (msg: string, data?: Record<string, unknown>) => void}} [logger]
 */

/**
 * liveURL returns the live channel's URL for a distribution: the page's
 * liveUrl (ws[s]://host/ws) with ?d= set.
 * @param {string} base
 * @param {string} distribution
 * @returns {string}
 */
export function liveURL(base, distribution) {
  const u = new URL(base);
  u.searchParams.set('d', distribution);
  return u.toString();
}

/**
 * createLiveClient returns the live channel client. It does nothing until
 * setToken is called.
 * @param {LiveOptions} opts
 */
export function createLiveClient({
  url,
  WebSocket: Socket,
  clock = systemClock,
  random = Math.random,
  onEvent,
  onResync,
  onTokenExpired,
  onState,
  logger = {},
}) {
  if (typeof Socket !== 'function') throw new TypeError('createLiveClient: WebSocket is required');

  /** @type {{token: string, identity: Identity} | null} the newest token; null before the first and after logout */
  let current = null;
  /** @type {SocketLike | null} */
  let ws = null;
  /** @type {Identity | null} identity the socket is authenticated (and subscribed) as */
  let authedAs = null;
  // expiredToken: the current token, once the server said it has expired;
  // it is never sent again (a new socket waits for the next token instead).
  let expiredToken = '';
  /** @type {Array<{token: string, identity: Identity}>} authenticates sent on this socket and not yet answered, oldest first */
  let unanswered = [];
  // acceptedToken: the token of the last authenticate the server accepted
  // on this socket; the one a tokenExpired is about.
  let acceptedToken = '';
  // resubscribe: the server refused a subscribe on this socket because the
  // token ran out between its authenticated and the subscribe; the next
  // accepted token subscribes again (the same user's re-authenticate would
  // otherwise leave the socket following nothing, with no resync).
  let resubscribe = false;
  let attempt = 0;
  // everOpened: a socket of this client authenticated before, so a new one
  // follows a drop and the app must resync.
  let everOpened = false;
  /** @type {unknown} */
  let retryTimer = null;
  let destroyed = false;
  /** @type {LiveState} */
  let state = 'idle';

  /** @param {LiveState} next */
  function setState(next) {
    if (next === state) return;
    state = next;
    if (onState) safely('onState', () => onState(next));
  }

  /**
   * @param {string} what
   * @param {() => void} fn
   */
  function safely(what, fn) {
    logSafely(logger, `live: ${what} callback`, fn);
  }

  /** @param {unknown} msg */
  function send(msg) {
    if (ws === null || ws.readyState !== 1) return false;
    try {
      ws.send(JSON.stringify(msg));
      return true;
    } catch (err) {
      logger.warn?.('live: send failed', { error: String(err) });
      return false;
    }
  }

  function authenticate() {
    if (current === null || current.token === expiredToken) return;
    const { token, identity } = current;
    if (send({ type: 'authenticate', payload: { token } })) unanswered.push({ token, identity: { ...identity } });
  }

  /**
   * tokenRanOut handles the server's word that token has expired. Only the
   * current token is marked: an older one's expiry (its timer fired while a
   * newer token was on its way, or a late answer) says nothing about the
   * newer token, and the app has nothing to ask for.
   * @param {string} token
   */
  function tokenRanOut(token) {
    if (current === null || token === '' || token !== current.token) return;
    expiredToken = token;
    setState('expired');
    safely('onTokenExpired', () => onTokenExpired());
  }

  /** @param {Identity} a @param {Identity} b */
  function sameIdentity(a, b) {
    return a.kind === b.kind && a.uid === b.uid;
  }

  function connect() {
    if (destroyed || current === null || ws !== null) return;
    clearRetry();
    /** @type {SocketLike} */
    let sock;
    try {
      sock = new Socket(url);
    } catch (err) {
      logger.warn?.('live: could not open the socket', { error: String(err) });
      scheduleReconnect();
      return;
    }
    ws = sock;
    authedAs = null;
    unanswered = [];
    acceptedToken = '';
    resubscribe = false;
    setState('connecting');
    sock.onopen = () => {
      if (ws !== sock) return;
      authenticate();
    };
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      onMessage(ev.data);
    };
    sock.onerror = () => {
      // onclose follows and decides.
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null;
      authedAs = null;
      if (destroyed || current === null) return;
      logger.warn?.('live: socket closed', { code: ev?.code, reason: ev?.reason });
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (destroyed || current === null || retryTimer !== null) return;
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
    // Equal jitter: half fixed, half random, so a server restart is not
    // answered by every planner at once.
    const delay = cap / 2 + random() * (cap / 2);
    attempt++;
    setState('waiting');
    retryTimer = clock.setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  }

  function clearRetry() {
    if (retryTimer !== null) clock.clearTimeout(retryTimer);
    retryTimer = null;
  }

  /** @param {unknown} data */
  function onMessage(data) {
    /** @type {any} */
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      logger.warn?.('live: ignoring a message that is not JSON');
      return;
    }
    const p = msg && typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : {};
    switch (msg?.type) {
      case 'authenticated': {
        const answered = unanswered.shift();
        if (current === null || answered === undefined) return;
        // The answer speaks for the token it answers, which may be older
        // than current (a newer authenticate is still on its way).
        const identity = answered.identity;
        acceptedToken = answered.token;
        const reconnected = authedAs === null && everOpened;
        const switched = authedAs !== null && !sameIdentity(authedAs, identity);
        const first = authedAs === null;
        authedAs = { ...identity };
        attempt = 0;
        everOpened = true;
        setState('open');
        // The server keeps a same-user socket's subscriptions and drops
        // another user's: subscribe on a fresh socket or a new identity,
        // and again after a subscribe refused as token_expired.
        // Events published while the refused topic was not followed are
        // lost, so the app refetches what it shows.
        const again = resubscribe && !switched;
        if (first || switched || resubscribe) {
          resubscribe = false;
          send({ type: 'subscribe', payload: { topic: 'catalog' } });
          if (identity.kind === 'user') send({ type: 'subscribe', payload: { topic: 'projects' } });
        }
        if (reconnected) safely('onResync', () => onResync('reconnected'));
        else if (again) safely('onResync', () => onResync('resubscribed'));
        return;
      }
      case 'tokenExpired':
        tokenRanOut(acceptedToken);
        return;
      case 'resync':
        safely('onResync', () => onResync('server'));
        return;
      case 'event':
        if (typeof p.topic !== 'string' || typeof p.event !== 'string') return;
        // Project events are the socket's identity's: until the server has
        // accepted the app's current identity (a switch on its way) they
        // are the previous user's, never to be acted on as the new one's.
        if (p.topic === 'projects' && (current === null || authedAs === null || !sameIdentity(authedAs, current.identity))) return;
        safely('onEvent', () => onEvent(/** @type {LiveEvent} */ (p)));
        return;
      case 'error': {
        if (p.request === 'subscribe' && p.code === 'token_expired') {
          // The token ran out before the subscribe was read: tokenExpired
          // is on its way (or here) and the next token subscribes again.
          resubscribe = true;
          return;
        }
        if (p.request !== 'authenticate') {
          logger.warn?.('live: the server refused a message', { code: p.code, request: p.request, message: p.message });
          return;
        }
        const answered = unanswered.shift();
        if (answered === undefined) return;
        if (p.code === 'token_expired') {
          // The token we sent had run out already: the same as tokenExpired.
          tokenRanOut(answered.token);
          return;
        }
        // invalid_token, forbidden, ...: reported, never looped on.
        logger.warn?.('live: the server refused a message', { code: p.code, request: p.request, message: p.message });
        if (authedAs !== null && !sameIdentity(authedAs, answered.identity)) refusedSwitch(answered.token);
        return;
      }
      default:
        // subscribed / unsubscribed and anything newer: nothing to do.
    }
  }

  /**
   * refusedSwitch closes a socket that still speaks for the previous
   * identity because the server refused the new one's token (a failed
   * authenticate changes nothing on the socket): its subscriptions would
   * keep delivering the previous user's events. A newer token already on
   * its way goes on a fresh socket at once; otherwise the next setToken
   * opens one, so a refused token is never retried in a loop.
   * @param {string} refused
   */
  function refusedSwitch(refused) {
    const sock = ws;
    ws = null;
    authedAs = null;
    unanswered = [];
    acceptedToken = '';
    if (sock) safely('close', () => sock.close(1000, 'identity refused'));
    setState('idle');
    if (current !== null && current.token !== refused) connect();
  }

  /**
   * setToken makes token the socket's identity: it opens the socket on the
   * first call and re-authenticates on later ones.
   * @param {string} token
   * @param {Identity} identity
   */
  function setToken(token, identity) {
    if (destroyed) return;
    if (typeof token !== 'string' || token === '') throw new TypeError('live.setToken: token must be a non-empty string');
    current = { token, identity: { kind: identity.kind, uid: identity.uid ?? '' } };
    if (ws === null) {
      if (retryTimer === null) connect();
      // A scheduled reconnect keeps its backoff; it will use this token.
      return;
    }
    if (ws.readyState === 1) authenticate();
  }

  /**
   * logout closes the socket: the server has no "sign out", and a new
   * socket carries none of the previous user's subscriptions. The next
   * setToken opens a fresh one.
   */
  function logout() {
    current = null;
    expiredToken = '';
    unanswered = [];
    acceptedToken = '';
    clearRetry();
    attempt = 0;
    everOpened = false;
    const sock = ws;
    ws = null;
    authedAs = null;
    if (sock) safely('close', () => sock.close(1000, 'signed out'));
    setState('idle');
  }

  /** destroy closes the socket for good. */
  function destroy() {
    if (destroyed) return;
    logout();
    destroyed = true;
    setState('closed');
  }

  return {
    setToken,
    logout,
    destroy,
    /** @returns {LiveState} */
    get state() { return state; },
  };
}

/** @typedef {ReturnType<typeof createLiveClient>} LiveClient */
