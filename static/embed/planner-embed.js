// planner-embed.js: the host SDK. A retailer's page imports it to embed the
// room planner in an iframe and to speak the planner's postMessage protocol
// (the HomeByMe event names: Ready, Authentication, Login, TokenExpired, ...).
//
// Guards before trust: a message is accepted only when event.source is this
// planner's own iframe window, then when it has the envelope shape, then when
// event.origin is exactly the planner's origin (guards.js); everything else is
// dropped and counted. Posts always name that exact origin, never "*". Tokens
// come from the host's getToken() (its own backend) and are never handed to
// onEvent: out-going events are reported with tokens redacted.
//
// This file holds the handshake, the tokens and the public methods. Beside it:
// guards.js (the inbound checks), pending.js (the promises owed to the host
// and their timeouts), limits.js (the envelope limits shared with the
// planner), options.js (createPlanner's options and the iframe) and report.js
// (onEvent records, tokens redacted). The public types live in
// planner-embed.d.ts; this file imports them so tsc checks the implementation
// against what integrators see.

import { guardMessage } from './guards.js';
import { PROTOCOL_VERSION, isCurrency, isLocale, isProjectId, isRecord, isToken, MAX_PROJECT_ID_LENGTH } from './limits.js';
import { createFrame, readOptions } from './options.js';
import { PlannerError, createPendings, destroyedError, timersOf } from './pending.js';
import { createReporter, describe, reasonOf, redact } from './report.js';

export { PROTOCOL_VERSION, PlannerError };

/**
 * @typedef {import('./planner-embed.js').PlannerOptions} PlannerOptions
 * @typedef {import('./planner-embed.js').Planner} Planner
 * @typedef {import('./planner-embed.js').PlannerStats} PlannerStats
 * @typedef {import('./planner-embed.js').HostToPlannerEvent} HostToPlannerEvent
 * @typedef {import('./planner-embed.js').TokenKind} TokenKind
 * @typedef {import('./planner-embed.js').ReadyContent} ReadyContent
 * @typedef {import('./planner-embed.js').ProjectLoaded} ProjectLoaded
 * @typedef {import('./planner-embed.js').Settings} Settings
 */

/**
 * @template T
 * @typedef {import('./pending.js').Pending<T>} Pending
 */

/**
 * Outgoing is a command posted once the planner is Ready. It is skipped when
 * its owner was settled meanwhile (timed out, superseded, handshake failed).
 * @typedef {object} Outgoing
 * @property {HostToPlannerEvent} event
 * @property {Record<string, unknown>} content
 * @property {Pending<any> | undefined} owner
 * @property {(() => void) | undefined} onPosted
 */

/**
 * createPlanner embeds the planner iframe in options.container, listens for
 * its messages and starts the handshake: Ready, then a token from getToken().
 * @param {PlannerOptions} options
 * @returns {Planner}
 */
export function createPlanner(options) {
  const {
    container, doc, win, getToken, onEvent, plannerOrigin, src, frameTitle,
    handshakeTimeoutMs, requestTimeoutMs, retryDelayMs, maxRetryDelayMs, timers,
  } = readOptions(options);

  /** @type {PlannerStats} */
  const stats = {
    received: 0, accepted: 0, dropped: 0, droppedBy: { source: 0, shape: 0, origin: 0 },
    posted: 0, postErrors: 0, handlerErrors: 0,
  };
  let destroyed = false;
  let isReady = false;
  /** @type {string[] | null} */
  let capabilities = null;
  /** @type {TokenKind | null} kind of the last token posted; null before any and after Logout */
  let sentKind = null;
  /** @type {Outgoing[]} commands waiting for Ready */
  let outbox = [];
  const clock = timersOf(timers);
  const owed = createPendings(clock, requestTimeoutMs);
  const { report, emitError } = createReporter(onEvent, stats);
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
  /** @type {unknown} */
  let handshakeTimer = null;

  /** @type {(value: ReadyContent) => void} */
  let resolveReady = () => {};
  /** @type {(err: Error) => void} */
  let rejectReady = () => {};
  let readySettled = false;
  /** @type {Promise<ReadyContent>} */
  const ready = new Promise((resolve, reject) => {
    resolveReady = (v) => { if (!readySettled) { readySettled = true; resolve(v); } };
    rejectReady = (e) => { if (!readySettled) { readySettled = true; reject(e); } };
  });
  // A host that never awaits ready must not get an unhandled rejection.
  ready.catch(() => {});

  const iframe = createFrame(doc, src, frameTitle);
  // Listen before the iframe loads so its Ready cannot be missed.
  win.addEventListener('message', onMessage);
  container.appendChild(iframe);
  handshakeTimer = clock.start(() => {
    handshakeTimer = null;
    if (isReady || destroyed) return;
    failHandshake(new PlannerError('handshake_timeout',
      `the planner at ${plannerOrigin} did not answer within ${handshakeTimeoutMs} ms ` +
      '(check plannerUrl, the distribution id, and that this page\'s origin is registered for it)'));
  }, handshakeTimeoutMs);

  // ---- inbound ----

  /** @param {MessageEvent} ev */
  function onMessage(ev) {
    if (destroyed) return;
    stats.received++;
    try {
      const verdict = guardMessage(ev, iframe.contentWindow, plannerOrigin);
      if (!verdict.ok) return drop(verdict.reason);
      stats.accepted++;
      handle(verdict.event, verdict.content);
    } catch (err) {
      // A hostile or malformed message must never break the host page.
      stats.handlerErrors++;
    }
  }

  /** @param {import('./guards.js').DropReason} reason */
  function drop(reason) {
    stats.dropped++;
    stats.droppedBy[reason]++;
  }

  /**
   * handle acts on one accepted planner event.
   * @param {string} event
   * @param {Record<string, unknown> | undefined} content
   */
  function handle(event, content) {
    // Report first so a host's log shows the cause before the SDK's answer.
    report({ direction: 'in', event, content: content === undefined ? undefined : redact(content) });
    if (destroyed) return; // onEvent may have called destroy()
    switch (event) {
      case 'Ready':
        onReady(content);
        break;
      case 'AuthenticationRequired':
        requestToken();
        break;
      case 'TokenExpired':
        refreshWanted = true;
        requestToken();
        break;
    }
    owed.answer(event, content);
  }

  /** @param {Record<string, unknown> | undefined} content */
  function onReady(content) {
    const protocol = content?.protocol;
    if (protocol !== PROTOCOL_VERSION) {
      const err = new PlannerError('protocol_mismatch',
        `the planner speaks protocol ${JSON.stringify(protocol)}, this SDK speaks ${PROTOCOL_VERSION}; update planner-embed.js`);
      if (isReady) emitError(err);
      else failHandshake(err);
      return;
    }
    const caps = content?.capabilities;
    capabilities = Array.isArray(caps) ? caps.filter((c) => typeof c === 'string') : [];
    if (isReady) {
      // A second Ready: the planner page reloaded inside the iframe and holds
      // no token any more; give it one as at the start.
      sentKind = null;
      requestToken();
      return;
    }
    isReady = true;
    clock.clear(handshakeTimer);
    handshakeTimer = null;
    resolveReady({ protocol, capabilities: [...capabilities] });
    const queued = outbox;
    outbox = [];
    for (const item of queued) {
      if (item.owner?.settled) continue;
      transmit(item);
    }
    if (sentKind === null) requestToken();
  }

  /** @param {PlannerError} err */
  function failHandshake(err) {
    clock.clear(handshakeTimer);
    handshakeTimer = null;
    emitError(err);
    rejectReady(err);
    outbox = [];
    owed.rejectAll(err);
  }

  // ---- tokens ----

  /**
   * requestToken answers the planner's need for a token (start, Authentication-
   * Required, TokenExpired) with one getToken() call however often it asks:
   * it joins a call in flight, waits out a retry backoff, and leaves the
   * answer to a login()/logout() that is fetching its own token.
   */
  function requestToken() {
    if (destroyed || !isReady) return;
    if (explicitFetches > 0 || flight !== null || retryTimer !== null) return;
    fetchForPlanner();
  }

  function fetchForPlanner() {
    const f = { gen: generation };
    flight = f;
    callGetToken().then((tok) => {
      if (flight === f) flight = null;
      if (destroyed || f.gen !== generation) return;
      failures = 0;
      sendToken(tok);
    }, (err) => {
      if (flight === f) flight = null;
      if (destroyed || f.gen !== generation) return;
      const delay = Math.min(retryDelayMs * 2 ** failures, maxRetryDelayMs);
      failures++;
      emitError(new PlannerError('token_unavailable',
        `could not get a planner token: ${describe(err)}; retrying in ${Math.round(delay / 100) / 10} s`));
      retryTimer = clock.start(() => {
        retryTimer = null;
        if (!destroyed && f.gen === generation && explicitFetches === 0 && flight === null) fetchForPlanner();
      }, delay);
    });
  }

  /**
   * sendToken posts a token the planner asked for: TokenRefreshed when it is
   * the kind already sent and a TokenExpired is waiting; Logout first when the
   * visitor went from user to anonymous (signed out elsewhere).
   * @param {{token: string, kind: TokenKind}} tok
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
   * @returns {Promise<{token: string, kind: TokenKind}>}
   */
  function callGetToken() {
    return new Promise((resolve) => resolve(getToken())).then((v) => {
      if (!isRecord(v)) throw new Error('getToken() did not return an object');
      // Never quote the value: it may be a token.
      if (!isToken(v.token)) throw new Error('getToken() returned no usable token');
      if (v.kind !== 'user' && v.kind !== 'legal-entity') throw new Error('getToken() returned an unknown token kind');
      return { token: v.token, kind: v.kind };
    });
  }

  /**
   * beginExplicit starts a login()/logout(): it supersedes every older token
   * request, including a retry backoff.
   * @returns {number} the new generation
   */
  function beginExplicit() {
    generation++;
    explicitFetches++;
    flight = null;
    clock.clear(retryTimer);
    retryTimer = null;
    failures = 0;
    return generation;
  }

  /**
   * afterExplicitFailure: a login()/logout() got no usable token; if the
   * planner holds none from us, fall back to the planner-driven path (with
   * retry backoff) so it is not left waiting.
   */
  function afterExplicitFailure() {
    if (isReady && sentKind === null) requestToken();
  }

  /**
   * fetchExplicit calls getToken() for the login()/logout() that began
   * generation gen and hands its answer to use, unless op was settled meanwhile
   * (timeout, destroy()) or a later login()/logout() superseded it: then op is
   * rejected and the answer, stale, is never posted. A failed getToken()
   * rejects op with token_unavailable.
   * @param {Pending<void>} op
   * @param {string} what names the call in error messages
   * @param {number} gen
   * @param {(tok: {token: string, kind: TokenKind}) => void} use
   */
  function fetchExplicit(op, what, gen, use) {
    callGetToken().then((tok) => {
      if (stillWanted()) use(tok);
    }, (err) => {
      if (stillWanted()) explicitTokenFailed(op, what, err);
    });
    function stillWanted() {
      explicitFetches--;
      if (op.settled || destroyed) return false;
      if (gen !== generation) {
        op.reject(new PlannerError('superseded', `${what} was superseded by a later login() or logout()`));
        return false;
      }
      return true;
    }
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

  // ---- outbound ----

  /**
   * send posts a command now, or after Ready when the planner is not ready yet.
   * @param {HostToPlannerEvent} event
   * @param {Record<string, unknown>} content
   * @param {Pending<any>} [owner] rejected when the post fails; skipped if settled before Ready
   * @param {() => void} [onPosted]
   */
  function send(event, content, owner, onPosted) {
    const item = { event, content, owner, onPosted };
    if (!isReady) {
      outbox.push(item);
      return;
    }
    transmit(item);
  }

  /** @param {Outgoing} item */
  function transmit({ event, content, owner, onPosted }) {
    const frameWindow = iframe.contentWindow;
    try {
      if (frameWindow === null) throw new Error('the planner iframe is not in the page');
      frameWindow.postMessage({ event, content }, plannerOrigin);
    } catch (err) {
      stats.postErrors++;
      const e = new PlannerError('post_failed', `could not post ${event} to the planner: ${describe(err)}`, { cause: err });
      emitError(e);
      owner?.reject(e);
      return;
    }
    stats.posted++;
    // Any token answers a waiting TokenExpired ("re-sending Authentication/Login works too").
    if (event === 'Login' || event === 'Authentication' || event === 'TokenRefreshed') refreshWanted = false;
    if (event === 'Login') sentKind = 'user';
    else if (event === 'Authentication') sentKind = 'legal-entity';
    else if (event === 'Logout') sentKind = null;
    report({ direction: 'out', event, content: redact(content) });
    onPosted?.();
  }

  // ---- public methods ----

  /** @returns {Promise<void>} */
  function login() {
    if (destroyed) return Promise.reject(destroyedError());
    /** @type {Pending<void>} */
    const op = owed.track('login()');
    const gen = beginExplicit();
    fetchExplicit(op, 'login()', gen, (tok) => {
      if (tok.kind !== 'user') {
        op.reject(new PlannerError('wrong_token_kind',
          'login(): getToken() returned a legal-entity token; sign the visitor in at the host first'));
        afterExplicitFailure();
        return;
      }
      owed.waitFor(op, (event, content) => {
        if (event === 'LoginSucceeded') return { ok: true, value: undefined };
        if (event === 'LoginFailed') {
          return { ok: false, error: new PlannerError('login_failed', `the planner refused the login: ${reasonOf(content)}`) };
        }
        return undefined;
      });
      send('Login', { token: tok.token }, op);
    });
    return op.promise;
  }

  /** @returns {Promise<void>} */
  function logout() {
    if (destroyed) return Promise.reject(destroyedError());
    /** @type {Pending<void>} */
    const op = owed.track('logout()');
    const gen = beginExplicit();
    // Logout goes first, without waiting for the anonymous token: the
    // visitor's data should leave the screen now, not after a round trip.
    send('Logout', {}, op);
    fetchExplicit(op, 'logout()', gen, (tok) => {
      if (tok.kind !== 'legal-entity') {
        op.reject(new PlannerError('wrong_token_kind',
          'logout(): getToken() still returned a user token; sign the visitor out at the host first'));
        return;
      }
      owed.waitFor(op, (event, content) => {
        if (event === 'AuthenticationSucceeded') return { ok: true, value: undefined };
        if (event === 'AuthenticationFailed') {
          return { ok: false, error: new PlannerError('authentication_failed', `the planner refused the token: ${reasonOf(content)}`) };
        }
        return undefined;
      });
      send('Authentication', { token: tok.token }, op);
    });
    return op.promise;
  }

  /**
   * @param {string} projectId
   * @returns {Promise<ProjectLoaded>}
   */
  function loadProject(projectId) {
    if (destroyed) return Promise.reject(destroyedError());
    if (!isProjectId(projectId)) {
      return Promise.reject(new TypeError(`loadProject: projectId must be 1-${MAX_PROJECT_ID_LENGTH} printable characters`));
    }
    /** @type {Pending<ProjectLoaded>} */
    const op = owed.track(`loadProject(${JSON.stringify(projectId)})`);
    owed.waitFor(op, (event, content) => {
      if (content?.projectId !== projectId) return undefined;
      if (event === 'ProjectLoadingSucceeded') return { ok: true, value: { ...content, projectId } };
      if (event === 'ProjectLoadingFailed') {
        return {
          ok: false,
          error: new PlannerError('project_loading_failed', `project ${JSON.stringify(projectId)} could not be loaded: ${reasonOf(content)}`),
        };
      }
      return undefined;
    });
    send('LoadProject', { projectId }, op);
    return op.promise;
  }

  /**
   * @param {Settings} settings
   * @returns {Promise<void>}
   */
  function setSettings(settings) {
    if (destroyed) return Promise.reject(destroyedError());
    const { locale: loc, currency } = settings ?? {};
    /** @type {{locale?: string, currency?: string}} */
    const content = {};
    if (loc !== undefined) {
      if (!isLocale(loc)) return Promise.reject(new TypeError('setSettings: locale must be a BCP 47 tag such as "fr-FR"'));
      content.locale = loc;
    }
    if (currency !== undefined) {
      if (!isCurrency(currency)) {
        return Promise.reject(new TypeError('setSettings: currency must be an ISO 4217 code such as "EUR"'));
      }
      content.currency = currency;
    }
    if (content.locale === undefined && content.currency === undefined) {
      return Promise.reject(new TypeError('setSettings: give a locale, a currency or both'));
    }
    /** @type {Pending<void>} */
    const op = owed.track('setSettings()');
    send('SetUpSettings', content, op, () => op.resolve(undefined));
    return op.promise;
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    win.removeEventListener('message', onMessage);
    clock.clear(handshakeTimer);
    handshakeTimer = null;
    clock.clear(retryTimer);
    retryTimer = null;
    flight = null;
    outbox = [];
    const err = destroyedError();
    rejectReady(err);
    owed.rejectAll(err);
    owed.forgetWaiters();
    iframe.remove();
  }

  return {
    iframe,
    origin: plannerOrigin,
    ready,
    stats,
    get capabilities() { return capabilities; },
    get tokenKind() { return sentKind; },
    get destroyed() { return destroyed; },
    login,
    logout,
    loadProject,
    setSettings,
    destroy,
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
