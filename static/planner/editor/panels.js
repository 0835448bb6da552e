// panels.js: the editor's chrome around the plan. build() makes the head
// (name, save state, total), the questions (delete?, conflict, leave?), the
// new-project form, the toolbar and the side panels; renderHead and
// renderSide bring them up to date. The editor wires what the buttons do.

import * as M from './model.js';
import { h, s } from '../dom.js';

/**
 * @typedef {import('../api.js').Product} Product
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {import('./saver.js').SaveState} SaveState
 * @typedef {ReturnType<typeof buildChrome>} Chrome
 */

const MAX_WARNINGS = 12;

/**
 * createPanels builds and draws the chrome; build() again on a language change.
 * @param {object} o
 * @param {(key: string, ...a: (string | number)[]) => string} o.tr
 * @param {(id: string) => Product | null} o.lookup
 * @param {(id: string) => boolean} o.isPending the product is still loading
 * @param {(minor: number, currency?: string) => string} o.formatPrice
 */
export function createPanels({ tr, lookup, isPending, formatPrice }) {
  /** @type {Chrome} set by build(), which comes first */
  let cur = /** @type {any} */ (null);

  /**
   * build makes the chrome around svg (the plan); root is not yet on the page.
   * @param {SVGSVGElement} svg
   * @param {boolean} signedIn shows the new-project form
   */
  function build(svg, signedIn) {
    cur = buildChrome(tr, svg, signedIn);
    return cur;
  }

  /**
   * renderHead draws the project's name and save state.
   * @param {Doc} doc the committed document
   * @param {SaveState} st
   * @param {boolean} signedIn
   */
  function renderHead(doc, st, signedIn) {
    const el = cur;
    el.name.textContent = doc.name || tr('untitled');
    el.renameB.hidden = !el.nameIn.hidden;
    el.deleteB.hidden = !(signedIn && st.projectId);
    const key = 'st_' + st.status;
    el.state.textContent = st.status === 'error' ? tr(key, st.message) : tr(key);
    el.state.dataset.state = st.status;
    el.saveB.disabled = st.status === 'saving' || st.status === 'conflict';
    el.conflict.hidden = st.status !== 'conflict';
  }

  /**
   * renderSide draws the room fields, the tool buttons' states, the warnings
   * and the summary.
   * @param {Doc} doc the document shown (the draft while dragging)
   * @param {ReturnType<typeof M.problems>} pr its problems
   * @param {M.History} hist
   * @param {string | null} selected
   */
  function renderSide(doc, pr, hist, selected) {
    const el = cur;
    const act = document.activeElement;
    if (act !== el.width) el.width.value = String(doc.room.width);
    if (act !== el.depth) el.depth.value = String(doc.room.depth);
    el.undoB.disabled = hist.past.length === 0;
    el.redoB.disabled = hist.future.length === 0;
    el.rotB.disabled = el.dupB.disabled = el.delB.disabled = !selected;
    el.empty.hidden = doc.items.length > 0;

    // Warnings
    const byId = new Map(doc.items.map((i) => [i.id, i]));
    const nameOf = (/** @type {string} */ id) => {
      const it = byId.get(id);
      return (it && lookup(it.productId)?.name) || tr('unknownProduct');
    };
    /** @type {Array<[string, string, string]>} [testid kind, item id, text] */
    const ws = [];
    for (const [a, b] of pr.pairs) ws.push(['overlap', a, tr('wOverlap', nameOf(a), nameOf(b))]);
    for (const id of pr.outside) ws.push(['outside', id, tr('wOutside', nameOf(id))]);
    for (const id of pr.unknown) {
      const it = byId.get(id);
      if (it && !isPending(it.productId)) ws.push(['unknown', id, tr('wUnknown', it.productId)]);
    }
    el.warnings.hidden = ws.length === 0;
    el.warnings.replaceChildren(h('h3', {}, `${tr('warnings')} (${ws.length})`), h('ul', {},
      ...ws.slice(0, MAX_WARNINGS).map(([kind, id, text]) => h('li', { 'data-testid': 'warning', 'data-kind': kind },
        h('button', { type: 'button', class: 'ed-link', 'data-item-id': id }, text))),
      ...(ws.length > MAX_WARNINGS ? [h('li', {}, tr('wMore', ws.length - MAX_WARNINGS))] : [])));

    // Summary
    const sum = M.summary(doc, lookup);
    const waiting = doc.items.filter((i) => isPending(i.productId) && !lookup(i.productId)).length;
    const money = (/** @type {number} */ v, /** @type {string} */ c) => formatPrice(v, c || undefined);
    const totals = Object.entries(sum.totals);
    const totalText = totals.length ? totals.map(([c, v]) => money(v, c)).join(' + ') : money(0, '');
    el.summary.replaceChildren(h('h3', {}, tr('summary')),
      sum.lines.length === 0 ? h('p', { class: 'muted' }, tr('noItems')) : h('table', {},
        // Three columns fit the side panel: the unit price sits under the name.
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, tr('product')), h('th', { scope: 'col' }, tr('qty')), h('th', { scope: 'col' }, tr('total')))),
        h('tbody', {}, ...sum.lines.map((l) => h('tr', { 'data-testid': 'summary-line', 'data-product-id': l.productId },
          h('td', {}, l.name, h('span', { class: 'ed-unit', 'data-testid': 'summary-unit' }, tr('each', money(l.unitPrice, l.currency)))),
          h('td', { 'data-testid': 'summary-qty' }, String(l.quantity)),
          h('td', {}, money(l.total, l.currency))))),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: '2' }, tr('total')),
          h('td', { 'data-testid': 'summary-total', 'data-minor': String(totals.length === 1 ? totals[0][1] : '') }, totalText)))),
      ...(sum.unknown - waiting ? [h('p', { class: 'muted' }, tr('unpriced', sum.unknown - waiting))] : []),
      ...(waiting ? [h('p', { class: 'muted', 'data-testid': 'summary-loading' }, tr('pricesLoading', waiting))] : []));
    el.basketB.disabled = sum.lines.length === 0;
    el.total.textContent = sum.lines.length ? totalText : '';
  }

  /**
   * ask shows a question in panel with two buttons (go: danger, stay:
   * secondary, focused) and calls back on a click.
   * @param {HTMLElement} panel
   * @param {string} question
   * @param {{testid: string, label: string, onClick: () => void}} go
   * @param {{testid: string, label: string, onClick: () => void}} stay
   */
  function ask(panel, question, go, stay) {
    const yes = h('button', { type: 'button', class: 'button danger', 'data-testid': go.testid }, go.label);
    const no = h('button', { type: 'button', class: 'button secondary', 'data-testid': stay.testid }, stay.label);
    panel.replaceChildren(h('p', {}, question), h('div', { class: 'ed-row' }, yes, no));
    panel.hidden = false;
    yes.addEventListener('click', go.onClick);
    no.addEventListener('click', stay.onClick);
    no.focus();
  }

  return { build, renderHead, renderSide, ask };
}

/** ICONS are the tool buttons' line icons (24 × 24, stroked). @type {Record<string, string>} */
const ICONS = {
  undo: 'M9 14 4 9l5-5M4 9h10a6 6 0 0 1 0 12h-3',
  redo: 'M15 14l5-5-5-5M20 9H10a6 6 0 0 0 0 12h3',
  rotate: 'M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5',
  dup: 'M9 9h11v11H9zM15 9V4H4v11h5',
  remove: 'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
  rename: 'M4 20h4L19 9l-4-4L4 16v4zM13 7l4 4',
};

/** @param {string} d */
function iconSvg(d) {
  return s('svg', { class: 'ic', viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' }, s('path', { d }));
}

/**
 * buildChrome makes the chrome around svg (the plan); root is not yet on the page.
 * @param {(key: string, ...a: (string | number)[]) => string} tr
 * @param {SVGSVGElement} svg
 * @param {boolean} signedIn shows the new-project form
 */
function buildChrome(tr, svg, signedIn) {
  const b = (/** @type {string} */ id, /** @type {string} */ key, cls = 'button secondary') =>
    h('button', { type: 'button', class: cls, 'data-testid': id }, tr(key));
  const num = (/** @type {string} */ id) => h('input', { type: 'number', id, 'data-testid': id, min: String(M.ROOM_MIN), max: String(M.ROOM_MAX), step: '5', inputmode: 'numeric' });
  const el = {
    name: h('span', { class: 'ed-name', 'data-testid': 'editor-project-name' }),
    renameB: b('project-rename', 'rename'),
    deleteB: b('project-delete', 'del'),
    nameIn: h('input', { type: 'text', 'data-testid': 'project-name-input', maxlength: String(M.MAX_NAME), 'aria-label': tr('name'), hidden: true }),
    state: h('span', { class: 'ed-state', 'data-testid': 'save-state', role: 'status' }),
    total: h('strong', { class: 'ed-total', 'data-testid': 'plan-total' }),
    saveB: b('save', 'save', 'button'),
    confirm: h('div', { class: 'ed-panel', 'data-testid': 'delete-confirm', role: 'alertdialog', hidden: true }),
    conflictText: h('p', {}, tr('conflict')),
    conflict: h('div', { class: 'ed-panel', 'data-testid': 'conflict', role: 'alertdialog', hidden: true }),
    leave: h('div', { class: 'ed-panel', 'data-testid': 'leave-confirm', role: 'alertdialog', hidden: true }),
    reloadB: b('conflict-reload', 'reload'),
    overwriteB: b('conflict-overwrite', 'overwrite', 'button'),
    newIn: h('input', { id: 'new-project-name', type: 'text', 'data-testid': 'new-project-name', maxlength: String(M.MAX_NAME), autocomplete: 'off', placeholder: tr('newHint') }),
    newNote: h('span', { class: 'ed-note', 'data-testid': 'new-project-note', role: 'status' }),
    width: num('room-width'),
    depth: num('room-depth'),
    undoB: b('undo', 'undo'), redoB: b('redo', 'redo'),
    rotB: b('item-rotate', 'rotate'), dupB: b('item-duplicate', 'dup'), delB: b('item-delete', 'remove'),
    outB: b('zoom-out', 'zoomOut'), fitB: b('zoom-fit', 'fit'), inB: b('zoom-in', 'zoomIn'),
    svg,
    empty: h('p', { class: 'ed-empty', 'data-testid': 'plan-empty' }, tr('empty')),
    warnings: h('section', { class: 'ed-warn', 'data-testid': 'warnings', 'aria-live': 'polite' }),
    summary: h('section', { class: 'ed-sum', 'data-testid': 'summary' }),
    basketB: b('add-to-basket', 'basket', 'button'),
    basketNote: h('p', { class: 'ed-toast', 'data-testid': 'basket-note', role: 'status' }),
  };
  // Compact tool buttons: an icon, the full name as their accessible name and tooltip.
  for (const [b2, icon, key] of /** @type {const} */ ([[el.outB, '−', 'zoomOut'], [el.inB, '+', 'zoomIn'], [el.undoB, 'undo', 'undo'],
    [el.redoB, 'redo', 'redo'], [el.rotB, 'rotate', 'rotate'], [el.dupB, 'dup', 'dup'], [el.delB, 'remove', 'remove'], [el.renameB, 'rename', 'rename']])) {
    b2.replaceChildren(ICONS[icon] ? iconSvg(ICONS[icon]) : icon);
    b2.setAttribute('aria-label', tr(key));
    b2.title = tr(key);
    b2.classList.add('icon');
  }
  el.conflict.append(el.conflictText, h('div', { class: 'ed-row' }, el.reloadB, el.overwriteB));
  const newForm = h('form', { class: 'ed-new', 'data-testid': 'new-project', hidden: !signedIn },
    h('label', { for: 'new-project-name' }, tr('newProject')), el.newIn,
    h('button', { type: 'submit', class: 'button secondary', 'data-testid': 'new-project-create' }, tr('create')), el.newNote);
  const label = (/** @type {string} */ f, /** @type {string} */ key, /** @type {HTMLElement} */ input) => h('label', { for: f }, tr(key), ' ', input);
  // The zoom buttons float over the plan's corner, as in map views.
  const plan = h('div', { class: 'ed-plan', 'data-testid': 'plan' }, el.svg, el.empty, el.basketNote,
    h('div', { class: 'ed-zoom', role: 'group', 'aria-label': tr('zoom') }, el.outB, el.fitB, el.inB));
  // root is the editor pane: the head (name, save state, total, basket: always
  // in view), the questions, the toolbar and the plan, which takes what is
  // left. side (warnings, summary, new project) goes to the shell's side
  // panel when it has one (ctx.sideSlot), else under the plan.
  const root = h('div', { class: 'ed', 'data-testid': 'editor' },
    h('div', { class: 'ed-main' },
      h('div', { class: 'ed-head' },
        h('div', { class: 'ed-title' }, el.name, el.nameIn, el.renameB),
        h('div', { class: 'ed-tools', role: 'toolbar', 'aria-label': tr('tools') },
          h('span', { class: 'ed-group' }, el.undoB, el.redoB),
          h('span', { class: 'ed-group' }, el.rotB, el.dupB, el.delB)),
        h('div', { class: 'ed-save' },
          h('span', { class: 'ed-figures' }, el.total, el.state), el.saveB, el.basketB)),
      el.confirm, el.conflict, el.leave,
      plan));
  // The room's size is set once or twice a visit: it lives with the summary.
  const room = h('section', { class: 'ed-room', 'data-testid': 'room-size' },
    h('h3', {}, tr('room')),
    h('div', { class: 'ed-group' }, label('room-width', 'width', el.width), '×', label('room-depth', 'depth', el.depth), tr('cm')));
  const side = h('div', { class: 'ed-side', 'data-testid': 'editor-side' }, room, el.warnings, el.summary, newForm,
    h('div', { class: 'ed-row' }, el.deleteB));
  return { ...el, newForm, plan, root, side };
}
