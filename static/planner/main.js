// main.js: the planner page's DOM glue. It reads #planner-config, starts the
// app (app.js holds the logic) and draws the view models the app hands out.
// Text always goes in through textContent, never HTML; the page's CSP allows
// no inline script or style.

import { createApp } from './app.js';
import { createRoomEditor } from './editor/editor.js';
import { attachCatalog } from './editor/catalog-dnd.js';

/**
 * @typedef {import('./app.js').App} App
 * @typedef {import('./app.js').PlannerConfig} PlannerConfig
 * @typedef {import('./app.js').View} View
 * @typedef {import('./app.js').CatalogView} CatalogView
 * @typedef {import('./app.js').ProductView} ProductView
 * @typedef {import('./app.js').ProjectsView} ProjectsView
 * @typedef {import('./app.js').ProjectView} ProjectView
 * @typedef {import('./app.js').EditorFactory} EditorFactory
 */

/** @type {import('./app.js').Logger} */
const consoleLogger = {
  warn: (msg, data) => console.warn(msg, data ?? ''),
};

start();

function start() {
  const status = byId('status');
  const config = readConfig();
  if (!config) {
    status.textContent = 'The planner could not start: its configuration is missing.';
    return;
  }
  if (window.parent === window) {
    // Opened as a page of its own: nobody can hand us a token, so say where it belongs.
    status.textContent = `This page is meant to be embedded by ${config.retailerName || 'the shop'}'s website`;
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
    });
  } catch (err) {
    console.error('planner: could not start', err);
    status.textContent = `The planner is not set up for ${config.retailerName || 'this shop'}'s website yet.`;
    view.alert(err instanceof Error ? err.message : String(err));
    return;
  }
  /** @type {import('./editor/editor.js').RoomEditor | null} */
  let editor = null;
  app.mountEditor((ctx) => (editor = createRoomEditor(ctx)));
  attachCatalog(byId('catalog'), () => editor && {
    add: (id) => editor?.addProduct(id) ?? false,
    drop: (id, x, y) => editor?.dropProduct(id, x, y) ?? false,
    over: (x, y) => editor?.overPlan(x, y) ?? false,
  });
  Object.defineProperty(window, '__planner', { value: app.debug, enumerable: false, writable: false, configurable: false });
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

// ---- view ----

/**
 * createDomView draws the app's state into the page's elements.
 * @param {() => App | null} getApp the app, once started (buttons act on it)
 * @returns {View}
 */
function createDomView(getApp) {
  const statusEl = byId('status');
  const alertEl = byId('alert');
  const catalogList = byId('catalog');
  const projectsList = byId('projects');
  const hint = byId('projects-hint');

  // Catalog controls around the list the template provides.
  const categorySelect = h('select', { id: 'catalog-category', 'data-testid': 'catalog-category', disabled: true });
  const search = h('input', { type: 'search', id: 'catalog-search', 'data-testid': 'catalog-search', placeholder: 'Search', 'aria-label': 'Search the catalog', maxlength: '100' });
  const refreshButton = h('button', { type: 'button', class: 'button secondary', 'data-testid': 'catalog-refresh', disabled: true }, 'Refresh');
  const catalogNote = h('p', { class: 'pane-note', 'data-testid': 'catalog-note', hidden: true });
  const moreButton = h('button', { type: 'button', class: 'button secondary more', 'data-testid': 'catalog-more', hidden: true }, 'Load more');
  catalogList.before(h('div', { class: 'catalog-tools' },
    h('label', { for: 'catalog-category', class: 'visually-hidden' }, 'Category'),
    categorySelect,
    refreshButton,
  ));
  catalogList.before(search);
  catalogList.after(catalogNote, moreButton);
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let searchTimer;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void getApp()?.setQuery(search.value), 250);
  });
  categorySelect.addEventListener('change', () => void getApp()?.setCategory(categorySelect.value));
  refreshButton.addEventListener('click', () => void getApp()?.refreshCatalog());
  moreButton.addEventListener('click', () => void getApp()?.loadMore());
  let categoriesKey = '';

  const projectsNote = h('p', { class: 'pane-note', 'data-testid': 'projects-note', hidden: true });
  projectsList.after(projectsNote);
  projectsList.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target.closest('button[data-project-id]') : null;
    const id = target?.getAttribute('data-project-id');
    if (id) void getApp()?.openProject(id);
  });

  return {
    status(text) {
      statusEl.textContent = text;
    },

    alert(message) {
      if (message === null) {
        alertEl.hidden = true;
        alertEl.replaceChildren();
        return;
      }
      const close = h('button', { type: 'button', class: 'alert-close', 'data-testid': 'alert-dismiss', 'aria-label': 'Dismiss' }, '×');
      close.addEventListener('click', () => {
        alertEl.hidden = true;
        alertEl.replaceChildren();
      });
      alertEl.replaceChildren(h('span', { class: 'alert-text', 'data-testid': 'alert-text' }, message), close);
      alertEl.hidden = false;
    },

    catalog(v) {
      const key = JSON.stringify(v.categories.map((c) => [c.id, c.name, c.count]));
      if (key !== categoriesKey) {
        categoriesKey = key;
        categorySelect.replaceChildren(
          h('option', { value: '' }, 'All products'),
          ...v.categories.map((c) => h('option', { value: c.id }, `${c.name} (${c.count})`)),
        );
      }
      categorySelect.value = v.category;
      categorySelect.disabled = v.status === 'idle';
      refreshButton.disabled = v.status === 'idle';
      catalogList.setAttribute('aria-busy', String(v.status === 'loading'));
      catalogList.replaceChildren(...v.products.map(productItem));
      let note = '';
      if (v.status === 'idle') note = 'The catalog appears once the planner is connected.';
      else if (v.products.length === 0) {
        note = v.status === 'loading' ? 'Loading the catalog…'
          : v.status === 'error' ? 'The catalog could not be loaded. Try Refresh.'
            : 'No products here yet.';
      }
      catalogNote.textContent = note;
      catalogNote.hidden = note === '';
      moreButton.hidden = !v.hasMore;
      moreButton.disabled = v.loadingMore;
      moreButton.textContent = v.loadingMore ? 'Loading…' : 'Load more';
    },

    projects(v) {
      hint.hidden = v.signedIn;
      projectsList.setAttribute('aria-busy', String(v.loading));
      projectsList.replaceChildren(...v.items.map(projectItem));
      const note = !v.signedIn ? '' : v.loading && v.items.length === 0 ? 'Loading your projects…'
        : !v.loading && v.items.length === 0 ? 'No saved projects yet.' : '';
      projectsNote.textContent = note;
      projectsNote.hidden = note === '';
    },

    lang(locale) {
      document.documentElement.lang = locale;
    },
  };
}

/**
 * @param {ProductView} p
 * @returns {HTMLLIElement}
 */
function productItem(p) {
  const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  // A CSSOM write, which style-src 'self' allows (unlike a style attribute in markup).
  if (p.color) swatch.style.backgroundColor = p.color;
  const li = h('li', { class: 'product', 'data-testid': 'product', 'data-product-id': p.id },
    swatch,
    h('span', { class: 'product-main' },
      h('span', { class: 'product-name', 'data-testid': 'product-name' }, p.name),
      h('span', { class: 'product-size', 'data-testid': 'product-size' }, p.size),
    ),
    h('span', { class: 'product-price', 'data-testid': 'product-price' }, p.price),
    h('button', { type: 'button', class: 'product-add', 'data-testid': 'product-add', 'aria-label': `Add ${p.name} to the plan` }, '+'),
  );
  if (p.description) li.title = p.description;
  return li;
}

/**
 * @param {ProjectView} p
 * @returns {HTMLLIElement}
 */
function projectItem(p) {
  const time = h('time', { datetime: p.updatedAt }, p.updated);
  return h('li', { class: 'project', 'data-testid': 'project', 'data-project-id': p.id },
    h('button', { type: 'button', class: 'project-open', 'data-project-id': p.id, 'data-testid': 'project-open' },
      h('span', { class: 'project-name', 'data-testid': 'project-name' }, p.name),
      h('span', { class: 'project-meta' },
        h('span', { 'data-testid': 'project-items' }, p.items),
        p.updated ? ' · Updated ' : '',
        p.updated ? time : '',
      ),
    ),
  );
}

// ---- DOM helpers ----

/**
 * byId returns the page element with id; the template guarantees it.
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`planner: the page has no #${id}`);
  return el;
}

/**
 * h creates an element with attributes (true: present, false: absent) and
 * children (strings become text nodes, never HTML).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | boolean>} [attrs]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  el.append(...children);
  return el;
}
