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
// This file holds the handshake, the posting and the public methods. Beside
// it: guards.js (the inbound checks), tokens.js (getToken(), TokenExpired and
// the login()/logout() token flow), pending.js (the promises owed to the host
// and their timeouts), limits.js (the envelope limits shared with the
// planner), options.js (createPlanner's options and the iframe) and report.js
// (onEvent records, tokens redacted). The public types live in
// planner-embed.d.ts; this file imports them so tsc checks the implementation
// against what integrators see.

import { guardMessage } from './guards.js';
import { PROTOCOL_VERSION, isCurrency, isLocale, isProjectId, isUnits, MAX_PROJECT_ID_LENGTH } from './limits.js';
import { createFrame, readOptions, started } from './options.js';
import { PlannerError, createPendings, destroyedError, timersOf } from './pending.js';
import { createReporter, describe, reasonOf, redact } from './report.js';
import { createTokens } from './tokens.js';
import { parseTheme } from './theme.js';

export { PROTOCOL_VERSION, PlannerError };

/**
 * @typedef {import('./planner-embed.js').PlannerOptions} PlannerOptions
 * @typedef {import('./planner-embed.js').Planner} Planner
 * @typedef {import('./planner-embed.js').PlannerStats} PlannerStats
 * @typedef {import('./planner-embed.js').HostToPlannerEvent} HostToPlannerEvent
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
 * createPlanner embeds the planner iframe in options.container (or adopts
 * options.iframe, the page's own), listens for its messages and starts the
 * handshake: it calls getToken() at once, while the planner's page loads, and
 * posts the token when Ready arrives.
 * @param {PlannerOptions} options
 * @returns {Planner}
 */
export function createPlanner(options) {
  const {
    container, doc, iframe: adopted, win, getToken, onEvent, plannerOrigin, src, frameTitle,
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
  /** @type {Outgoing[]} commands waiting for Ready */
  let outbox = [];
  const clock = timersOf(timers);
  const owed = createPendings(clock, requestTimeoutMs);
  const { report, emitError } = createReporter(onEvent, stats);
  const tokens = createTokens({
    getToken, clock, retryDelayMs, maxRetryDelayMs, emitError, send,
    isReady: () => isReady,
    isDestroyed: () => destroyed,
  });
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

  const iframe = adopted ?? createFrame(/** @type {Document} */ (doc), src, frameTitle);
  // Listen before the iframe loads so its Ready cannot be missed.
  win.addEventListener('message', onMessage);
  if (!adopted) /** @type {HTMLElement} */ (container).appendChild(iframe);
  // The page's own iframe (in its HTML, so the planner loads with the page)
  // may have posted Ready before this listener existed: ask for it again.
  // Still on about:blank, its Ready is yet to come and reaches the listener.
  else if (started(iframe)) transmit({ event: 'Hello', content: {}, owner: undefined, onPosted: undefined });
  // Ask the host's backend for a token while the planner's page loads: it is
  // posted the moment Ready arrives (tokens.js keeps it until then).
  tokens.prefetch();
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
    // The answer to Hello when the first Ready got through as well: the same
    // page, so nothing to do, and onEvent sees one Ready per planner page.
    if (event === 'Ready' && isReady && content?.repeat === true) return;
    // Report first so a host's log shows the cause before the SDK's answer.
    report({ direction: 'in', event, content: content === undefined ? undefined : redact(content) });
    if (destroyed) return; // onEvent may have called destroy()
    switch (event) {
      case 'Ready':
        onReady(content);
        break;
      case 'AuthenticationRequired':
        tokens.request();
        break;
      case 'TokenExpired':
        tokens.expired();
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
      tokens.reloaded();
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
    if (tokens.kind === null) tokens.request();
  }

  /** @param {PlannerError} err */
  function failHandshake(err) {
    clock.clear(handshakeTimer);
    handshakeTimer = null;
    // No token is owed to a planner that did not answer (a late Ready fetches one).
    tokens.stop();
    emitError(err);
    rejectReady(err);
    outbox = [];
    owed.rejectAll(err);
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
    tokens.posted(event);
    report({ direction: 'out', event, content: redact(content) });
    onPosted?.();
  }

  // ---- public methods ----

  /** @returns {Promise<void>} */
  function login() {
    if (destroyed) return Promise.reject(destroyedError());
    /** @type {Pending<void>} */
    const op = owed.track('login()');
    const gen = tokens.beginExplicit();
    tokens.fetchExplicit(op, 'login()', gen, (tok) => {
      if (tok.kind !== 'user') {
        op.reject(new PlannerError('wrong_token_kind',
          'login(): getToken() returned a legal-entity token; sign the visitor in at the host first'));
        tokens.afterExplicitFailure();
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
    const gen = tokens.beginExplicit();
    // Logout goes first, without waiting for the anonymous token: the
    // visitor's data should leave the screen now, not after a round trip.
    send('Logout', {}, op);
    tokens.fetchExplicit(op, 'logout()', gen, (tok) => {
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
    const { locale: loc, currency, theme, units } = settings ?? {};
    /** @type {{locale?: string, currency?: string, units?: 'metric' | 'imperial', theme?: import('./theme.js').Theme}} */
    const content = {};
    if (theme !== undefined) {
      const parsed = parseTheme(theme);
      if (!parsed.theme) return Promise.reject(new TypeError(`setSettings: ${parsed.error.message}`));
      content.theme = parsed.theme;
    }
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
    if (units !== undefined) {
      if (!isUnits(units)) return Promise.reject(new TypeError('setSettings: units must be "metric" or "imperial"'));
      content.units = units;
    }
    if (Object.keys(content).length === 0) {
      return Promise.reject(new TypeError('setSettings: give a locale, a currency, units, a theme or some of them'));
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
    tokens.stop();
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
    get tokenKind() { return tokens.kind; },
    get destroyed() { return destroyed; },
    login,
    logout,
    loadProject,
    setSettings,
    destroy,
  };
}
