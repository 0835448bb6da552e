// app.js: the planner iframe app's logic, free of the DOM.
//
// It wires the bridge (postMessage), the token gate (held calls) and the API
// together and decides what the screen shows; main.js only turns the view
// models it hands out into elements. Everything here runs under node --test
// with a fake window, fetch and clock.
//
// Tokens: a token posted by the host is checked with GET /v1/me before the
// gate may use it. It must belong to this page's distribution and be of the
// kind its event announces. Token messages are applied in arrival order: a
// slow check never installs a token after a later Logout or token.
//
// Identity: every accepted token whose identity (kind + uid) differs from the
// previous one, and every Logout, starts a new session. Answers to reads made
// in an older session are dropped, so one visitor's projects never reach the
// screen of the next; writes are bound to their identity by the gate.

import { createBridge as defaultCreateBridge } from './bridge.js';
import { systemClock } from './clock.js';
import { safely as logSafely } from './log.js';
import { createTokenGate as defaultCreateGate } from './token-gate.js';
import { createApi, tokenInfoFromMe, verifyToken } from './api.js';
import { createLiveClient, liveURL } from './live.js';
import { t } from './i18n.js';
import { MAX_NAME } from './editor/model.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Category} Category
 * @typedef {import('./api.js').Me} Me
 * @typedef {import('./api.js').Product} Product
 * @typedef {import('./api.js').Project} Project
 * @typedef {import('./api.js').ProjectDoc} ProjectDoc
 * @typedef {import('./api.js').ProjectSummary} ProjectSummary
 * @typedef {import('./api.js').TokenKind} TokenKind
 * @typedef {import('./bridge.js').Bridge} Bridge
 * @typedef {import('./bridge.js').ParentLike} ParentLike
 * @typedef {import('./bridge.js').WindowLike} WindowLike
 * @typedef {import('./protocol.js').HostMessage} HostMessage
 * @typedef {import('./protocol.js').PlannerEvent} PlannerEvent
 * @typedef {import('./clock.js').Clock} Clock
 * @typedef {import('./token-gate.js').FetchLike} FetchLike
 * @typedef {import('./token-gate.js').GateState} GateState
 * @typedef {import('./token-gate.js').TokenGate} TokenGate
 * @typedef {import('./token-gate.js').TokenGateOptions} TokenGateOptions
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
 * conversion), the setting only fills in when a product has none.
 * @typedef {{locale: string, currency: string}} Settings
 */

/**
 * Identity is who the accepted token speaks for; uid is "" for legal-entity.
 * @typedef {{kind: TokenKind, uid: string}} Identity
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
 */

/**
 * ProjectView is one row of "My projects"; version is the one a rename or
 * delete from the row sends as If-Match.
 * @typedef {{id: string, name: string, version: number, items: string, updated: string, updatedAt: string}} ProjectView
 */

/**
 * ProjectsView is the projects pane's state; signedIn false means the
 * visitor is anonymous (the hint shows, the list is empty).
 * @typedef {{signedIn: boolean, loading: boolean, items: ProjectView[]}} ProjectsView
 */

/**
 * View is what the app draws on; main.js implements it with the DOM.
 * @typedef {object} View
 * @property {(text: string) => void} status the status line
 * @property {(message: string | null) => void} alert shows a message, null hides it
 * @property {(catalog: CatalogView) => void} catalog
 * @property {(projects: ProjectsView) => void} projects
 * @property {(locale: string) => void} [lang] the language: once at start, then after each SetUpSettings
 *   (the view re-labels what it draws itself)
 */

/**
 * EditorContext is what an editor factory receives.
 * @typedef {object} EditorContext
 * @property {unknown} slot where the editor draws (#editor-slot in the browser)
 * @property {Api} api the planner API; every call goes through the token gate
 * @property {{post: (event: PlannerEvent, content?: unknown) => boolean}} bridge posts to the host
 *   (AddToBasket, LoginRequired, ...)
 * @property {Readonly<Settings>} settings a live read-only view of the settings
 * @property {() => Identity | null} identity who is signed in, null when nobody (or before the first token)
 * @property {(doc: ProjectDoc, target?: {id: string, version: number}) => Promise<Project>} saveProject
 *   creates (no target) or updates a project, posts ProjectSavingSucceeded / ProjectSavingFailed (and
 *   LoginRequired when anonymous), shows failures, refreshes "My projects"; rejects on failure
 * @property {(name: string) => Promise<Project>} createProject saveProject of an empty 400 × 300 cm room,
 *   which becomes the open project (the editor shows it)
 * @property {(minor: number, currency?: string) => string} formatPrice formats minor units for the current locale
 * @property {(productId: string) => Product | undefined} [product] a product of the catalog pages loaded so far
 * @property {(id: string, version: number) => Promise<void>} [deleteProject] deletes a project (If-Match version),
 *   shows failures, refreshes "My projects"; rejects on failure
 * @property {(change: EditorChange) => void} onChange tells the app the editor changed something
 * @property {() => Promise<boolean>} reloadOpenProject fetches the open project again and loads it
 *   (discarding unsaved changes): the answer to an offer made through EditorHandle.remoteChange
 */

/**
 * EditorChange: saved / deleted make the app refresh "My projects".
 * @typedef {{type: 'saved', project: Project} | {type: 'deleted', projectId: string} | {type: 'edited'}} EditorChange
 */

/**
 * EditorHandle is what an editor factory returns.
 * @typedef {object} EditorHandle
 * @property {(project: Project) => void} load shows a project (LoadProject, or picked in "My projects")
 * @property {() => void} clear forgets the shown project (sign-out, another user)
 * @property {() => Promise<boolean>} [leave] called before another project is opened: saves unsaved
 *   changes first, or asks the visitor; resolves false to stay (the open is then refused)
 * @property {() => void} destroy removes the editor from its slot
 * @property {(identity: Identity | null) => void} [identityChanged] called on every identity change
 * @property {(settings: Settings) => void} [settingsChanged] called after SetUpSettings
 * @property {(change: RemoteChange) => void} [remoteChange] the open project was changed or deleted in
 *   another tab or device while it has unsaved changes here: offer ctx.reloadOpenProject(); without this
 *   method the app shows the offer as an alert. Unchanged projects are reloaded with load() at once.
 */

/**
 * RemoteChange is a change of the open project made elsewhere (live channel).
 * @typedef {{type: 'updated', projectId: string, version: number} | {type: 'deleted', projectId: string}} RemoteChange
 */

/**
 * EditorFactory builds the editor in ctx.slot.
 * @typedef {(ctx: EditorContext) => EditorHandle} EditorFactory
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
 * @property {typeof defaultCreateBridge} [createBridge] for tests
 * @property {typeof defaultCreateGate} [createGate] for tests
 */

/** AUTH_REQUIRED_AFTER_MS: without a token this long after Ready, the planner posts AuthenticationRequired. */
export const AUTH_REQUIRED_AFTER_MS = 3000;

/** NEW_PROJECT_ROOM is the room of a project made with createProject, in cm. */
export const NEW_PROJECT_ROOM = Object.freeze({ width: 400, depth: 300 });

/** MAX_PROJECT_NAME_LENGTH bounds names typed in the planner: the API's (web/project.go), the editor's too. */
export const MAX_PROJECT_NAME_LENGTH = MAX_NAME;

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

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
}) {
  const apiBase = config.apiBase ?? '';
  /** @param {string} key @param {...(string | number)} args */
  const tr = (key, ...args) => t(settings.locale, key, ...args);
  const retailerName = () => config.retailerName || tr('theShop');

  /** @type {Identity | null} who the last accepted token speaks for; survives expiry, not Logout */
  let current = null;
  let everAccepted = false;
  let signedOut = false;
  // connectError: the last token was refused while none is accepted (status line).
  let connectError = false;
  // session changes with the identity; async answers of an older session are dropped.
  let session = 0;
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
  let authTimer = null;
  /** @type {GateState} */
  let gateState = 'ok';
  let destroyed = false;
  // alertOwner names the read whose failure the alert shows ('catalog',
  // 'projects'), '' for anything else. When that read succeeds again (e.g.
  // reloaded after the session was renewed) the alert is stale and goes;
  // a write's failure stays until dismissed or replaced.
  /** @type {'' | 'catalog' | 'projects'} */
  let alertOwner = '';

  /** @type {Settings} */
  const settings = { locale: canonicalLocale(config.locale) ?? 'en', currency: '' };

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

  const projects = {
    /** @type {ProjectSummary[]} */
    items: [],
    loaded: false,
    loading: false,
    seq: 0,
  };

  /** @type {Project | null} the project handed to the editor */
  let currentProject = null;
  let openSeq = 0; // bumped by each openProject: an older one still waiting gives way
  /** @type {EditorHandle | null} */
  let editor = null;

  const gate = createGate({
    fetch: fetchFn,
    apiBase,
    clock,
    logger,
    ...gateOptions,
    postTokenExpired: ({ kind }) => {
      if (kind === null) post('AuthenticationRequired', {});
      else post('TokenExpired', { kind });
    },
    onState: (state) => {
      gateState = state;
      renderStatus();
    },
    onAuthFailure: (reason, message) => {
      // The API refused a token /v1/me had accepted (revoked, key rotated out):
      // tell the host, by the kind it sent, so it can send another.
      const kind = current?.kind ?? 'legal-entity';
      post(kind === 'user' ? 'LoginFailed' : 'AuthenticationFailed', { reason, message });
      showAlert(message || tr('aSession'));
    },
  });
  const api = createApi(gate);

  // The live channel follows the visitor's projects and the catalog. It
  // authenticates with every token install() accepts; its tokenExpired goes
  // through the gate (see liveTokenExpired), never straight to the host.
  const live = socketConstructor && config.liveUrl ? createLiveClient({
    url: liveURL(config.liveUrl, config.distribution),
    WebSocket: socketConstructor,
    clock,
    random,
    logger,
    onEvent: onLiveEvent,
    onResync: onLiveResync,
    onTokenExpired: liveTokenExpired,
  }) : null;
  // editedSinceLoad: the editor reported changes to the open project that
  // are not saved; a change made elsewhere is then offered, not loaded.
  let editedSinceLoad = false;
  // saving counts saves in flight; a live event for the open project that
  // arrives meanwhile may be our own save's, so it waits for the answer.
  let saving = 0;
  /** @type {RemoteChange | null} */
  let deferredChange = null;

  /** @type {Bridge} */
  const bridge = createBridge({ win, parent, allowedOrigins: config.origins, onMessage, logger });
  authTimer = clock.setTimeout(() => {
    authTimer = null;
    authRequiredDue = true;
    maybePostAuthenticationRequired();
  }, authRequiredAfterMs);

  // ---- host messages ----

  /** @param {HostMessage} msg */
  function onMessage(msg) {
    if (destroyed) return;
    switch (msg.event) {
      case 'Authentication':
      case 'Login':
      case 'TokenRefreshed':
        acceptToken(msg.content.token, msg.event).catch((err) => {
          logger.warn?.('planner: token handling failed', { event: msg.event, error: String(err) });
        });
        return;
      case 'Logout':
        logout();
        return;
      case 'LoadProject':
        openProject(msg.content.projectId, { announce: true }).catch((err) => {
          logger.warn?.('planner: LoadProject failed', { error: String(err) });
        });
        return;
      case 'SetUpSettings':
        applySettings(msg.content);
        return;
    }
  }

  /**
   * @param {PlannerEvent} event
   * @param {unknown} content
   */
  function post(event, content) {
    if (destroyed) return false;
    return bridge.post(event, content);
  }

  // ---- tokens ----

  /**
   * expectedKind is the kind a token message must carry; null accepts either.
   * A TokenRefreshed renews the kind in use; after Logout that is the
   * anonymous kind; before any token, either.
   * @param {'Authentication' | 'Login' | 'TokenRefreshed'} via
   * @returns {TokenKind | null}
   */
  function expectedKind(via) {
    if (via === 'Authentication') return 'legal-entity';
    if (via === 'Login') return 'user';
    return current?.kind ?? (signedOut ? 'legal-entity' : null);
  }

  /**
   * acceptToken checks a token from the host and installs it in the gate.
   * @param {string} token
   * @param {'Authentication' | 'Login' | 'TokenRefreshed'} via
   */
  async function acceptToken(token, via) {
    const seq = ++messageSeq;
    const wanted = expectedKind(via);
    verifying++;
    try {
      const outcome = await checkToken(token, wanted);
      if (destroyed) return;
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
      install(token, me, receivedAt, seq);
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
   * checkToken asks /v1/me about a token and checks distribution and kind.
   * @param {string} token
   * @param {TokenKind | null} wanted
   * @returns {Promise<{ok: true, me: Me, receivedAt: number} |
   *   {ok: false, kind?: TokenKind, reason: string, message: string}>}
   */
  async function checkToken(token, wanted) {
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
    showAlert(kind === 'user' ? tr('aLogin', message) : tr('aConnect', retailerName(), message));
    renderStatus();
  }

  /**
   * install hands a checked token to the gate and updates the screen.
   * @param {string} token
   * @param {Me} me
   * @param {number} receivedAt
   * @param {number} seq
   */
  function install(token, me, receivedAt, seq) {
    if (!gate.setToken(tokenInfoFromMe(token, me, receivedAt))) {
      refuse(me.kind, 'token_expired', 'The token had already expired.');
      return;
    }
    appliedSeq = seq;
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
      session++;
      clearUserData();
    }
    /** @type {{kind: TokenKind, uid?: string, expiresAt: string}} */
    const content = { kind: me.kind, expiresAt: me.expiresAt };
    if (identity.kind === 'user') content.uid = identity.uid;
    post(identity.kind === 'user' ? 'LoginSucceeded' : 'AuthenticationSucceeded', content);
    renderStatus();
    if (changed) notifyEditorIdentity();
    if (first || catalog.status === 'error') void loadCatalog();
    if (identity.kind === 'user' && (changed || (!projects.loaded && !projects.loading))) void loadProjects();
    else renderProjects();
  }

  /** logout drops the token and every trace of the visitor at once. */
  function logout() {
    appliedSeq = ++messageSeq;
    gate.logout();
    live?.logout();
    current = null;
    signedOut = true;
    connectError = false;
    session++;
    clearUserData();
    // An alert could name something of the visitor's (a project, an error about it).
    showAlert(null);
    notifyEditorIdentity();
    renderStatus();
  }

  function clearUserData() {
    projects.items = [];
    projects.loaded = false;
    projects.loading = false;
    projects.seq++;
    currentProject = null;
    if (editor) safely('editor.clear', () => editor?.clear());
    renderProjects();
  }

  function maybePostAuthenticationRequired() {
    if (!authRequiredDue || authRequiredPosted || everAccepted || verifying > 0 || destroyed) return;
    authRequiredPosted = true;
    post('AuthenticationRequired', {});
    renderStatus();
  }

  /**
   * settled resolves once no token is being checked, so a LoadProject sent
   * right after Login is answered for the new identity.
   * @returns {Promise<void>}
   */
  function settled() {
    if (verifying === 0) return Promise.resolve();
    return new Promise((resolve) => settleWaiters.push(resolve));
  }

  // ---- status and alerts ----

  function statusText() {
    if (gateState === 'waiting') return tr('stWaiting');
    if (current !== null) return current.kind === 'user' ? tr('stUser', current.uid) : tr('stGuest');
    if (signedOut) return tr('stSignedOut');
    if (connectError) return tr('stNotConnected', retailerName());
    if (authRequiredPosted) return tr('stAuthWait', retailerName());
    return tr('stConnecting', retailerName());
  }

  function renderStatus() {
    if (destroyed) return;
    safely('view.status', () => view.status(statusText()));
  }

  /**
   * @param {string | null} message
   * @param {'' | 'catalog' | 'projects'} [owner] the read this message is about
   */
  function showAlert(message, owner = '') {
    if (destroyed) return;
    alertOwner = message === null ? '' : owner;
    safely('view.alert', () => view.alert(message));
  }

  /**
   * clearAlertOf hides the alert if it reports owner's failure: owner has
   * just succeeded, so the alert no longer says anything true.
   * @param {'catalog' | 'projects'} owner
   */
  function clearAlertOf(owner) {
    if (alertOwner === owner) showAlert(null);
  }

  /**
   * reportError shows a failed call's message; a closed gate is no news.
   * @param {unknown} err
   * @param {'' | 'catalog' | 'projects'} [owner]
   */
  function reportError(err, owner = '') {
    if (isCode(err, 'closed')) return;
    showAlert(messageOf(err), owner);
  }

  // ---- catalog ----

  function catalogQuery() {
    /** @type {{category?: string, q?: string}} */
    const query = catalog.category ? { category: catalog.category } : {};
    if (catalog.q) query.q = catalog.q;
    return query;
  }

  /** loadCatalog (re)reads the categories and the first page of products. */
  async function loadCatalog() {
    const seq = ++catalog.seq;
    catalog.status = 'loading';
    catalog.loadingMore = false;
    renderCatalog();
    try {
      const [categories, page] = await Promise.all([api.categories(), api.products(catalogQuery())]);
      if (seq !== catalog.seq) return;
      catalog.categories = Array.isArray(categories) ? categories : [];
      catalog.products = Array.isArray(page?.products) ? page.products : [];
      catalog.nextCursor = typeof page?.nextCursor === 'string' ? page.nextCursor : '';
      catalog.status = 'ready';
      clearAlertOf('catalog');
    } catch (err) {
      if (seq !== catalog.seq) return;
      catalog.status = 'error';
      reportError(err, 'catalog');
    }
    renderCatalog();
  }

  /** loadMore appends the next page of products. */
  async function loadMore() {
    if (catalog.status !== 'ready' || !catalog.nextCursor || catalog.loadingMore) return;
    const seq = catalog.seq;
    catalog.loadingMore = true;
    renderCatalog();
    try {
      const page = await api.products({ ...catalogQuery(), cursor: catalog.nextCursor });
      if (seq !== catalog.seq) return;
      const seen = new Set(catalog.products.map((p) => p.id));
      catalog.products = [...catalog.products, ...(page.products ?? []).filter((p) => !seen.has(p.id))];
      catalog.nextCursor = typeof page.nextCursor === 'string' ? page.nextCursor : '';
    } catch (err) {
      if (seq !== catalog.seq) return;
      reportError(err, 'catalog');
    }
    catalog.loadingMore = false;
    renderCatalog();
  }

  /**
   * setCategory filters the catalog ("" for all products).
   * @param {string} category
   */
  function setCategory(category) {
    catalog.category = typeof category === 'string' ? category : '';
    return loadCatalog();
  }

  /**
   * setQuery searches the catalog by name ("" for no search).
   * @param {string} q
   */
  function setQuery(q) {
    catalog.q = typeof q === 'string' ? q.trim().slice(0, 100) : '';
    return loadCatalog();
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
    };
  }

  function renderCatalog() {
    if (destroyed) return;
    /** @type {CatalogView} */
    const v = {
      status: catalog.status,
      categories: catalog.categories.map((c) => ({ ...c })),
      category: catalog.category,
      products: catalog.products.map(productView),
      hasMore: catalog.nextCursor !== '',
      loadingMore: catalog.loadingMore,
    };
    safely('view.catalog', () => view.catalog(v));
  }

  // ---- projects ----

  /** loadProjects reads the signed-in user's projects. */
  async function loadProjects() {
    if (current?.kind !== 'user') {
      renderProjects();
      return;
    }
    const s = session;
    const seq = ++projects.seq;
    projects.loading = true;
    renderProjects();
    try {
      const list = await api.projects();
      if (s !== session || seq !== projects.seq) return;
      projects.items = Array.isArray(list) ? list : [];
      projects.loaded = true;
      clearAlertOf('projects');
    } catch (err) {
      if (s !== session || seq !== projects.seq) return;
      reportError(err, 'projects');
    }
    projects.loading = false;
    renderProjects();
  }

  /** @param {ProjectSummary} p @returns {ProjectView} */
  function projectView(p) {
    const n = Number(p.itemCount) || 0;
    return {
      id: String(p.id),
      name: String(p.name ?? ''),
      version: Number(p.version) || 0,
      items: n === 0 ? tr('items0') : n === 1 ? tr('items1') : tr('itemsN', n),
      updated: formatDate(p.updatedAt, settings.locale),
      updatedAt: typeof p.updatedAt === 'string' ? p.updatedAt : '',
    };
  }

  function renderProjects() {
    if (destroyed) return;
    const signedIn = current?.kind === 'user';
    /** @type {ProjectsView} */
    const v = {
      signedIn,
      loading: signedIn && projects.loading,
      items: signedIn ? projects.items.map(projectView) : [],
    };
    safely('view.projects', () => view.projects(v));
  }

  /**
   * openProject reads a project and hands it to the editor. With announce
   * (the host's LoadProject) it answers ProjectLoadingSucceeded / Failed.
   * @param {string} projectId
   * @param {{announce?: boolean}} [opts]
   * @returns {Promise<boolean>} whether the project is now in the editor
   */
  async function openProject(projectId, { announce = false } = {}) {
    /** @param {string} error @param {string} [code] */
    const failed = (error, code) => {
      if (announce) post('ProjectLoadingFailed', code ? { projectId, error, code } : { projectId, error });
      return false;
    };
    await settled();
    if (destroyed) return false;
    if (current?.kind !== 'user') {
      showAlert(tr('aOpenSignIn'));
      return failed('sign in required', 'login_required');
    }
    const s = session;
    const seq = ++openSeq;
    // Unsaved work is saved (or the visitor chooses) before another project
    // replaces it; never dropped without a word.
    const handle = editor;
    if (handle?.leave) {
      let go = false;
      try {
        go = await handle.leave();
      } catch (err) {
        logger.warn?.('planner: editor.leave failed', { error: String(err) });
      }
      if (s !== session) return failed('signed out before the project was loaded', 'identity_changed');
      if (seq !== openSeq) return failed('another project was opened meanwhile', 'superseded');
      if (!go) return failed('the open project has unsaved changes the visitor kept', 'unsaved_changes');
    }
    /** @type {Project} */
    let project;
    try {
      project = await api.project(projectId);
    } catch (err) {
      if (s !== session) return failed('signed out before the project was loaded', 'identity_changed');
      reportError(err);
      return failed(messageOf(err), codeOf(err));
    }
    if (s !== session) return failed('signed out before the project was loaded', 'identity_changed');
    currentProject = project;
    editedSinceLoad = false;
    const shown = editor === null || safely('editor.load', () => editor?.load(project));
    if (!shown) {
      showAlert(tr('aEditorFailed'));
      return failed('the editor could not open this project', 'editor_failed');
    }
    if (announce) post('ProjectLoadingSucceeded', { projectId, name: project.name, version: project.version });
    return true;
  }

  /**
   * saveProject creates (no target) or replaces a project of the signed-in user.
   * @param {ProjectDoc} doc
   * @param {{id: string, version: number}} [target]
   * @returns {Promise<Project>}
   */
  async function saveProject(doc, target) {
    if (current?.kind !== 'user') {
      post('LoginRequired', { reason: 'save' });
      post('ProjectSavingFailed', target ? { projectId: target.id, error: 'sign in required' } : { error: 'sign in required' });
      showAlert(tr('aSaveSignIn'));
      throw new Error('sign in required');
    }
    /** @type {Project} */
    let project;
    saving++;
    try {
      project = target ? await api.updateProject(target.id, target.version, doc) : await api.createProject(doc);
    } catch (err) {
      settleSave();
      const code = codeOf(err);
      /** @type {Record<string, unknown>} */
      const content = { error: messageOf(err) };
      if (code) content.code = code;
      if (target) content.projectId = target.id;
      post('ProjectSavingFailed', content);
      reportError(err);
      throw err;
    }
    post('ProjectSavingSucceeded', { projectId: project.id, version: project.version });
    if (currentProject?.id === project.id) {
      currentProject = project;
      editedSinceLoad = false;
    }
    settleSave();
    void loadProjects();
    return project;
  }

  /**
   * deleteProject deletes a project of the signed-in user (the editor's
   * Delete). It counts as a save in flight, so the live channel's news of
   * this very delete is not reported as another tab's.
   * @param {string} id
   * @param {number} version
   * @returns {Promise<void>}
   */
  async function deleteProject(id, version) {
    saving++;
    try {
      await api.deleteProject(id, version);
      if (currentProject?.id === id) currentProject = null;
    } catch (err) {
      reportError(err);
      throw err;
    } finally {
      settleSave();
    }
    void loadProjects();
  }

  /**
   * createProject saves a new, empty project named name.
   * @param {string} name
   * @returns {Promise<Project>}
   */
  function createProject(name) {
    const n = typeof name === 'string' ? name.trim() : '';
    if (n === '' || n.length > MAX_PROJECT_NAME_LENGTH) {
      const message = tr('aNameLength', MAX_PROJECT_NAME_LENGTH);
      showAlert(message);
      return Promise.reject(new Error(message));
    }
    return saveProject({ name: n, room: { ...NEW_PROJECT_ROOM }, items: [] }).then((project) => {
      // The editor's New project shows what it created: that is the open
      // project from now on (live news of it, a delete from the list).
      currentProject = project;
      editedSinceLoad = false;
      return project;
    });
  }

  // ---- "My projects": rename and delete from a row ----

  /**
   * renameListedProject renames a project from its row in "My projects". It
   * reads the project and saves it under the new name at version, the one
   * the row showed (If-Match): a change made elsewhere since is refused
   * (409), never overwritten, and shows a message and a refreshed list. When
   * it is the open project, the editor gets the renamed version if nothing
   * is unsaved there; unsaved changes are kept and offered like another
   * tab's change (load theirs, or keep mine).
   * @param {string} id
   * @param {number} version
   * @param {string} name
   * @returns {Promise<boolean>} whether the project was renamed
   */
  async function renameListedProject(id, version, name) {
    const n = typeof name === 'string' ? name.trim() : '';
    if (n === '' || n.length > MAX_PROJECT_NAME_LENGTH) {
      showAlert(tr('aNameLength', MAX_PROJECT_NAME_LENGTH));
      return false;
    }
    if (current?.kind !== 'user') {
      showAlert(tr('aSaveSignIn'));
      return false;
    }
    const s = session;
    const label = listedName(id, n);
    /** @type {Project} */
    let stored;
    try {
      stored = await api.project(id);
    } catch (err) {
      if (s === session) listFailure(err, label);
      return false;
    }
    if (s !== session) return false;
    const open = currentProject?.id === id ? currentProject : null;
    const edited = editedSinceLoad;
    /** @type {Project} */
    let project;
    try {
      project = await saveProject({ name: n, room: stored.room, items: stored.items }, { id, version });
    } catch (err) {
      if (s === session) listFailure(err, label);
      return false;
    }
    if (s !== session || !open || currentProject?.id !== id) return true;
    if (!edited) {
      currentProject = project;
      editedSinceLoad = false;
      safely('editor.load', () => editor?.load(project));
    } else {
      // saveProject took the renamed version as the open one; the editor
      // still holds the older one with its unsaved changes.
      currentProject = open;
      editedSinceLoad = true;
      changedElsewhere({ type: 'updated', projectId: id, version: project.version }, project);
    }
    return true;
  }

  /**
   * deleteListedProject deletes a project from its row in "My projects" (the
   * row asked for confirmation) at the version the row showed. Deleting the
   * open project leaves the editor with a new, untitled room: the visitor
   * asked for that design to be gone, so none of it stays on screen.
   * @param {string} id
   * @param {number} version
   * @returns {Promise<boolean>} whether the project was deleted
   */
  async function deleteListedProject(id, version) {
    if (current?.kind !== 'user') {
      showAlert(tr('aOpenSignIn'));
      return false;
    }
    const s = session;
    const label = listedName(id, '');
    const wasOpen = currentProject?.id === id;
    try {
      await deleteProject(id, version);
    } catch (err) {
      if (s === session) listFailure(err, label);
      return false;
    }
    if (s === session && wasOpen && currentProject === null) {
      editedSinceLoad = false;
      if (editor) safely('editor.clear', () => editor?.clear());
      showAlert(tr('aOpenDeleted', label || tr('untitled')));
    }
    return true;
  }

  /**
   * listedName is the name "My projects" shows for id.
   * @param {string} id
   * @param {string} fallback
   */
  function listedName(id, fallback) {
    const p = projects.items.find((x) => String(x.id) === id);
    return p && typeof p.name === 'string' ? p.name : fallback;
  }

  /**
   * listFailure shows why a rename or delete from the list failed. A stale
   * version (409) or a project gone meanwhile (404) means the list was out
   * of date: it says so plainly and reloads the list.
   * @param {unknown} err
   * @param {string} name
   */
  function listFailure(err, name) {
    if (isCode(err, 'conflict')) showAlert(tr('aListConflict', name));
    else if (isCode(err, 'not_found')) showAlert(tr('aListGone', name));
    else {
      reportError(err);
      return;
    }
    void loadProjects();
  }

  // ---- settings ----

  /** @param {{locale?: string, currency?: string}} next */
  function applySettings(next) {
    if (next.locale !== undefined) {
      const loc = canonicalLocale(next.locale);
      if (loc) settings.locale = loc;
      else logger.warn?.('planner: ignoring an unknown locale', { locale: next.locale });
    }
    if (next.currency !== undefined) settings.currency = next.currency;
    if (view.lang) safely('view.lang', () => view.lang?.(settings.locale));
    renderStatus();
    renderCatalog();
    renderProjects();
    if (editor?.settingsChanged) safely('editor.settingsChanged', () => editor?.settingsChanged?.({ ...settings }));
  }

  // ---- editor ----

  const settingsView = Object.freeze({
    get locale() { return settings.locale; },
    get currency() { return settings.currency; },
  });

  /** @type {EditorContext} */
  const editorContext = Object.freeze({
    slot: editorSlot,
    api,
    bridge: Object.freeze({ post: (/** @type {PlannerEvent} */ event, /** @type {unknown} */ content) => post(event, content) }),
    settings: settingsView,
    identity: () => (current ? { ...current } : null),
    saveProject,
    createProject,
    product: (/** @type {string} */ id) => catalog.products.find((p) => p.id === id),
    deleteProject,
    formatPrice: (/** @type {number} */ minor, /** @type {string | undefined} */ currency) =>
      formatPrice(minor, currency || settings.currency || 'EUR', settings.locale),
    reloadOpenProject,
    onChange: (/** @type {EditorChange} */ change) => {
      if (change?.type === 'edited') editedSinceLoad = true;
      // The editor saves and deletes only the project it shows: that is the
      // open project from now on (or none), so live news of it is tracked and
      // the echo of its own delete is not reported as someone else's.
      if (change?.type === 'saved') {
        editedSinceLoad = false;
        currentProject = change.project;
      }
      if (change?.type === 'deleted' && currentProject?.id === change.projectId) currentProject = null;
      if (change?.type === 'saved' || change?.type === 'deleted') void loadProjects();
    },
  });

  function notifyEditorIdentity() {
    if (editor?.identityChanged) {
      const id = current ? { ...current } : null;
      safely('editor.identityChanged', () => editor?.identityChanged?.(id));
    }
  }

  /**
   * mountEditor replaces the editor in the slot with factory's. The current
   * project (if any) and identity are handed to it at once.
   * @param {EditorFactory} factory
   * @returns {() => void} unmounts this editor
   */
  function mountEditor(factory) {
    if (typeof factory !== 'function') throw new TypeError('mountEditor: factory must be a function');
    if (editor) {
      const old = editor;
      editor = null;
      safely('editor.destroy', () => old.destroy());
    }
    const handle = factory(editorContext);
    for (const m of /** @type {const} */ (['load', 'clear', 'destroy'])) {
      if (!handle || typeof handle[m] !== 'function') throw new TypeError(`mountEditor: the editor has no ${m}()`);
    }
    editor = handle;
    notifyEditorIdentity();
    if (currentProject) {
      const p = currentProject;
      safely('editor.load', () => handle.load(p));
    }
    return () => {
      if (editor !== handle) return;
      editor = null;
      safely('editor.destroy', () => handle.destroy());
    };
  }

  // ---- live channel ----

  /**
   * liveTokenExpired: the server's clock says the token ran out. A read
   * through the gate makes the gate notice (held, or 401 token_expired) and
   * post TokenExpired on its single path, once per expiry however many
   * calls wait; the live client re-authenticates when install() gets the
   * answer.
   */
  function liveTokenExpired() {
    api.me().catch(() => {
      // held calls that time out are the gate's to report
    });
  }

  /**
   * coalesced returns a trigger for load that keeps at most one run in
   * flight: triggers while it runs ask for a single trailing run, however
   * many there are. Live events come in bursts (a replay of up to 256 held
   * events after re-authentication); one fetch per event would flood the
   * API, and during a token renewal the gate's bounded hold queue.
   * @param {() => Promise<unknown>} load must not reject
   * @returns {() => void}
   */
  function coalesced(load) {
    let running = false;
    let again = false;
    return () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      void (async () => {
        try {
          do {
            again = false;
            await load();
          } while (again && !destroyed);
        } finally {
          running = false;
        }
      })();
    };
  }

  // The live channel's refetches: one in flight (plus one trailing) for each
  // of the catalog, the project list and the open project.
  const liveCatalog = coalesced(() => loadCatalog());
  const liveProjects = coalesced(() => loadProjects());
  const liveOpenProject = coalesced(() => checkOpenProject());

  /** @param {import('./live.js').LiveEvent} ev */
  function onLiveEvent(ev) {
    if (destroyed) return;
    if (ev.topic === 'catalog') {
      liveCatalog();
      return;
    }
    if (ev.topic !== 'projects' || current?.kind !== 'user') return;
    liveProjects();
    const open = currentProject;
    if (!open || ev.id !== open.id) return;
    if (ev.event === 'project.deleted') changedElsewhere({ type: 'deleted', projectId: open.id });
    else if (typeof ev.version === 'number' && ev.version > open.version) {
      changedElsewhere({ type: 'updated', projectId: open.id, version: ev.version });
    }
  }

  /**
   * onLiveResync refetches what is shown after events may have been missed
   * (a reconnect, or the server's resync: held events overflowed, which
   * includes premium catalog events).
   */
  function onLiveResync() {
    if (destroyed) return;
    liveCatalog();
    if (current?.kind !== 'user') return;
    liveProjects();
    liveOpenProject();
  }

  /**
   * checkOpenProject fetches the open project and hands a newer version, or
   * its deletion, to changedElsewhere along with what was fetched (so
   * loading it takes no second fetch).
   */
  async function checkOpenProject() {
    const open = currentProject;
    if (!open || current?.kind !== 'user' || destroyed) return;
    const s = session;
    /** @type {Project} */
    let p;
    try {
      p = await api.project(open.id);
    } catch (err) {
      if (s !== session || currentProject?.id !== open.id) return;
      if (isCode(err, 'not_found')) changedElsewhere({ type: 'deleted', projectId: open.id });
      else reportError(err);
      return;
    }
    if (s !== session || currentProject?.id !== open.id) return;
    changedElsewhere({ type: 'updated', projectId: open.id, version: p.version }, p);
  }

  /**
   * changedElsewhere shows another tab's or device's change of the open
   * project: loaded at once when nothing is unsaved here, offered otherwise.
   * @param {RemoteChange} change
   * @param {Project} [fetched] the open project as just fetched, when the news came from that fetch
   */
  function changedElsewhere(change, fetched) {
    if (saving > 0) {
      deferredChange = change;
      return;
    }
    if (currentProject?.id !== change.projectId) return;
    if (change.type === 'updated' && currentProject.version >= change.version) return;
    if (!editedSinceLoad) {
      if (change.type === 'updated') {
        if (fetched && fetched.id === change.projectId && fetched.version === change.version) {
          currentProject = fetched;
          safely('editor.load', () => editor?.load(fetched));
        } else {
          liveOpenProject();
        }
        return;
      }
      currentProject = null;
      if (editor) safely('editor.clear', () => editor?.clear());
      showAlert(tr('aDeletedThere'));
      return;
    }
    if (editor?.remoteChange) {
      safely('editor.remoteChange', () => editor?.remoteChange?.(change));
      return;
    }
    showAlert(tr(change.type === 'updated' ? 'aChangedKept' : 'aDeletedKept'));
  }

  function settleSave() {
    saving--;
    if (saving > 0 || deferredChange === null) return;
    const change = deferredChange;
    deferredChange = null;
    changedElsewhere(change);
  }

  /**
   * reloadOpenProject fetches the open project and hands it to the editor,
   * replacing what is shown (and any unsaved changes).
   * @returns {Promise<boolean>} whether a newer or equal version was loaded
   */
  async function reloadOpenProject() {
    const open = currentProject;
    if (!open || current?.kind !== 'user' || destroyed) return false;
    const s = session;
    /** @type {Project} */
    let project;
    try {
      project = await api.project(open.id);
    } catch (err) {
      if (s !== session) return false;
      if (isCode(err, 'not_found') && currentProject?.id === open.id) {
        editedSinceLoad = false;
        changedElsewhere({ type: 'deleted', projectId: open.id });
        return false;
      }
      reportError(err);
      return false;
    }
    if (s !== session || currentProject?.id !== open.id) return false;
    currentProject = project;
    editedSinceLoad = false;
    safely('editor.load', () => editor?.load(project));
    return true;
  }

  // ---- helpers ----

  /**
   * safely runs a view or editor callback; one failing must not stop the app.
   * @param {string} what
   * @param {() => void} fn
   * @returns {boolean} false when fn threw
   */
  function safely(what, fn) {
    return logSafely(logger, `planner: ${what}`, fn);
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    if (authTimer !== null) clock.clearTimeout(authTimer);
    authTimer = null;
    if (editor) {
      const old = editor;
      editor = null;
      try { old.destroy(); } catch { /* leaving anyway */ }
    }
    bridge.destroy();
    gate.destroy();
    live?.destroy();
  }

  // Draw the initial state (the template's status text stays until then).
  if (view.lang) safely('view.lang', () => view.lang?.(settings.locale));
  renderCatalog();
  renderProjects();

  /**
   * debug is a read-only view for e2e tests and people debugging; it never
   * holds a token.
   */
  const debug = Object.freeze({
    get gateState() { return gate.state; },
    get heldCount() { return gate.heldCount; },
    get identity() { return current ? { ...current } : null; },
    get tokenUsable() { return gate.currentToken() !== null; },
    get clockOffsetMs() { return gate.clockOffsetMs; },
    get hostOrigin() { return bridge.hostOrigin; },
    get bridgeStats() { return JSON.parse(JSON.stringify(bridge.stats)); },
    get session() { return session; },
    get settings() { return { ...settings }; },
    get catalogStatus() { return catalog.status; },
    get productCount() { return catalog.products.length; },
    get projectCount() { return projects.items.length; },
    get liveState() { return live ? live.state : 'off'; },
    get openProject() { return currentProject ? { id: currentProject.id, version: currentProject.version } : null; },
  });

  return {
    mountEditor,
    refreshCatalog: loadCatalog,
    loadMore,
    setCategory,
    setQuery,
    refreshProjects: loadProjects,
    openProject: (/** @type {string} */ id) => openProject(id),
    renameListedProject,
    deleteListedProject,
    reloadOpenProject,
    saveProject,
    createProject,
    destroy,
    debug,
    get settings() { return settingsView; },
  };
}

/** @typedef {ReturnType<typeof createApp>} App */

/**
 * formatPrice formats a price given in minor units of currency (cents for
 * EUR, yen for JPY) for locale.
 * @param {number} minor
 * @param {string} currency ISO 4217
 * @param {string} locale BCP 47
 * @returns {string}
 */
export function formatPrice(minor, currency, locale) {
  if (typeof minor !== 'number' || !Number.isFinite(minor)) return '';
  /** @type {Intl.NumberFormat | null} */
  let nf = null;
  for (const loc of [locale, 'en']) {
    try {
      nf = new Intl.NumberFormat(loc, { style: 'currency', currency });
      break;
    } catch {
      // an unknown locale or currency: try the fallback
    }
  }
  if (nf === null) return `${(minor / 100).toFixed(2)} ${currency}`;
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  return nf.format(minor / 10 ** digits);
}

/**
 * formatDate formats an RFC 3339 time as a date for locale ("" when unusable).
 * @param {unknown} iso
 * @param {string} locale
 * @returns {string}
 */
export function formatDate(iso, locale) {
  const t = typeof iso === 'string' ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return '';
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(t);
  } catch {
    return new Date(t).toISOString().slice(0, 10);
  }
}

/**
 * canonicalLocale returns the canonical form of a BCP 47 tag, or null.
 * @param {unknown} tag
 * @returns {string | null}
 */
export function canonicalLocale(tag) {
  if (typeof tag !== 'string' || tag === '') return null;
  try {
    return Intl.getCanonicalLocales(tag.replace(/_/g, '-'))[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * messageOf is the UI text of a failed call (GateError and ApiError messages are written for people).
 * @param {unknown} err
 * @returns {string}
 */
export function messageOf(err) {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Please try again.';
}

/**
 * @param {unknown} err
 * @returns {string}
 */
function codeOf(err) {
  const code = /** @type {{code?: unknown}} */ (err ?? {}).code;
  return typeof code === 'string' ? code : '';
}

/**
 * @param {unknown} err
 * @param {string} code
 */
function isCode(err, code) {
  return codeOf(err) === code;
}
