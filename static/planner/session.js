// session.js: who the planner speaks for.
//
// Tokens: a token posted by the host is checked with GET /v1/me before the
// gate may use it. It must belong to this page's distribution and be of the
// kind its event announces. Token messages are applied in arrival order: a
// slow check never installs a token after a later Logout or token.
// A TokenRefreshed whose claims (token-claims.js) renew the identity already
// checked (same kind, retailer and user, not expired) is installed at once:
// the API verifies its signature on every call, so asking /v1/me would only
// add a round trip to every expiry episode while calls wait.
//
// Identity epoch: every accepted token whose identity (kind + uid) differs
// from the previous one, and every Logout, starts a new epoch. Answers to
// reads made in an older epoch are dropped, so one visitor's projects never
// reach the screen of the next; writes are bound to their epoch by the gate.

import { tokenInfoFromMe, verifyToken } from './api.js';
import { isFresh } from './server-clock.js';
import { readClaims } from './token-claims.js';

/**
 * @typedef {import('./api.js').Me} Me
 * @typedef {import('./api.js').TokenKind} TokenKind
 * @typedef {import('./app.js').Identity} Identity
 * @typedef {import('./clock.js').Clock} Clock
 * @typedef {import('./protocol.js').PlannerEvent} PlannerEvent
 * @typedef {import('./status.js').Status} Status
 * @typedef {import('./status.js').StatusFacts} StatusFacts
 * @typedef {import('./token-gate.js').FetchLike} FetchLike
 * @typedef {import('./token-gate.js').TokenGate} TokenGate
 */

/**
 * TokenVia is the host message that carried a token.
 * @typedef {'Authentication' | 'Login' | 'TokenRefreshed'} TokenVia
 */

/**
 * Accepted is what the session tells the rest of the shell after it installed
 * a token; early is what prefetch returned for that token, if it was asked.
 * @typedef {{identity: Identity, first: boolean, changed: boolean, early?: unknown}} Accepted
 */

/**
 * SessionContext is what createSession needs.
 * @typedef {object} SessionContext
 * @property {{distribution: string, retailerName: string}} config
 * @property {string} apiBase
 * @property {FetchLike} fetch asks /v1/me about tokens
 * @property {Clock} clock
 * @property {TokenGate} gate gets every accepted token
 * @property {{setToken: (token: string, identity: Identity) => void, logout: () => void} | null} live
 *   the live channel, which authenticates with every accepted token
 * @property {(event: PlannerEvent, content: unknown) => boolean} post posts to the host
 * @property {Pick<Status, 'render' | 'showAlert'>} status
 * @property {(key: string, ...args: (string | number)[]) => string} tr text in the current locale
 * @property {() => string} retailerName
 * @property {() => boolean} isDestroyed
 * @property {number} authRequiredAfterMs AuthenticationRequired is posted when no token was accepted
 *   this long after the session started
 * @property {() => void} clearUserData drops the visitor's projects (a new identity epoch began)
 * @property {() => void} identityChanged tells the editor who is signed in now
 * @property {(accepted: Accepted) => void} accepted reloads what the new token may see
 * @property {(token: string) => unknown} [prefetch] called with a token before any was accepted, as its
 *   check starts, to read in parallel with it what the first acceptance will load; the result comes
 *   back in Accepted.early if that token is accepted first, and is dropped otherwise
 */

/**
 * createSession starts waiting for the host's token; AuthenticationRequired
 * is posted if none is accepted within authRequiredAfterMs.
 * @param {SessionContext} ctx
 */
export function createSession({
  config, apiBase, fetch: fetchFn, clock, gate, live, post, status, tr, retailerName, isDestroyed,
  authRequiredAfterMs, clearUserData, identityChanged, accepted, prefetch,
}) {
  /** @type {Identity | null} who the last accepted token speaks for; survives expiry, not Logout */
  let current = null;
  /** @type {Me | null} what /v1/me said of the identity in use; null after Logout */
  let checked = null;
  let everAccepted = false;
  let signedOut = false;
  // connectError: the last token was refused while none is accepted (status line).
  let connectError = false;
  // epoch changes with the identity; async answers of an older epoch are dropped.
  let epoch = 0;
  // Token messages and Logouts are numbered; a token is installed only if no
  // later one (or Logout) was applied first.
  let messageSeq = 0;
  let appliedSeq = 0;
  let verifying = 0;
  /** @type {Array<() => void>} */
  let settleWaiters = [];
  let authRequiredDue = false;
  let authRequiredPosted = false;
  /** @type {unknown} */
  let authTimer = clock.setTimeout(() => {
    authTimer = null;
    authRequiredDue = true;
    maybePostAuthenticationRequired();
  }, authRequiredAfterMs);

  /**
   * expectedKind is the kind a token message must carry; null accepts either.
   * A TokenRefreshed renews the kind in use; after Logout that is the
   * anonymous kind; before any token, either.
   * @param {TokenVia} via
   * @returns {TokenKind | null}
   */
  function expectedKind(via) {
    if (via === 'Authentication') return 'legal-entity';
    if (via === 'Login') return 'user';
    return current?.kind ?? (signedOut ? 'legal-entity' : null);
  }

  /**
   * accept checks a token from the host and installs it in the gate.
   * @param {string} token
   * @param {TokenVia} via
   */
  async function accept(token, via) {
    const seq = ++messageSeq;
    const wanted = expectedKind(via);
    const renewed = renewal(token, via);
    if (renewed !== null) {
      install(token, renewed, clock.now(), seq, undefined);
      return;
    }
    // Before the first acceptance, what it will load is read with this token
    // while /v1/me checks it: one round trip instead of two.
    const early = everAccepted || !prefetch ? undefined : prefetch(token);
    verifying++;
    try {
      const outcome = await check(token, wanted);
      if (isDestroyed()) return;
      if (!outcome.ok) {
        refuse(wanted ?? outcome.kind ?? 'legal-entity', outcome.reason, outcome.message);
        return;
      }
      const { me, receivedAt } = outcome;
      if (seq <= appliedSeq) {
        // A later token or a Logout was applied while this one was checked.
        refuse(me.kind, 'superseded', 'A later sign-in or sign-out replaced this token.');
        return;
      }
      install(token, me, receivedAt, seq, early);
    } finally {
      verifying--;
      if (verifying === 0) {
        const waiters = settleWaiters;
        settleWaiters = [];
        for (const w of waiters) w();
        maybePostAuthenticationRequired();
      }
    }
  }

  /**
   * renewal returns what /v1/me would say of a TokenRefreshed that renews
   * the identity in use, read from its claims, or null when only /v1/me can
   * tell: a token being checked (arrival order), no identity, a token that is
   * not a JWT, of another kind, user or retailer, or expired.
   * @param {string} token
   * @param {TokenVia} via
   * @returns {Me | null}
   */
  function renewal(token, via) {
    if (via !== 'TokenRefreshed' || verifying > 0 || current === null || checked === null) return null;
    const c = readClaims(token);
    if (c === null || c.kind !== current.kind || c.uid !== current.uid || c.le !== checked.retailer.id) return null;
    const now = gate.serverNow();
    if (!isFresh(c.exp, now)) return null;
    return { ...checked, expiresAt: new Date(c.exp).toISOString(), serverTime: new Date(now).toISOString() };
  }

  /**
   * check asks /v1/me about a token and checks distribution and kind.
   * @param {string} token
   * @param {TokenKind | null} wanted
   * @returns {Promise<{ok: true, me: Me, receivedAt: number} |
   *   {ok: false, kind?: TokenKind, reason: string, message: string}>}
   */
  async function check(token, wanted) {
    /** @type {Me} */
    let me;
    try {
      me = await verifyToken(fetchFn, apiBase, token);
    } catch (err) {
      const e = /** @type {{code?: unknown, message?: unknown}} */ (err ?? {});
      return {
        ok: false,
        reason: typeof e.code === 'string' ? e.code : 'network',
        message: typeof e.message === 'string' && e.message !== '' ? e.message : 'The token could not be checked.',
      };
    }
    const receivedAt = clock.now();
    if (me.retailer.distributionId !== config.distribution) {
      return {
        ok: false, kind: me.kind, reason: 'wrong_distribution',
        message: `This token was issued for another planner than ${config.retailerName || 'the shop'}'s.`,
      };
    }
    if (wanted !== null && me.kind !== wanted) {
      return {
        ok: false, kind: me.kind, reason: 'wrong_kind',
        message: `Expected a ${wanted} token, got a ${me.kind} token.`,
      };
    }
    return { ok: true, me, receivedAt };
  }

  /**
   * refuse answers a token message that was not accepted.
   * @param {TokenKind} kind
   * @param {string} reason
   * @param {string} message
   */
  function refuse(kind, reason, message) {
    post(kind === 'user' ? 'LoginFailed' : 'AuthenticationFailed', { reason, message });
    if (reason === 'superseded') return; // nothing went wrong for the visitor
    if (current === null) connectError = true;
    status.showAlert(kind === 'user' ? tr('aLogin', message) : tr('aConnect', retailerName(), message));
    status.render();
  }

  /**
   * install hands a checked token to the gate and updates the screen.
   * @param {string} token
   * @param {Me} me
   * @param {number} receivedAt
   * @param {number} seq
   * @param {unknown} early what prefetch returned for this token
   */
  function install(token, me, receivedAt, seq, early) {
    if (!gate.setToken(tokenInfoFromMe(token, me, receivedAt))) {
      refuse(me.kind, 'token_expired', 'The token had already expired.');
      return;
    }
    appliedSeq = seq;
    checked = me;
    /** @type {Identity} */
    const identity = { kind: me.kind, uid: me.kind === 'user' ? me.uid ?? '' : '' };
    const changed = current === null || current.kind !== identity.kind || current.uid !== identity.uid;
    const first = !everAccepted;
    everAccepted = true;
    signedOut = false;
    connectError = false;
    current = identity;
    live?.setToken(token, identity);
    if (authTimer !== null) {
      clock.clearTimeout(authTimer);
      authTimer = null;
    }
    if (changed) {
      epoch++;
      clearUserData();
    }
    /** @type {{kind: TokenKind, uid?: string, expiresAt: string}} */
    const content = { kind: me.kind, expiresAt: me.expiresAt };
    if (identity.kind === 'user') content.uid = identity.uid;
    post(identity.kind === 'user' ? 'LoginSucceeded' : 'AuthenticationSucceeded', content);
    status.render();
    if (changed) identityChanged();
    accepted(first && early !== undefined ? { identity, first, changed, early } : { identity, first, changed });
  }

  /** logout drops the token and every trace of the visitor at once. */
  function logout() {
    appliedSeq = ++messageSeq;
    gate.logout();
    live?.logout();
    current = null;
    checked = null;
    signedOut = true;
    connectError = false;
    epoch++;
    clearUserData();
    // An alert could name something of the visitor's (a project, an error about it).
    status.showAlert(null);
    identityChanged();
    status.render();
  }

  function maybePostAuthenticationRequired() {
    if (!authRequiredDue || authRequiredPosted || everAccepted || verifying > 0 || isDestroyed()) return;
    authRequiredPosted = true;
    post('AuthenticationRequired', {});
    status.render();
  }

  return {
    accept,
    logout,

    /**
     * settled resolves once no token is being checked, so a LoadProject sent
     * right after Login is answered for the new identity.
     * @returns {Promise<void>}
     */
    settled() {
      if (verifying === 0) return Promise.resolve();
      return new Promise((resolve) => settleWaiters.push(resolve));
    },

    /** identity is who the last accepted token speaks for (a copy), null after Logout or before any. */
    identity: () => (current ? { ...current } : null),
    /** isUser tells whether a signed-in user (not the anonymous kind) is the identity. */
    isUser: () => current?.kind === 'user',
    /** kind is the kind of the identity, null when there is none. */
    kind: () => current?.kind ?? null,
    /** epoch is the identity epoch: it changes whenever the identity does. */
    get epoch() { return epoch; },

    /** @returns {StatusFacts} */
    facts: () => ({ identity: current, signedOut, connectError, authRequiredPosted }),

    /** destroy stops waiting for a token. */
    destroy() {
      if (authTimer !== null) clock.clearTimeout(authTimer);
      authTimer = null;
    },
  };
}

/** @typedef {ReturnType<typeof createSession>} Session */
