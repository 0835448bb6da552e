// view.js: the planner page's DOM view. It draws the view models the app
// hands out (status line, alert, catalog, "My projects") into the page's
// elements and turns clicks into app calls. Text always goes in as text
// nodes, never HTML; the page's CSP allows no inline script or style.

import { MAX_PROJECT_NAME_LENGTH } from './projects.js';
import { t } from './i18n.js';
import { byId, h } from './dom.js';
import { attachLayout } from './layout.js';
import { thumbnail } from './editor/symbols.js';
import { projectPreview } from './project-preview.js';
import { themeProperties } from '../embed/theme.js';

/**
 * @typedef {import('./app.js').App} App
 * @typedef {import('./app.js').View} View
 * @typedef {import('./catalog.js').ProductView} ProductView
 * @typedef {import('./projects.js').ProjectsView} ProjectsView
 * @typedef {import('./projects.js').ProjectView} ProjectView
 */

/**
 * RowMode is a "My projects" row that is being renamed or asked about
 * before a delete; li is its element, kept across redraws so a redraw (a
 * live refresh of the list) never takes the visitor's typing or focus.
 * done is set when the rename or delete succeeded: the row stays as it is
 * until the app has reloaded the list (so the old name never flashes back),
 * then the focus goes to done.
 * @typedef {{id: string, mode: 'rename' | 'delete', version: number, name: string, busy: boolean,
 *   li: HTMLLIElement | null, locale: string, done?: {id: string, testid: string}}} RowMode
 */

/**
 * createDomView draws the app's state into the page's elements.
 * @param {() => App | null} getApp the app, once started (buttons act on it)
 * @returns {View}
 */
export function createDomView(getApp) {
  const statusEl = byId('status');
  const alertEl = byId('alert');
  const catalogList = byId('catalog');
  const projectsList = byId('projects');
  const hint = byId('projects-hint');
  const heads = { appTitle: byId('app-title'), catalog: byId('catalog-title'), myProjects: byId('projects-title'), summary: byId('side-title') };
  const editorSlot = byId('editor-slot');
  // The template paints the first screen in the page's language; lang() re-labels.
  let locale = document.documentElement.lang || 'en';
  /** @param {string} key @param {...(string | number)} a */
  const tr = (key, ...a) => t(locale, key, ...a);
  const layout = attachLayout((key) => tr(key));
  /** @type {string[]} the custom properties the last theme set */
  let appliedTheme = [];
  const dot = document.title.indexOf(' · ');
  const titleSuffix = dot >= 0 ? document.title.slice(dot) : '';

  // Catalog controls around the list the template provides.
  // Categories as chips (a wrapping row; each says how many products it has).
  const chips = h('div', { class: 'chips', role: 'group', id: 'catalog-category', 'data-testid': 'catalog-category', 'aria-label': tr('category') });
  const search = h('input', { type: 'search', id: 'catalog-search', 'data-testid': 'catalog-search', placeholder: tr('search'), 'aria-label': tr('searchLabel'), maxlength: '100' });
  const refreshButton = h('button', { type: 'button', class: 'button secondary small', 'data-testid': 'catalog-refresh', disabled: true }, tr('refresh'));
  const catalogNote = h('p', { class: 'pane-note', 'data-testid': 'catalog-note', role: 'status', hidden: true });
  // More products load as the list scrolls to its end (this button is the
  // sentinel; a click or Enter loads them too).
  const moreButton = h('button', { type: 'button', class: 'button secondary more', 'data-testid': 'catalog-more', hidden: true }, tr('loadMore'));
  catalogList.before(h('div', { class: 'catalog-tools' }, search, refreshButton), chips);
  catalogList.after(catalogNote, moreButton);
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let searchTimer;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void getApp()?.setQuery(search.value), 250);
  });
  chips.addEventListener('click', (e) => {
    const chip = e.target instanceof Element ? e.target.closest('[data-category]') : null;
    if (chip) void getApp()?.setCategory(chip.getAttribute('data-category') ?? '');
  });
  refreshButton.addEventListener('click', () => void getApp()?.refreshCatalog());
  moreButton.addEventListener('click', () => void getApp()?.loadMore());
  let moreSeen = false;
  if (typeof IntersectionObserver === 'function') {
    new IntersectionObserver((entries) => {
      moreSeen = entries.some((e) => e.isIntersecting);
      if (moreSeen && !moreButton.hidden && !moreButton.disabled) void getApp()?.loadMore();
    }, { rootMargin: '0px 0px 200px 0px' }).observe(moreButton);
  }
  let categoriesKey = '';

  const projectsNote = h('p', { class: 'pane-note', 'data-testid': 'projects-note', hidden: true });
  projectsList.after(projectsNote);
  /** @type {ProjectsView | null} */
  let lastProjects = null;
  /** @type {RowMode | null} */
  let row = null;
  /** @type {{id: string, testid: string} | null} what gets the focus once the list is drawn */
  let focusNext = null;

  /** @param {string} id @param {string} testid */
  const refocus = (id, testid) => {
    focusNext = { id, testid };
    drawProjects();
  };
  /** @param {RowMode} r the row leaves its rename or delete step */
  const leave = (r, testid = '') => {
    if (row !== r) return;
    row = null;
    if (testid) refocus(r.id, testid);
    else drawProjects();
  };

  projectsList.addEventListener('click', (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest('button[data-action]') : null;
    const li = button?.closest('li[data-project-id]');
    const id = li?.getAttribute('data-project-id');
    const app = getApp();
    if (!button || !id || !app) return;
    const action = button.getAttribute('data-action');
    const p = lastProjects?.items.find((x) => x.id === id);
    if (action === 'open') {
      void app.openProject(id);
    } else if ((action === 'rename' || action === 'delete') && p && !row?.busy) {
      row = { id, mode: action, version: p.version, name: p.name, busy: false, li: null, locale };
      refocus(id, action === 'rename' ? 'project-list-name-input' : 'project-list-delete-no');
    } else if (action === 'rename-cancel' && row) {
      leave(row, 'project-list-rename');
    } else if (action === 'delete-no' && row) {
      leave(row, 'project-list-delete');
    } else if (action === 'delete-yes' && row?.mode === 'delete' && !row.busy) {
      const r = row;
      busy(r);
      const next = nextRowId(id);
      void app.deleteListedProject(r.id, r.version).then((ok) => {
        if (ok) finish(r, { id: next, testid: 'project-open' });
        else leave(r, 'project-list-delete');
      });
    }
  });
  projectsList.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const r = row;
    const app = getApp();
    if (!r || r.mode !== 'rename' || r.busy || !app || !r.li) return;
    const input = r.li.querySelector('input');
    const name = input ? input.value.trim() : '';
    if (name === '' || name === r.name) {
      leave(r, 'project-list-rename');
      return;
    }
    busy(r);
    // A failure (shown by the app; a stale version reloads the list) ends
    // the rename too: the list the visitor renamed from is out of date.
    void app.renameListedProject(r.id, r.version, name).then((ok) => {
      if (ok) finish(r, { id: r.id, testid: 'project-open' });
      else leave(r, 'project-list-rename');
    });
  });
  projectsList.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || !row || row.busy) return;
    ev.preventDefault();
    leave(row, row.mode === 'rename' ? 'project-list-rename' : 'project-list-delete');
  });

  /**
   * finish ends a row's rename or delete that succeeded, once the list shows it.
   * @param {RowMode} r
   * @param {{id: string, testid: string}} then where the focus goes
   */
  function finish(r, then) {
    if (row !== r) return;
    r.done = then;
    if (lastProjects && !lastProjects.loading) drawProjects();
  }

  /** @param {RowMode} r */
  function busy(r) {
    r.busy = true;
    r.li?.setAttribute('aria-busy', 'true');
    for (const el of r.li?.querySelectorAll('button, input') ?? []) {
      if (el instanceof HTMLButtonElement || el instanceof HTMLInputElement) el.disabled = true;
    }
  }

  /** @param {string} id @returns {string} the row after id's (else before), "" when none */
  function nextRowId(id) {
    const items = lastProjects?.items ?? [];
    const i = items.findIndex((p) => p.id === id);
    return items[i + 1]?.id ?? items[i - 1]?.id ?? '';
  }

  function drawProjects() {
    const v = lastProjects;
    if (!v) return;
    hint.hidden = v.signedIn;
    projectsList.setAttribute('aria-busy', String(v.loading));
    if (row && (!v.items.some((p) => p.id === row?.id) || (row.done && !v.loading))) {
      if (row.done?.id) focusNext = row.done;
      row = null;
    }
    const rows = v.items.map((p) => {
      if (!row || row.id !== p.id) return projectItem(p, tr);
      if (!row.li || row.locale !== locale) {
        const typed = row.li?.querySelector('input')?.value;
        row.li = row.mode === 'rename' ? renameItem(p, row, tr) : deleteItem(p, row, tr);
        row.locale = locale;
        const input = row.li.querySelector('input');
        if (input && typed !== undefined) input.value = typed;
      }
      return row.li;
    });
    reconcile(projectsList, rows);
    const note = !v.signedIn ? '' : v.loading && v.items.length === 0 ? tr('projectsLoading')
      : !v.loading && v.items.length === 0 ? tr('projectsNone') : '';
    projectsNote.textContent = note;
    projectsNote.hidden = note === '';
    const f = focusNext;
    focusNext = null;
    if (f) {
      const li = rows.find((el) => el.getAttribute('data-project-id') === f.id);
      const target = li?.querySelector(`[data-testid="${f.testid}"]`);
      if (target instanceof HTMLElement) {
        target.focus();
        if (target instanceof HTMLInputElement) target.select();
      }
    }
  }

  /** label re-labels what this view drew itself, in locale. */
  function label() {
    document.title = tr('appTitle') + titleSuffix;
    for (const [key, el] of Object.entries(heads)) el.textContent = tr(key);
    hint.textContent = tr('projectsHint');
    editorSlot.setAttribute('aria-label', tr('editorLabel'));
    search.placeholder = tr('search');
    search.setAttribute('aria-label', tr('searchLabel'));
    refreshButton.textContent = tr('refresh');
    chips.setAttribute('aria-label', tr('category'));
    alertEl.querySelector('.alert-close')?.setAttribute('aria-label', tr('dismiss'));
    categoriesKey = '';
    layout.label();
  }

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
      const close = h('button', { type: 'button', class: 'alert-close', 'data-testid': 'alert-dismiss', 'aria-label': tr('dismiss') }, '×');
      close.addEventListener('click', () => {
        alertEl.hidden = true;
        alertEl.replaceChildren();
      });
      alertEl.replaceChildren(h('span', { class: 'alert-text', 'data-testid': 'alert-text' }, message), close);
      alertEl.hidden = false;
    },

    catalog(v) {
      const key = JSON.stringify([v.category, v.status === 'idle', v.categories.map((c) => [c.id, c.name, c.count])]);
      if (key !== categoriesKey) {
        categoriesKey = key;
        const chip = (/** @type {string} */ id, /** @type {string} */ name, /** @type {number | null} */ count) =>
          h('button', { type: 'button', class: 'chip', 'data-testid': 'catalog-chip', 'data-category': id, 'aria-pressed': String(v.category === id), disabled: v.status === 'idle' },
            name, ...(count === null ? [] : [h('span', { class: 'chip-count' }, String(count))]));
        chips.replaceChildren(chip('', tr('allProducts'), null), ...v.categories.map((c) => chip(c.id, c.name, c.count)));
      }
      refreshButton.disabled = v.status === 'idle';
      catalogList.setAttribute('aria-busy', String(v.status === 'loading'));
      catalogList.replaceChildren(...v.products.map((p) => productItem(p, tr)));
      let note = '';
      if (v.status === 'idle') note = tr('catIdle');
      else if (v.products.length === 0) {
        note = v.status === 'loading' ? tr('catLoading') : v.status === 'error' ? tr('catError')
          : v.query ? tr('catNoMatch', v.query) : v.category ? tr('catEmptyCategory') : tr('catEmpty');
      }
      catalogNote.textContent = note;
      catalogNote.hidden = note === '';
      moreButton.hidden = !v.hasMore;
      moreButton.disabled = v.loadingMore;
      moreButton.textContent = v.loadingMore ? tr('loadingMore') : tr('loadMore');
      // Still in view after a page came in (a tall pane): the next one.
      if (moreSeen && v.hasMore && !v.loadingMore && v.status === 'ready') queueMicrotask(() => void getApp()?.loadMore());
    },

    projects(v) {
      lastProjects = v;
      drawProjects();
    },

    theme(theme) {
      // Checked values only (theme.js), written through the CSSOM: style-src 'self' allows it.
      const root = document.documentElement;
      for (const prop of appliedTheme) root.style.removeProperty(prop);
      appliedTheme = [];
      for (const [prop, value] of themeProperties(theme)) {
        root.style.setProperty(prop, value);
        appliedTheme.push(prop);
      }
      root.dataset.theme = appliedTheme.length ? 'custom' : '';
    },

    lang(next) {
      document.documentElement.lang = next;
      if (next === locale) return;
      locale = next;
      label();
      // The app draws the catalog and the list again right after (in the new
      // language); the labels around them are this view's own.
    },
  };
}

/**
 * @param {ProductView} p
 * @param {(key: string, ...a: (string | number)[]) => string} tr
 * @returns {HTMLLIElement}
 */
function productItem(p, tr) {
  // The product's picture when it has one that loads, else its plan symbol,
  // as it will lie on the plan (the plan always draws the symbol).
  const swatch = p.image && !brokenImages.has(p.image)
    ? h('span', { class: 'swatch' }, productImage(p))
    : h('span', { class: 'swatch', 'aria-hidden': 'true' }, thumbnail(p, p.color));
  const li = h('li', { class: 'product', 'data-testid': 'product', 'data-product-id': p.id },
    swatch,
    h('span', { class: 'product-main' },
      h('span', { class: 'product-name', 'data-testid': 'product-name' }, p.name),
      h('span', { class: 'product-size', 'data-testid': 'product-size' }, p.size),
    ),
    h('span', { class: 'product-price', 'data-testid': 'product-price' }, p.price),
    h('button', { type: 'button', class: 'product-add', 'data-testid': 'product-add', 'aria-label': tr('addTo', p.name) }, '+'),
  );
  if (p.description) li.title = p.description;
  return li;
}

/** brokenImages are the image URLs that failed to load (refused by the CSP, gone): later cards show the symbol at once. */
const brokenImages = new Set();

/**
 * productImage is a card's picture: lazy, its box sized before it loads, the
 * product's name as its text; on error it gives way to the plan symbol.
 * @param {ProductView} p
 * @returns {HTMLImageElement}
 */
function productImage(p) {
  const img = h('img', { class: 'product-image', src: p.image, alt: p.name, width: '44', height: '44',
    loading: 'lazy', decoding: 'async', 'data-testid': 'product-image' });
  img.addEventListener('error', () => {
    brokenImages.add(p.image);
    const swatch = img.parentElement;
    if (!swatch) return;
    swatch.setAttribute('aria-hidden', 'true');
    swatch.replaceChildren(thumbnail(p, p.color));
  }, { once: true });
  return img;
}

/**
 * projectItem is a row of "My projects": open it, or start renaming or deleting it.
 * @param {ProjectView} p
 * @param {(key: string, ...a: (string | number)[]) => string} tr
 * @returns {HTMLLIElement}
 */
function projectItem(p, tr) {
  const time = h('time', { datetime: p.updatedAt }, p.updated);
  return h('li', { class: 'project', 'data-testid': 'project', 'data-project-id': p.id },
    h('button', { type: 'button', class: 'project-open', 'data-action': 'open', 'data-project-id': p.id, 'data-testid': 'project-open' },
      projectPreview(p.room),
      h('span', { class: 'project-name', 'data-testid': 'project-name' }, p.name),
      h('span', { class: 'project-meta' },
        h('span', { 'data-testid': 'project-items' }, p.items),
        p.updated ? tr('updated') : '',
        p.updated ? time : '',
      ),
    ),
    h('span', { class: 'project-actions' },
      h('button', { type: 'button', class: 'button secondary small', 'data-action': 'rename', 'data-testid': 'project-list-rename', 'aria-label': tr('renameOf', p.name) }, tr('rename')),
      h('button', { type: 'button', class: 'button secondary small', 'data-action': 'delete', 'data-testid': 'project-list-delete', 'aria-label': tr('deleteOf', p.name) }, tr('del')),
    ),
  );
}

/**
 * renameItem is a row being renamed: a name field, Save and Cancel (Escape).
 * @param {ProjectView} p
 * @param {RowMode} r
 * @param {(key: string, ...a: (string | number)[]) => string} tr
 * @returns {HTMLLIElement}
 */
function renameItem(p, r, tr) {
  const input = h('input', { type: 'text', class: 'project-name-input', 'data-testid': 'project-list-name-input', maxlength: String(MAX_PROJECT_NAME_LENGTH), autocomplete: 'off', 'aria-label': tr('nameFor', r.name) });
  input.value = p.name;
  return h('li', { class: 'project editing', 'data-testid': 'project', 'data-project-id': p.id },
    h('form', { class: 'project-rename', 'data-testid': 'project-list-rename-form' },
      input,
      h('span', { class: 'project-actions' },
        h('button', { type: 'submit', class: 'button small', 'data-testid': 'project-list-rename-save' }, tr('save')),
        h('button', { type: 'button', class: 'button secondary small', 'data-action': 'rename-cancel', 'data-testid': 'project-list-rename-cancel' }, tr('cancel')),
      ),
    ),
  );
}

/**
 * deleteItem is a row asking before a delete; Cancel (or Escape) keeps the project.
 * @param {ProjectView} p
 * @param {RowMode} r
 * @param {(key: string, ...a: (string | number)[]) => string} tr
 * @returns {HTMLLIElement}
 */
function deleteItem(p, r, tr) {
  const qid = `project-delete-q-${Math.random().toString(36).slice(2)}`;
  return h('li', { class: 'project editing', 'data-testid': 'project', 'data-project-id': p.id },
    h('div', { class: 'project-confirm', role: 'alertdialog', 'aria-labelledby': qid, 'data-testid': 'project-list-delete-confirm' },
      h('p', { id: qid }, tr('delAsk', r.name)),
      h('span', { class: 'project-actions' },
        h('button', { type: 'button', class: 'button danger small', 'data-action': 'delete-yes', 'data-testid': 'project-list-delete-yes' }, tr('del')),
        h('button', { type: 'button', class: 'button secondary small', 'data-action': 'delete-no', 'data-testid': 'project-list-delete-no' }, tr('cancel')),
      ),
    ),
  );
}

/**
 * reconcile makes parent's children exactly nodes, in order. Kept nodes are
 * never detached before their turn, so a row being edited (at most one) keeps
 * its focus and typing.
 * @param {HTMLElement} parent
 * @param {Node[]} nodes
 */
function reconcile(parent, nodes) {
  const keep = new Set(nodes);
  for (const child of [...parent.childNodes]) if (!keep.has(child)) child.remove();
  let cur = parent.firstChild;
  for (const n of nodes) {
    if (n === cur) cur = cur.nextSibling;
    else parent.insertBefore(n, cur);
  }
}
