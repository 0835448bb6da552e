// main.js: the planner page's bootstrap. It reads #planner-config, creates
// the app (app.js), its DOM view (view.js) and the room editor, and wires
// them together. The room editor (editor/editor.js, with its model and
// drawing: half the planner's code) is a chunk of its own: the catalog needs
// none of it, so the page's first load leaves it out, and start() fetches
// it at once, while the host answers Ready with a token.

import { createApp } from './app.js';
import { createDomView } from './view.js';
import { attachCatalog } from './editor/catalog-dnd.js';
import { t, hasLocale, loadLocale } from './i18n.js';
import { byId } from './dom.js';

/**
 * @typedef {import('./app.js').App} App
 * @typedef {import('./app.js').PlannerConfig} PlannerConfig
 */

/** @type {import('./app.js').Logger} */
const consoleLogger = {
  warn: (msg, data) => console.warn(msg, data ?? ''),
};

boot();

// boot fetches the page's language first when it has a table of its own
// (French): the server painted the shell in it, so no English may flash.
function boot() {
  const config = readConfig();
  const locale = config?.locale || document.documentElement.lang || 'en';
  if (hasLocale(locale)) start(config, null);
  else loadLocale(locale).then(() => start(config, null), (err) => start(config, err));
}

/**
 * @param {PlannerConfig | null} config
 * @param {unknown} localeErr why the page's language could not be loaded (it speaks English then, and says so)
 */
function start(config, localeErr) {
  const status = byId('status');
  if (!config) {
    status.textContent = t(document.documentElement.lang || 'en', 'noConfig');
    return;
  }
  const shop = config.retailerName || t(config.locale, 'theShop');
  if (window.parent === window) {
    // Opened as a page of its own: nobody can hand us a token, so say where it belongs.
    status.textContent = t(config.locale, 'notEmbedded', shop);
    const panes = document.querySelector('.panes');
    if (panes instanceof HTMLElement) panes.hidden = true;
    return;
  }

  /** @type {App | null} */
  let app = null;
  const view = createDomView(() => app);
  try {
    app = createApp({
      config: { ...config, apiBase: sameOriginBase(config.apiBase) },
      view,
      win: window,
      parent: window.parent,
      // Bearer tokens only: the API needs no cookies.
      fetch: (url, init) => window.fetch(url, { ...init, credentials: 'omit' }),
      editorSlot: byId('editor-slot'),
      logger: consoleLogger,
      // The live channel (config.liveUrl, same origin as the page: CSP connect-src 'self').
      WebSocket: window.WebSocket,
      // Counts for the retailer's own metrics; a random id per load, no personal data.
      reportEvents: (a) => crypto.getRandomValues(a),
    });
  } catch (err) {
    console.error('planner: could not start', err);
    status.textContent = t(config.locale, 'notSetUp', config.retailerName || t(config.locale, 'thisShop'));
    view.alert(err instanceof Error ? err.message : String(err));
    return;
  }
  if (localeErr) {
    console.warn('planner: could not load the page\'s language', localeErr);
    view.alert(t(config.locale, 'aLocale', config.locale, localeErr instanceof Error ? localeErr.message : String(localeErr)));
  }
  const started = app;
  /** @type {import('./editor/editor.js').RoomEditor | null} */
  let editor = null;
  /** @type {Promise<import('./editor/editor.js').RoomEditor | null> | null} the editor's chunk on its way */
  let loading = null;
  // The host's token, /v1/me and the catalog take a round trip or two after
  // Ready: the editor's chunk, asked for now, is in by then. A failed fetch
  // is said, and the next product clicked in the catalog tries again.
  const loadEditor = () => (loading ??= import('./editor/editor.js').then(({ createRoomEditor }) => {
    if (!editor) started.mountEditor((ctx) => (editor = createRoomEditor({ ...ctx, sideSlot: byId('side-slot') })));
    return editor;
  }, (err) => {
    loading = null;
    console.warn('planner: the editor could not be loaded', err);
    view.alert(t(started.settings.locale, 'aEditorLoad', err instanceof Error ? err.message : String(err)));
    return null;
  }));
  void loadEditor();
  /** counted reports a product added to the retailer's metrics. @param {boolean} added */
  const counted = (added) => {
    if (added) started.productAdded();
    return added;
  };
  attachCatalog(byId('catalog'), () => editor ? {
    add: (id) => counted(editor?.addProduct(id) ?? false),
    drop: (id, x, y) => counted(editor?.dropProduct(id, x, y) ?? false),
    over: (x, y) => editor?.overPlan(x, y) ?? false,
  } : {
    // Clicked before the editor arrived: the product goes in once it has.
    // There is no plan yet to drop a card on.
    add: (id) => { void loadEditor().then((ed) => ed && counted(ed.addProduct(id))); return true; },
    drop: () => false,
    over: () => false,
  });
  window.addEventListener('pagehide', () => started.pageHidden());
  Object.defineProperty(window, '__planner', { value: started.debug, enumerable: false, writable: false, configurable: false });
}

/**
 * readConfig parses #planner-config; null when it is missing or malformed.
 * @returns {PlannerConfig | null}
 */
function readConfig() {
  const el = document.getElementById('planner-config');
  if (!el) return null;
  /** @type {any} */
  let raw;
  try {
    raw = JSON.parse(el.textContent || '');
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object' || typeof raw.distribution !== 'string') return null;
  const str = (/** @type {unknown} */ v) => (typeof v === 'string' ? v : '');
  return {
    origins: Array.isArray(raw.origins) ? raw.origins.filter((/** @type {unknown} */ o) => typeof o === 'string') : [],
    apiBase: str(raw.apiBase),
    distribution: raw.distribution,
    retailerName: str(raw.retailerName),
    locale: str(raw.locale) || document.documentElement.lang || 'en',
    liveUrl: str(raw.liveUrl),
  };
}

/**
 * sameOriginBase keeps apiBase when it is this page's origin. The page's CSP
 * allows connect-src 'self' only, so any other base could never be reached.
 * @param {string} apiBase
 * @returns {string}
 */
function sameOriginBase(apiBase) {
  if (apiBase === '') return '';
  try {
    const u = new URL(apiBase, window.location.href);
    if (u.origin === window.location.origin) return u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    // not a URL: fall through
  }
  console.warn('planner: apiBase is not this page\'s origin; using the page\'s origin instead');
  return '';
}
