// planner-embed.js: the host SDK. A retailer's page imports it to embed the
// room planner in an iframe and to speak the planner's postMessage protocol
// (the HomeByMe event names: Ready, Authentication, Login, TokenExpired, ...).
//
// Guards before trust: a message is accepted only when event.source is this
// planner's own iframe window (checked first, so several planners on one page
// never see each other's messages), then when it has the envelope shape
// {event, content}, then when event.origin is exactly the planner's origin.
// Everything else is dropped and counted. Posts always name that exact origin,
// never "*". Tokens come from the host's getToken() (its own backend) and are
// never handed to onEvent: out-going events are reported with tokens redacted.
//
// The public types live in planner-embed.d.ts; this file imports them so tsc
// checks the implementation against what integrators see.

/**
 * @typedef {import('./planner-embed.js').PlannerOptions} PlannerOptions
 * @typedef {import('./planner-embed.js').Planner} Planner
 * @typedef {import('./planner-embed.js').PlannerStats} PlannerStats
 * @typedef {import('./planner-embed.js').PlannerErrorCode} PlannerErrorCode
 * @typedef {import('./planner-embed.js').PlannerEventRecord} PlannerEventRecord
 * @typedef {import('./planner-embed.js').PlannerTimers} PlannerTimers
 * @typedef {import('./planner-embed.js').PlannerWindow} PlannerWindow
 * @typedef {import('./planner-embed.js').HostToPlannerEvent} HostToPlannerEvent
 * @typedef {import('./planner-embed.js').TokenKind} TokenKind
 * @typedef {import('./planner-embed.js').ReadyContent} ReadyContent
 * @typedef {import('./planner-embed.js').ProjectLoaded} ProjectLoaded
 * @typedef {import('./planner-embed.js').Settings} Settings
 */

/**
 * Pending is one promise the SDK owes the host (login(), loadProject(), ...):
 * settled once, by an answer, a timeout, a handshake failure or destroy().
 * @template T
 * @typedef {object} Pending
 * @property {Promise<T>} promise
 * @property {boolean} settled
 * @property {unknown} timer request timeout, null when none
 * @property {(value: T) => void} resolve
 * @property {(err: Error) => void} reject
 */

/**
 * Outcome is what a waiter makes of a planner event: nothing (undefined), or
 * the value to resolve with, or the error to reject with.
 * @typedef {{ok: true, value: unknown} | {ok: false, error: Error} | undefined} Outcome
 */

/**
 * Waiter settles its owner when the planner answers.
 * @typedef {object} Waiter
 * @property {Pending<any>} owner
 * @property {(event: string, content: Record<string, unknown> | undefined) => Outcome} match
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

/** PROTOCOL_VERSION is the iframe protocol version this SDK speaks. */
export const PROTOCOL_VERSION = 1;

// The same limits the planner applies to what it accepts (static/planner/protocol.js):
// checking them here turns a message the planner would silently drop into an
// immediate error for the integrator.
const MAX_TOKEN_LENGTH = 8 * 1024;
const TOKEN_RE = /^[\x21-\x7e]+$/;
const MAX_PROJECT_ID_LENGTH = 64;
const CONTROL_RE = /[\x00-\x1f\x7f]/;
const LOCALE_RE = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/;
const MAX_LOCALE_LENGTH = 35;
const CURRENCY_RE = /^[A-Z]{3}$/;
const MAX_DISTRIBUTION_LENGTH = 128;
const MAX_EVENT_NAME_LENGTH = 64;
// Browsers run a timer of more than 2^31-1 ms at once; longer waits mean "never".
const MAX_TIMER_MS = 2 ** 31 - 1;

/** @type {PlannerTimers} */
const GLOBAL_TIMERS = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
};

/** PlannerError is how the SDK rejects its promises; code is stable, message is for people. */
export class PlannerError extends Error {
  /**
   * @param {PlannerErrorCode} code
   * @param {string} message
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'PlannerError';
    /** @type {PlannerErrorCode} */
    this.code = code;
  }
}

/**
 * createPlanner embeds the planner iframe in options.container, listens for
 * its messages and starts the handshake: Ready, then a token from getToken().
 * @param {PlannerOptions} options
 * @returns {Planner}
 */
export function createPlanner(options) {
  const {
    container,
    plannerUrl,
    distribution,
    getToken,
    onEvent,
    locale,
    handshakeTimeoutMs = 15000,
    window: windowOption,
    frameTitle = 'Room planner',
    document: doc = container?.ownerDocument,
    requestTimeoutMs = 30000,
    retryDelayMs = 1000,
    maxRetryDelayMs = 30000,
    timers = GLOBAL_TIMERS,
  } = options ?? /** @type {Partial<PlannerOptions>} */ ({});
  // In Node (tests) globalThis.window is undefined although its type says otherwise.
  const win = /** @type {PlannerWindow} */ (windowOption ?? globalThis.window);

  if (!container || typeof container.appendChild !== 'function') throw new TypeError('createPlanner: container must be an element');
  if (!doc || typeof doc.createElement !== 'function') throw new TypeError('createPlanner: no document to create the iframe with');
  if (!win || typeof win.addEventListener !== 'function') throw new TypeError('createPlanner: no window to listen on');
  if (typeof getToken !== 'function') throw new TypeError('createPlanner: getToken must be a function');
  if (onEvent !== undefined && typeof onEvent !== 'function') throw new TypeError('createPlanner: onEvent must be a function');
  if (typeof distribution !== 'string' || distribution === '' || distribution.length > MAX_DISTRIBUTION_LENGTH) {
    throw new TypeError('createPlanner: distribution must be a non-empty string');
  }
  if (locale !== undefined && !isLocale(locale)) throw new TypeError('createPlanner: locale must be a BCP 47 tag such as "fr-FR"');
  const plannerOrigin = originOf(plannerUrl);
  const query = '/planner?d=' + encodeURIComponent(distribution) + (locale ? '&locale=' + encodeURIComponent(locale) : '');
  const src = new URL(query, plannerUrl);

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
  /** @type {Set<Pending<any>>} */
  const pendings = new Set();
  /** @type {Waiter[]} */
  let waiters = [];
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

  const iframe = doc.createElement('iframe');
  iframe.src = src.href;
  iframe.title = frameTitle;
  // The planner sees which site embeds it, but never the page path or query.
  iframe.setAttribute('referrerpolicy', 'origin');
  iframe.setAttribute('data-testid', 'planner-iframe');
  iframe.style.width = '100%';
  iframe.style.height = '100%';
  iframe.style.border = '0';
  iframe.style.display = 'block';
  // Listen before the iframe loads so its Ready cannot be missed.
  win.addEventListener('message', onMessage);
  container.appendChild(iframe);
  handshakeTimer = startTimer(() => {
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
      const frameWindow = iframe.contentWindow;
      // A null contentWindow (iframe detached) must not match a null source.
      if (!ev || frameWindow === null || ev.source !== frameWindow) return drop('source');
      const data = ev.data;
      if (!isRecord(data)) return drop('shape');
      const event = ownValue(data, 'event');
      const content = ownValue(data, 'content');
      if (typeof event !== 'string' || event === '' || event.length > MAX_EVENT_NAME_LENGTH) return drop('shape');
      if (content !== undefined && !isRecord(content)) return drop('shape');
      if (ev.origin !== plannerOrigin) return drop('origin');
      stats.accepted++;
      handle(event, content);
    } catch (err) {
      // A hostile or malformed message must never break the host page.
      stats.handlerErrors++;
    }
  }

  /** @param {'source' | 'shape' | 'origin'} reason */
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
    for (const w of [...waiters]) {
      if (w.owner.settled) continue;
      const outcome = w.match(event, content);
      if (outcome === undefined) continue;
      if (outcome.ok) w.owner.resolve(outcome.value);
      else w.owner.reject(outcome.error);
    }
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
    clearTimer(handshakeTimer);
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
    clearTimer(handshakeTimer);
    handshakeTimer = null;
    emitError(err);
    rejectReady(err);
    outbox = [];
    rejectAll(err);
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
      retryTimer = startTimer(() => {
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
    clearTimer(retryTimer);
    retryTimer = null;
    failures = 0;
    return generation;
  }

  function endExplicitFetch() {
    explicitFetches--;
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

  // ---- reporting ----

  /** @param {PlannerEventRecord} record */
  function report(record) {
    if (!onEvent) return;
    try {
      onEvent(record);
    } catch (err) {
      // The host's handler failing must not stop the protocol; surface it the
      // way an uncaught error in an event listener would be.
      stats.handlerErrors++;
      if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
    }
  }

  /** @param {PlannerError} err */
  function emitError(err) {
    report({ event: 'error', content: { code: err.code, message: err.message } });
  }

  // ---- promises and timers ----

  /**
   * track creates a promise owed to the host, with a request timeout.
   * @template T
   * @param {string} what names the call in the timeout message
   * @returns {Pending<T>}
   */
  function track(what) {
    /** @type {(v: T) => void} */
    let res = () => {};
    /** @type {(e: Error) => void} */
    let rej = () => {};
    /** @type {Promise<T>} */
    const promise = new Promise((resolve, reject) => { res = resolve; rej = reject; });
    /** @type {Pending<T>} */
    const p = {
      promise,
      settled: false,
      timer: null,
      resolve(value) {
        if (p.settled) return;
        finish(p);
        res(value);
      },
      reject(err) {
        if (p.settled) return;
        finish(p);
        rej(err);
      },
    };
    pendings.add(p);
    p.timer = startTimer(() => {
      p.timer = null;
      p.reject(new PlannerError('timeout', `${what} got no answer from the planner within ${requestTimeoutMs} ms`));
    }, requestTimeoutMs);
    return p;
  }

  /** @param {Pending<any>} p */
  function finish(p) {
    p.settled = true;
    pendings.delete(p);
    clearTimer(p.timer);
    p.timer = null;
    waiters = waiters.filter((w) => w.owner !== p);
  }

  /** @param {Error} err */
  function rejectAll(err) {
    for (const p of [...pendings]) p.reject(err);
  }

  /**
   * @param {Pending<any>} owner
   * @param {Waiter['match']} match
   */
  function waitFor(owner, match) {
    waiters.push({ owner, match });
  }

  /**
   * startTimer runs fn after ms; a missing, infinite or huge ms means never.
   * @param {() => void} fn
   * @param {number} ms
   * @returns {unknown} handle, null when no timer was started
   */
  function startTimer(fn, ms) {
    if (typeof ms !== 'number' || !(ms >= 0) || ms > MAX_TIMER_MS) return null;
    return timers.setTimeout(fn, ms);
  }

  /** @param {unknown} handle */
  function clearTimer(handle) {
    if (handle !== null && handle !== undefined) timers.clearTimeout(handle);
  }

  function destroyedError() {
    return new PlannerError('destroyed', 'planner destroyed');
  }

  // ---- public methods ----

  /** @returns {Promise<void>} */
  function login() {
    if (destroyed) return Promise.reject(destroyedError());
    /** @type {Pending<void>} */
    const op = track('login()');
    const gen = beginExplicit();
    callGetToken().then((tok) => {
      endExplicitFetch();
      if (op.settled || destroyed) return;
      if (gen !== generation) {
        op.reject(new PlannerError('superseded', 'login() was superseded by a later login() or logout()'));
        return;
      }
      if (tok.kind !== 'user') {
        op.reject(new PlannerError('wrong_token_kind',
          'login(): getToken() returned a legal-entity token; sign the visitor in at the host first'));
        afterExplicitFailure();
        return;
      }
      waitFor(op, (event, content) => {
        if (event === 'LoginSucceeded') return { ok: true, value: undefined };
        if (event === 'LoginFailed') {
          return { ok: false, error: new PlannerError('login_failed', `the planner refused the login: ${reasonOf(content)}`) };
        }
        return undefined;
      });
      send('Login', { token: tok.token }, op);
    }, (err) => {
      endExplicitFetch();
      if (op.settled || destroyed) return;
      if (gen !== generation) {
        op.reject(new PlannerError('superseded', 'login() was superseded by a later login() or logout()'));
        return;
      }
      explicitTokenFailed(op, 'login()', err);
    });
    return op.promise;
  }

  /** @returns {Promise<void>} */
  function logout() {
    if (destroyed) return Promise.reject(destroyedError());
    /** @type {Pending<void>} */
    const op = track('logout()');
    const gen = beginExplicit();
    // Logout goes first, without waiting for the anonymous token: the
    // visitor's data should leave the screen now, not after a round trip.
    send('Logout', {}, op);
    callGetToken().then((tok) => {
      endExplicitFetch();
      if (op.settled || destroyed) return;
      if (gen !== generation) {
        op.reject(new PlannerError('superseded', 'logout() was superseded by a later login() or logout()'));
        return;
      }
      if (tok.kind !== 'legal-entity') {
        op.reject(new PlannerError('wrong_token_kind',
          'logout(): getToken() still returned a user token; sign the visitor out at the host first'));
        return;
      }
      waitFor(op, (event, content) => {
        if (event === 'AuthenticationSucceeded') return { ok: true, value: undefined };
        if (event === 'AuthenticationFailed') {
          return { ok: false, error: new PlannerError('authentication_failed', `the planner refused the token: ${reasonOf(content)}`) };
        }
        return undefined;
      });
      send('Authentication', { token: tok.token }, op);
    }, (err) => {
      endExplicitFetch();
      if (op.settled || destroyed) return;
      if (gen !== generation) {
        op.reject(new PlannerError('superseded', 'logout() was superseded by a later login() or logout()'));
        return;
      }
      explicitTokenFailed(op, 'logout()', err);
    });
    return op.promise;
  }

  /**
   * @param {string} projectId
   * @returns {Promise<ProjectLoaded>}
   */
  function loadProject(projectId) {
    if (destroyed) return Promise.reject(destroyedError());
    if (typeof projectId !== 'string' || projectId === '' || projectId.length > MAX_PROJECT_ID_LENGTH ||
      CONTROL_RE.test(projectId)) {
      return Promise.reject(new TypeError(`loadProject: projectId must be 1-${MAX_PROJECT_ID_LENGTH} printable characters`));
    }
    /** @type {Pending<ProjectLoaded>} */
    const op = track(`loadProject(${JSON.stringify(projectId)})`);
    waitFor(op, (event, content) => {
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
      if (typeof currency !== 'string' || !CURRENCY_RE.test(currency)) {
        return Promise.reject(new TypeError('setSettings: currency must be an ISO 4217 code such as "EUR"'));
      }
      content.currency = currency;
    }
    if (content.locale === undefined && content.currency === undefined) {
      return Promise.reject(new TypeError('setSettings: give a locale, a currency or both'));
    }
    /** @type {Pending<void>} */
    const op = track('setSettings()');
    send('SetUpSettings', content, op, () => op.resolve(undefined));
    return op.promise;
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    win.removeEventListener('message', onMessage);
    clearTimer(handshakeTimer);
    handshakeTimer = null;
    clearTimer(retryTimer);
    retryTimer = null;
    flight = null;
    outbox = [];
    const err = destroyedError();
    rejectReady(err);
    rejectAll(err);
    waiters = [];
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
 * originOf returns the exact origin of an absolute http(s) URL.
 * @param {unknown} url
 * @returns {string}
 */
function originOf(url) {
  let u;
  try {
    u = new URL(/** @type {string | URL} */ (url));
  } catch {
    throw new TypeError('createPlanner: plannerUrl must be an absolute URL such as "https://planner.example"');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new TypeError('createPlanner: plannerUrl must be an http(s) URL');
  }
  return u.origin;
}

/**
 * eventFor names the command that installs a token of kind.
 * @param {TokenKind} kind
 * @returns {'Login' | 'Authentication'}
 */
function eventFor(kind) {
  return kind === 'user' ? 'Login' : 'Authentication';
}

/**
 * redact copies content with any token replaced by a marker, so a host's
 * event log never holds a usable token.
 * @param {Record<string, unknown>} content
 * @returns {Record<string, unknown>}
 */
function redact(content) {
  const out = { ...content };
  if (Object.prototype.hasOwnProperty.call(out, 'token')) {
    const t = out.token;
    // A JWT's first three characters are always "eyJ" and say nothing.
    out.token = typeof t === 'string' && t.startsWith('eyJ') ? 'eyJ…(redacted)' : '(redacted)';
  }
  return out;
}

/**
 * reasonOf turns a failure's content into a short sentence for an Error.
 * @param {Record<string, unknown> | undefined} content
 * @returns {string}
 */
function reasonOf(content) {
  const r = content?.reason ?? content?.error ?? content?.message;
  if (typeof r === 'string' && r !== '') return r.slice(0, 200);
  if (isRecord(r)) {
    const m = r.message ?? r.code;
    if (typeof m === 'string' && m !== '') return m.slice(0, 200);
  }
  return 'no reason given';
}

/**
 * describe turns a thrown value into a short message.
 * @param {unknown} err
 * @returns {string}
 */
function describe(err) {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === 'string' && err !== '') return err;
  return 'unknown error';
}

/**
 * @param {unknown} v
 * @returns {v is string}
 */
function isToken(v) {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_TOKEN_LENGTH && TOKEN_RE.test(v);
}

/**
 * @param {unknown} v
 * @returns {v is string}
 */
function isLocale(v) {
  return typeof v === 'string' && v.length <= MAX_LOCALE_LENGTH && LOCALE_RE.test(v);
}

/**
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
function isRecord(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * ownValue reads an own property only, so nothing inherited counts as content.
 * @param {Record<string, unknown>} obj
 * @param {string} key
 * @returns {unknown}
 */
function ownValue(obj, key) {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
