// tokens.js: the tokens the SDK hands the planner. They come only from the
// host's getToken() (its own backend, typically its BFF); this module asks
// for them, checks them and decides which command installs them:
//
//  - the planner's own need (start, AuthenticationRequired, TokenExpired, a
//    reloaded planner page) is met by one getToken() call however often it
//    asks (single-flight), retried with capped backoff when it fails;
//  - the first call is made as soon as the planner is mounted, while its page
//    loads, so the token is posted the moment Ready arrives instead of one
//    round trip later; an answer that came before Ready is kept at most
//    EARLY_TOKEN_MAX_AGE_MS (or half its remaining lifetime) and then dropped,
//    so a slow handshake gets a fresh token at Ready as it always did;
//  - a TokenExpired is answered with TokenRefreshed when the kind did not
//    change, with Login when the visitor signed in elsewhere, and with Logout
//    then Authentication when they signed out elsewhere;
//  - login() and logout() fetch their own token: each starts a new
//    generation, and an answer asked for in an older one is stale and never
//    posted, so a slow answer cannot undo a later sign-in or sign-out.
//
// The public methods and the posting itself stay in planner-embed.js, which
// passes what this module needs in a TokenContext.

import { isRecord, isToken } from './limits.js';
import { PlannerError } from './pending.js';
import { describe } from './report.js';

/**
 * @typedef {import('./planner-embed.js').HostToPlannerEvent} HostToPlannerEvent
 * @typedef {import('./planner-embed.js').PlannerOptions} PlannerOptions
 * @typedef {import('./planner-embed.js').TokenKind} TokenKind
 * @typedef {import('./pending.js').Timers} Timers
 * @typedef {{token: string, kind: TokenKind, expiresAt?: string}} Token
 */

/**
 * EARLY_TOKEN_MAX_AGE_MS is how long a token fetched before Ready is kept for
 * it; a handshake slower than that gets a fresh token at Ready.
 */
export const EARLY_TOKEN_MAX_AGE_MS = 30_000;

/**
 * @template T
 * @typedef {import('./pending.js').Pending<T>} Pending
 */

/**
 * TokenContext is what the token hand-off needs from createPlanner.
 * @typedef {object} TokenContext
 * @property {PlannerOptions['getToken']} getToken the host's token source
 * @property {Timers} clock runs the retry backoff
 * @property {number} retryDelayMs first retry delay; doubles on each failure
 * @property {number} maxRetryDelayMs largest retry delay
 * @property {(err: PlannerError) => void} emitError reports an error event to the host
 * @property {(event: HostToPlannerEvent, content: Record<string, unknown>) => void} send posts a token command
 * @property {() => boolean} isReady whether the planner has sent Ready
 * @property {() => boolean} isDestroyed whether destroy() was called
 * @property {() => number} [now] the wall clock that expiresAt is read against; default Date.now
 */

/**
 * createTokens keeps the token side of one planner: the kind last posted, the
 * getToken() call in flight, the retry backoff and the login()/logout()
 * generations.
 * @param {TokenContext} ctx
 */
export function createTokens(ctx) {
  const { getToken, clock, retryDelayMs, maxRetryDelayMs, emitError, send, isReady, isDestroyed, now = Date.now } = ctx;
  /** @type {TokenKind | null} kind of the last token posted; null before any and after Logout */
  let sentKind = null;
  // generation counts login()/logout() calls; a getToken() answer that was
  // asked for in an older generation is stale and never posted, so a slow
  // answer cannot undo a later sign-in or sign-out.
  let generation = 0;
  // explicitFetches counts login()/logout() calls still waiting for getToken();
  // meanwhile the planner's own requests for a token wait for theirs.
  let explicitFetches = 0;
  /** @type {{gen: number} | null} the getToken() call answering the planner, if any (single-flight) */
  let flight = null;
  // refreshWanted: a TokenExpired is waiting for its answer (TokenRefreshed).
  let refreshWanted = false;
  /** @type {unknown} */
  let retryTimer = null;
  let failures = 0;
  /** @type {Token | null} a token fetched before Ready, waiting for it */
  let early = null;
  /** @type {unknown} drops early when it has waited too long */
  let earlyTimer = null;

  /**
   * requestToken answers the planner's need for a token (start, Authentication-
   * Required, TokenExpired) with one getToken() call however often it asks:
   * it joins a call in flight, waits out a retry backoff, and leaves the
   * answer to a login()/logout() that is fetching its own token.
   */
  function requestToken() {
    if (isDestroyed() || !isReady()) return;
    if (explicitFetches > 0 || flight !== null || retryTimer !== null) return;
    const tok = takeEarly();
    if (tok !== null) {
      sendToken(tok);
      return;
    }
    fetchForPlanner();
  }

  /**
   * prefetch makes the first getToken() call before Ready, while the
   * planner's page loads; requestToken posts its answer at Ready.
   */
  function prefetch() {
    if (isDestroyed() || isReady()) return;
    if (explicitFetches > 0 || flight !== null || retryTimer !== null || early !== null) return;
    fetchForPlanner();
  }

  /**
   * keepEarly holds a token that came before Ready, for a limited time: the
   * smaller of EARLY_TOKEN_MAX_AGE_MS and half the lifetime its expiresAt
   * leaves (a token already past half its life is not kept at all).
   * @param {Token} tok
   */
  function keepEarly(tok) {
    let keepMs = EARLY_TOKEN_MAX_AGE_MS;
    const exp = tok.expiresAt === undefined ? NaN : Date.parse(tok.expiresAt);
    if (Number.isFinite(exp)) keepMs = Math.min(keepMs, (exp - now()) / 2);
    if (!(keepMs > 0)) return;
    dropEarly();
    early = tok;
    earlyTimer = clock.start(() => {
      earlyTimer = null;
      early = null;
    }, keepMs);
  }

  /** @returns {Token | null} the token kept for Ready, if any; it is kept no longer */
  function takeEarly() {
    const tok = early;
    dropEarly();
    return tok;
  }

  function dropEarly() {
    clock.clear(earlyTimer);
    earlyTimer = null;
    early = null;
  }

  function fetchForPlanner() {
    const f = { gen: generation };
    flight = f;
    callGetToken().then((tok) => {
      if (flight === f) flight = null;
      if (isDestroyed() || f.gen !== generation) return;
      failures = 0;
      if (isReady()) sendToken(tok);
      else keepEarly(tok);
    }, (err) => {
      if (flight === f) flight = null;
      if (isDestroyed() || f.gen !== generation) return;
      const delay = Math.min(retryDelayMs * 2 ** failures, maxRetryDelayMs);
      failures++;
      emitError(new PlannerError('token_unavailable',
        `could not get a planner token: ${describe(err)}; retrying in ${Math.round(delay / 100) / 10} s`));
      retryTimer = clock.start(() => {
        retryTimer = null;
        if (!isDestroyed() && f.gen === generation && explicitFetches === 0 && flight === null) fetchForPlanner();
      }, delay);
    });
  }

  /**
   * sendToken posts a token the planner asked for: TokenRefreshed when it is
   * the kind already sent and a TokenExpired is waiting; Logout first when the
   * visitor went from user to anonymous (signed out elsewhere).
   * @param {Token} tok
   */
  function sendToken(tok) {
    const refresh = refreshWanted;
    refreshWanted = false;
    if (sentKind !== null && sentKind === tok.kind) {
      send(refresh ? 'TokenRefreshed' : eventFor(tok.kind), { token: tok.token });
      return;
    }
    if (sentKind === 'user' && tok.kind === 'legal-entity') send('Logout', {});
    send(eventFor(tok.kind), { token: tok.token });
  }

  /**
   * callGetToken calls the host's getToken() once and checks its answer.
   * @returns {Promise<Token>}
   */
  function callGetToken() {
    return new Promise((resolve) => resolve(getToken())).then((v) => {
      if (!isRecord(v)) throw new Error('getToken() did not return an object');
      // Never quote the value: it may be a token.
      if (!isToken(v.token)) throw new Error('getToken() returned no usable token');
      if (v.kind !== 'user' && v.kind !== 'legal-entity') throw new Error('getToken() returned an unknown token kind');
      /** @type {Token} */
      const tok = { token: v.token, kind: v.kind };
      if (typeof v.expiresAt === 'string') tok.expiresAt = v.expiresAt;
      return tok;
    });
  }

  /**
   * afterExplicitFailure: a login()/logout() got no usable token; if the
   * planner holds none from us, fall back to the planner-driven path (with
   * retry backoff) so it is not left waiting.
   */
  function afterExplicitFailure() {
    if (isReady() && sentKind === null) requestToken();
  }

  /**
   * explicitTokenFailed reports a getToken() failure inside login()/logout().
   * @param {Pending<void>} op
   * @param {string} what
   * @param {unknown} err
   */
  function explicitTokenFailed(op, what, err) {
    const e = new PlannerError('token_unavailable', `${what}: could not get a planner token: ${describe(err)}`, { cause: err });
    emitError(e);
    op.reject(e);
    afterExplicitFailure();
  }

  return {
    /** @returns {TokenKind | null} the kind of the last token posted; null before any and after Logout */
    get kind() { return sentKind; },

    /** request answers the planner's need for a token (start, AuthenticationRequired); see requestToken. */
    request: requestToken,

    /** prefetch calls getToken() before Ready, so its answer is ready when Ready arrives; see prefetch. */
    prefetch,

    /** expired answers a TokenExpired: the next token posted is its answer. */
    expired() {
      refreshWanted = true;
      requestToken();
    },

    /** reloaded answers a second Ready: the planner page reloaded and holds no token any more. */
    reloaded() {
      sentKind = null;
      dropEarly();
      requestToken();
    },

    /**
     * posted records a command the planner has been sent: any token answers
     * a waiting TokenExpired ("re-sending Authentication/Login works too").
     * @param {HostToPlannerEvent} event
     */
    posted(event) {
      if (event === 'Login' || event === 'Authentication' || event === 'TokenRefreshed') refreshWanted = false;
      if (event === 'Login') sentKind = 'user';
      else if (event === 'Authentication') sentKind = 'legal-entity';
      else if (event === 'Logout') sentKind = null;
    },

    /**
     * beginExplicit starts a login()/logout(): it supersedes every older token
     * request, including a retry backoff.
     * @returns {number} the new generation
     */
    beginExplicit() {
      generation++;
      explicitFetches++;
      flight = null;
      clock.clear(retryTimer);
      retryTimer = null;
      failures = 0;
      dropEarly();
      return generation;
    },

    /**
     * fetchExplicit calls getToken() for the login()/logout() that began
     * generation gen and hands its answer to use, unless op was settled meanwhile
     * (timeout, destroy()) or a later login()/logout() superseded it: then op is
     * rejected and the answer, stale, is never posted. A failed getToken()
     * rejects op with token_unavailable.
     * @param {Pending<void>} op
     * @param {string} what names the call in error messages
     * @param {number} gen
     * @param {(tok: Token) => void} use
     */
    fetchExplicit(op, what, gen, use) {
      callGetToken().then((tok) => {
        if (stillWanted()) use(tok);
      }, (err) => {
        if (stillWanted()) explicitTokenFailed(op, what, err);
      });
      function stillWanted() {
        explicitFetches--;
        if (op.settled || isDestroyed()) return false;
        if (gen !== generation) {
          op.reject(new PlannerError('superseded', `${what} was superseded by a later login() or logout()`));
          return false;
        }
        return true;
      }
    },

    afterExplicitFailure,

    /** stop clears the retry backoff and forgets the call in flight and any token kept for Ready (destroy(), a failed handshake). */
    stop() {
      clock.clear(retryTimer);
      retryTimer = null;
      flight = null;
      dropEarly();
    },
  };
}

/**
 * eventFor names the command that installs a token of kind.
 * @param {TokenKind} kind
 * @returns {'Login' | 'Authentication'}
 */
function eventFor(kind) {
  return kind === 'user' ? 'Login' : 'Authentication';
}
