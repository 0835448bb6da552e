// app.js: the planner iframe app, free of the DOM. createApp composes the
// shell from its parts and routes the host's messages to them:
//
//   session.js         tokens (checked with /v1/me), login, logout, the identity epoch
//   status.js          the status line and the alert
//   catalog.js         the catalog pane
//   projects.js        "My projects", open, save, create, delete
//   remote-changes.js  the live channel: changes made in other tabs and devices
//   editor-host.js     the editor's slot, its context and the open project
//   metrics.js         the retailer's metrics (events.js, fetched after start)
//
// view.js turns the view models they hand out into elements. Everything
// here runs under node --test with a fake window, fetch and clock.

import { createBridge as defaultCreateBridge } from './bridge.js';
import { systemClock } from './clock.js';
import { safely as logSafely } from './log.js';
import { createTokenGate as defaultCreateGate } from './token-gate.js';
import { createApi, withToken } from './api.js';
import { t, hasLocale, loadLocale } from './i18n.js';
import { canonicalLocale } from './format.js';
import { createStatus } from './status.js';
import { createCatalog } from './catalog.js';
import { createProjects } from './projects.js';
import { createRemoteChanges } from './remote-changes.js';
import { createSession } from './session.js';
import { createEditorHost } from './editor-host.js';
import { createMetrics } from './metrics.js';

export { formatPrice, formatDate, canonicalLocale, messageOf } from './format.js';
export { MAX_PROJECT_NAME_LENGTH, NEW_PROJECT_ROOM } from './projects.js';

/**
 * @typedef {import('./api.js').TokenKind} TokenKind
 * @typedef {import('./bridge.js').Bridge} Bridge
 * @typedef {import('./bridge.js').ParentLike} ParentLike
 * @typedef {import('./bridge.js').WindowLike} WindowLike
 * @typedef {import('./protocol.js').HostMessage} HostMessage
 * @typedef {import('./protocol.js').PlannerEvent} PlannerEvent
 * @typedef {import('./clock.js').Clock} Clock
 * @typedef {import('./token-gate.js').FetchLike} FetchLike
 * @typedef {import('./token-gate.js').TokenGateOptions} TokenGateOptions
 * @typedef {import('./catalog.js').CatalogView} CatalogView
 * @typedef {import('./catalog.js').ProductView} ProductView
 * @typedef {import('./projects.js').ProjectsView} ProjectsView
 * @typedef {import('./projects.js').ProjectView} ProjectView
 * @typedef {import('./editor-host.js').EditorContext} EditorContext
 * @typedef {import('./editor-host.js').EditorChange} EditorChange
 * @typedef {import('./editor-host.js').EditorHandle} EditorHandle
 * @typedef {import('./editor-host.js').EditorFactory} EditorFactory
 * @typedef {import('./editor-host.js').RemoteChange} RemoteChange
 */

/**
 * PlannerConfig is the page's #planner-config JSON (templates/planner.templ).
 * @typedef {object} PlannerConfig
 * @property {string[]} origins the retailer's registered embedding origins
 * @property {string} apiBase the planner API's URL; "" for the page's own origin
 * @property {string} distribution the distribution id this page was opened for
 * @property {string} retailerName
 * @property {string} locale "en" or "fr"
 * @property {string} [liveUrl] the live channel (ws) URL
 */

/**
 * Settings are what SetUpSettings changes. currency is "" until the host
 * sets one; prices are always shown in their own currency (the API has no
 * conversion), the setting only fills in when a product has none. units is
 * "" until the host sets it (the editor starts metric; the visitor may switch).
 * @typedef {{locale: string, currency: string, units: '' | 'metric' | 'imperial'}} Settings
 */

/**
 * Identity is who the accepted token speaks for; uid is "" for legal-entity.
 * @typedef {{kind: TokenKind, uid: string}} Identity
 */

/**
 * View is what the app draws on; view.js implements it with the DOM.
 * @typedef {object} View
 * @property {(text: string) => void} status the status line
 * @property {(message: string | null) => void} alert shows a message, null hides it
 * @property {(catalog: CatalogView) => void} catalog
 * @property {(projects: ProjectsView) => void} projects
 * @property {(locale: string) => void} [lang] the language: once at start, then after each SetUpSettings
 *   (the view re-labels what it draws itself)
 * @property {(theme: import('../embed/theme.js').Theme) => void} [theme] the retailer's look (checked by theme.js)
 */

/**
 * Logger receives diagnostics; never tokens.
 * @typedef {{warn?: (msg: string, data?: Record<string, unknown>) => void,
 *   debug?: (msg: string, data?: Record<string, unknown>) => void}} Logger
 */

/**
 * @typedef {object} AppOptions
 * @property {PlannerConfig} config
 * @property {View} view
 * @property {WindowLike} win the planner's window (message events)
 * @property {ParentLike} parent window.parent
 * @property {FetchLike} fetch
 * @property {Clock} [clock] default Date.now and the global timers
 * @property {unknown} [editorSlot] handed to editor factories as ctx.slot
 * @property {Logger} [logger]
 * @property {number} [authRequiredAfterMs] AuthenticationRequired is posted when no token was accepted
 *   this long after Ready; default AUTH_REQUIRED_AFTER_MS
 * @property {Partial<Pick<TokenGateOptions, 'holdDeadlineMs' | 'maxHeld' | 'retryBackoffMs' | 'randomUUID'>>} [gateOptions]
 * @property {import('./live.js').SocketConstructor} [WebSocket] opens the live channel (window.WebSocket);
 *   without it, or without config.liveUrl, the planner does not follow changes made elsewhere
 * @property {() => number} [random] jitter of the live channel's reconnects; default Math.random
 * @property {(a: Uint8Array) => Uint8Array} [reportEvents] with crypto.getRandomValues, the planner
 *   reports its counts to the retailer's metrics (POST /v1/events, events.js); without it, nothing is sent
 * @property {() => Promise<typeof import('./events.js')>} [loadEvents] how the metrics reporter arrives
 *   (default import('./events.js'), a chunk of its own: metrics.js; tests hand it over at once)
 * @property {typeof defaultCreateBridge} [createBridge] for tests
 * @property {typeof defaultCreateGate} [createGate] for tests
 */

/** AUTH_REQUIRED_AFTER_MS: without a token this long after Ready, the planner posts AuthenticationRequired. */
export const AUTH_REQUIRED_AFTER_MS = 3000;

/**
 * createApp starts the planner: it posts Ready (through the bridge) and waits
 * for the host's token.
 * @param {AppOptions} opts
 */
export function createApp({
  config,
  view,
  win,
  parent,
  fetch: fetchFn,
  clock = systemClock,
  editorSlot = null,
  logger = {},
  authRequiredAfterMs = AUTH_REQUIRED_AFTER_MS,
  gateOptions = {},
  WebSocket: socketConstructor,
  random = Math.random,
  createBridge = defaultCreateBridge,
  createGate = defaultCreateGate,
  reportEvents,
  loadEvents,
}) {
  const apiBase = config.apiBase ?? '';
  /** @type {Settings} */
  const settings = { locale: canonicalLocale(config.locale) ?? 'en', currency: '', units: '' };
  const settingsView = Object.freeze({
    get locale() { return settings.locale; },
    get currency() { return settings.currency; },
    get units() { return settings.units; },
  });
  /** @param {string} key @param {...(string | number)} args */
  const tr = (key, ...args) => t(settings.locale, key, ...args);
  const retailerName = () => config.retailerName || tr('theShop');
  let destroyed = false;
  const isDestroyed = () => destroyed;
  /**
   * safely runs a view or editor callback; one failing must not stop the app.
   * @param {string} what
   * @param {() => void} fn
   */
  const safely = (what, fn) => logSafely(logger, `planner: ${what}`, fn);
  /** @param {PlannerEvent} event @param {unknown} content */
  const post = (event, content) => {
    if (destroyed) return false;
    if (event === 'AddToBasket') reportBasket(content);
    return bridge.post(event, content);
  };

  // The retailer's metrics: best effort, outside the token gate, so a
  // report never waits for a token or holds up a call of the visitor's.
  // events.js, which counts and sends, arrives after start (metrics.js).
  const events = reportEvents ? createMetrics({
    clock, logger, random: reportEvents, load: loadEvents,
    send: async (body, { keepalive }) => {
      const tok = gate.currentToken();
      if (!tok) return { status: 0 };
      // keepalive lets the last batch outlive the page (pagehide).
      const init = { method: 'POST', body, keepalive, headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' } };
      const res = await fetchFn(`${apiBase}/v1/events`, /** @type {Parameters<FetchLike>[1]} */ (init));
      const ra = Number(res.headers?.get?.('Retry-After'));
      return { status: res.status, retryAfterMs: ra > 0 ? ra * 1000 : undefined };
    },
  }) : null;
  events?.opened();
  /** @type {{start: number, held: number} | null} a TokenExpired episode, for the metrics */
  let episode = null;

  /** reportBasket counts an AddToBasket, one basket per currency. @param {unknown} content */
  function reportBasket(content) {
    const items = /** @type {{items?: {quantity?: number, unitPrice?: number, currency?: string}[]}} */ (content)?.items ?? [];
    /** @type {Map<string, {lines: number, value: number}>} */
    const by = new Map();
    for (const it of items) {
      const cur = it.currency || settings.currency || 'EUR';
      const b = by.get(cur) ?? { lines: 0, value: 0 };
      b.lines++;
      b.value += (it.quantity ?? 1) * (it.unitPrice ?? 0);
      by.set(cur, b);
    }
    for (const [currency, b] of by) events?.basketSent({ ...b, currency });
  }

  // The parts call each other through these arrows: each is built once,
  // below, before any host message can arrive.
  const status = createStatus({ view, tr, retailerName, safely, isDestroyed, facts: () => session.facts() });
  const gate = createGate({
    fetch: fetchFn,
    apiBase,
    clock,
    logger,
    ...gateOptions,
    postTokenExpired: ({ kind }) => {
      if (kind === null) post('AuthenticationRequired', {});
      else {
        if (!episode) episode = { start: clock.now(), held: 0 };
        episode.held = Math.max(episode.held, gate.heldCount);
        post('TokenExpired', { kind });
      }
    },
    onState: (state) => {
      if (episode && state === 'waiting') episode.held = Math.max(episode.held, gate.heldCount);
      if (episode && state !== 'waiting') {
        events?.tokenExpired({ heldCalls: episode.held, holdMs: clock.now() - episode.start });
        // The gate fails the calls it held when no token came in time.
        if (state === 'failed') events?.heldFailed(Math.max(1, episode.held));
        episode = null;
      }
      status.setGateState(state);
    },
    onAuthFailure: (reason, message) => {
      events?.authFailed(reason === 'invalid_token' ? 'invalid_token' : reason === 'forbidden' ? 'forbidden' : 'other');
      // The API refused a token /v1/me had accepted (revoked, key rotated out):
      // tell the host, by the kind it sent, so it can send another.
      const kind = session.kind() ?? 'legal-entity';
      post(kind === 'user' ? 'LoginFailed' : 'AuthenticationFailed', { reason, message });
      status.showAlert(message || tr('aSession'));
    },
  });
  const api = createApi(gate);
  const host = createEditorHost({
    slot: editorSlot, api, post, settings: settingsView, safely, clock,
    identity: () => session.identity(),
    saveProject: (doc, target) => projects.save(doc, target),
    createProject: (name) => projects.create(name),
    deleteProject: (id, version) => projects.remove(id, version),
    product: (id) => catalog.product(id),
    reloadOpenProject: () => remote.reloadOpenProject(),
    loadProjects: () => projects.load(),
  });
  const editor = () => host.editor;
  const catalog = createCatalog({ api, view, settings: settingsView, status, safely, isDestroyed });
  const projects = createProjects({
    api, view, settings: settingsView, status, tr, post, safely, logger, isDestroyed,
    session: { isUser: () => session.isUser(), get epoch() { return session.epoch; }, settled: () => session.settled() },
    open: host.open, editor,
    remote: {
      saveStarted: () => remote.saveStarted(),
      saveSettled: () => remote.saveSettled(),
      changedElsewhere: (change, fetched) => remote.changedElsewhere(change, fetched),
    },
  });
  const remote = createRemoteChanges({
    config, WebSocket: socketConstructor, clock, random, logger, api, open: host.open, editor, status, tr, safely,
    isDestroyed, session: { kind: () => session.kind(), get epoch() { return session.epoch; } },
    loadCatalog: () => catalog.load(), loadProjects: () => projects.load(),
  });
  const session = createSession({
    config, apiBase, fetch: fetchFn, clock, gate, live: remote.live, post, status, tr, retailerName, isDestroyed,
    authRequiredAfterMs,
    clearUserData: () => projects.clear(),
    identityChanged: () => host.notifyIdentity(),
    // The catalog travels with the first token's check (GET /v1/me); its
    // answer is shown only if that token is accepted.
    prefetch: (token) => catalog.prefetch(createApi(withToken(fetchFn, apiBase, token))),
    accepted: ({ identity, first, changed, early }) => {
      if (first && early) void catalog.loadPrefetched(/** @type {import('./catalog.js').Prefetched} */ (early));
      else if (first || catalog.status === 'error') void catalog.load();
      if (identity.kind === 'user' && (changed || projects.idle())) void projects.load({ reopen: true });
      else projects.render();
    },
  });
  /** @type {Bridge} */
  const bridge = createBridge({ win, parent, allowedOrigins: config.origins, onMessage, logger });

  /** @param {HostMessage} msg */
  function onMessage(msg) {
    if (destroyed) return;
    switch (msg.event) {
      case 'Authentication':
      case 'Login':
      case 'TokenRefreshed':
        session.accept(msg.content.token, msg.event).catch((err) => {
          logger.warn?.('planner: token handling failed', { event: msg.event, error: String(err) });
        });
        return;
      case 'Logout':
        session.logout();
        return;
      case 'LoadProject':
        projects.openProject(msg.content.projectId, { announce: true }).catch((err) => {
          logger.warn?.('planner: LoadProject failed', { error: String(err) });
        });
        return;
      case 'SetUpSettings':
        applySettings(msg.content);
        return;
    }
  }

  let localeGen = 0; // SetUpSettings {locale} asked so far: the last one wins
  /** @param {import('./protocol.js').SettingsContent} next */
  function applySettings(next) {
    if (next.theme) {
      const theme = next.theme;
      if (view.theme) safely('view.theme', () => view.theme?.(theme));
      if (next.locale === undefined && next.currency === undefined && next.units === undefined) return;
    }
    if (next.units !== undefined) settings.units = next.units;
    if (next.locale !== undefined) {
      const loc = canonicalLocale(next.locale);
      const gen = ++localeGen;
      if (loc && !hasLocale(loc)) {
        // Its table first (i18n-fr.js), then the switch: no half-translated
        // screen. A later locale wins over this one; a failure is said, and
        // the next SetUpSettings tries again.
        loadLocale(loc).then(() => {
          if (gen === localeGen && !destroyed) applySettings({ locale: loc });
        }, (err) => {
          logger.warn?.('planner: could not load a locale', { locale: loc, error: String(err) });
          if (gen === localeGen && !destroyed) view.alert(tr('aLocale', loc, err instanceof Error ? err.message : String(err)));
        });
        if (next.currency === undefined) return;
        next = { currency: next.currency };
      } else if (loc) settings.locale = loc;
      else logger.warn?.('planner: ignoring an unknown locale', { locale: next.locale });
    }
    if (next.currency !== undefined) settings.currency = next.currency;
    if (view.lang) safely('view.lang', () => view.lang?.(settings.locale));
    status.render();
    catalog.render();
    projects.render();
    const ed = host.editor;
    if (ed?.settingsChanged) safely('editor.settingsChanged', () => ed.settingsChanged?.({ ...settings }, next));
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    events?.close();
    session.destroy();
    host.destroy();
    bridge.destroy();
    gate.destroy();
    remote.live?.destroy();
  }

  // Draw the initial state (the template's status text stays until then).
  if (view.lang) safely('view.lang', () => view.lang?.(settings.locale));
  catalog.render();
  projects.render();

  /**
   * debug is a read-only view for e2e tests and people debugging; it never
   * holds a token.
   */
  const debug = Object.freeze({
    get gateState() { return gate.state; },
    get heldCount() { return gate.heldCount; },
    get identity() { return session.identity(); },
    get tokenUsable() { return gate.currentToken() !== null; },
    get clockOffsetMs() { return gate.clockOffsetMs; },
    get hostOrigin() { return bridge.hostOrigin; },
    get bridgeStats() { return JSON.parse(JSON.stringify(bridge.stats)); },
    get epoch() { return session.epoch; },
    get settings() { return { ...settings }; },
    get catalogStatus() { return catalog.status; },
    get productCount() { return catalog.productCount; },
    get projectCount() { return projects.count; },
    get liveState() { return remote.liveState; },
    get openProject() {
      const p = host.open.project;
      return p ? { id: p.id, version: p.version } : null;
    },
  });

  return {
    mountEditor: host.mount,
    refreshCatalog: catalog.load,
    loadMore: catalog.loadMore,
    setCategory: catalog.setCategory,
    setQuery: catalog.setQuery,
    refreshProjects: projects.load,
    openProject: (/** @type {string} */ id) => projects.openProject(id),
    renameListedProject: projects.renameListed,
    deleteListedProject: projects.deleteListed,
    reloadOpenProject: remote.reloadOpenProject,
    saveProject: projects.save,
    createProject: projects.create,
    destroy,
    /** productAdded counts a product the visitor put on the plan (metrics). */
    productAdded: () => events?.productAdded(),
    /** pageHidden sends the metrics left, as the page goes away. */
    pageHidden: () => events?.close(),
    debug,
    get settings() { return settingsView; },
  };
}

/** @typedef {ReturnType<typeof createApp>} App */
