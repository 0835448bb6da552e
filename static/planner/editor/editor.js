// editor.js: the room editor, an EditorFactory for the shell's #editor-slot.
// It keeps the state (model.js Docs on an undo stack) and renders it: a
// top-down SVG plan in cm units (the viewBox does zoom and pan), the
// warnings, the price summary, the save state. Rendering is keyed: a drag
// frame touches only the moved item's transform and the marks that changed.

import * as M from './model.js';
import { createSaver } from './saver.js';
import { createProducts } from './products.js';
import { createPlanView } from './plan-view.js';
import { createPointer } from './pointer.js';
import { t } from '../i18n.js';
import { systemClock } from '../clock.js';
import { h } from '../dom.js';

/**
 * @typedef {import('../app.js').EditorContext} EditorContext
 * @typedef {import('../app.js').EditorHandle} EditorHandle
 * @typedef {import('../api.js').Product} Product
 * @typedef {import('../api.js').Project} Project
 * @typedef {import('../api.js').Item} Item
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {import('../clock.js').Clock} Clock
 * @typedef {EditorContext & {clock?: Clock}} RoomEditorContext the shell's context; clock (default
 *   systemClock) runs every timer of the editor: autosave and product retries
 * @typedef {EditorHandle & {addProduct(id: string): boolean, dropProduct(id: string, clientX: number, clientY: number): boolean,
 *   overPlan(clientX: number, clientY: number): boolean}} RoomEditor
 */

const MAX_WARNINGS = 12;

/**
 * createRoomEditor builds the editor in ctx.slot.
 * @param {RoomEditorContext} ctx
 * @returns {RoomEditor}
 */
export function createRoomEditor(ctx) {
  const clock = ctx.clock ?? systemClock;
  const slot = /** @type {HTMLElement} */ (ctx.slot);
  const L = () => ctx.settings.locale;
  /** @param {string} key @param {...(string|number)} a */
  const tr = (key, ...a) => t(L(), key, ...a);

  let hist = M.history(M.newDoc());
  /** @type {string | null} */
  let selected = null;
  /** @type {string | null} uid the design belongs to; null for a guest's design */
  let owner = null;
  /** @returns {string | null} the signed-in user's uid; null for a guest or nobody */
  const userId = () => { const i = ctx.identity(); return i?.kind === 'user' ? i.uid : null; };
  let loadGen = 0;
  /** @type {{promise: Promise<boolean>, answer: (ok: boolean) => void} | null} a leave in progress */
  let leaving = null;
  let signedIn = ctx.identity()?.kind === 'user';

  const present = () => pointer.draft ?? hist.present;
  // Products: the catalog's (ctx.product), else fetched once; null = not in the catalog.
  const products = createProducts({
    fetch: (id) => ctx.api.product(id),
    catalog: (id) => ctx.product?.(id),
    clock,
    wanted: (id) => present().items.some((i) => i.productId === id),
    alive: () => Boolean(el.root?.isConnected),
    onUpdate: () => render(),
  });
  const { lookup } = products;
  const plan = createPlanView({ tr, lookup, isPending: products.isPending, room: () => hist.present.room });
  const pointer = createPointer({
    plan,
    doc: () => hist.present,
    lookup,
    selected: () => selected,
    select: (id) => select(id),
    commit: (doc) => commitDoc(doc),
    render: () => render(),
    step: (fn) => step(fn),
    act: (what) => act(what),
    keysOn: () => Boolean(el.root?.isConnected) && el.confirm.hidden && el.leave.hidden,
  });

  const saver = createSaver({
    clock,
    save: (doc, target) => ctx.saveProject(doc, target),
    signedIn: () => ctx.identity()?.kind === 'user',
    doc: () => M.toProjectDoc(hist.present, tr('untitled')),
    loginRequired: () => ctx.bridge.post('LoginRequired', { reason: 'save' }),
    onState: () => renderHead(),
    onSaved: (p) => {
      owner = userId();
      ctx.onChange({ type: 'saved', project: p });
      // Changes made while that save was in flight are still unsaved: the
      // shell must offer, not load, a change made elsewhere meanwhile.
      if (saver.dirty) ctx.onChange({ type: 'edited' });
    },
  });

  /** @type {Record<string, any>} */
  let el = {};
  build();
  const stopKeys = pointer.listenKeys(document);

  // ---- building the chrome (again on a language change) ----

  function build() {
    const b = (/** @type {string} */ id, /** @type {string} */ key, cls = 'button secondary') =>
      h('button', { type: 'button', class: cls, 'data-testid': id }, tr(key));
    const num = (/** @type {string} */ id) => h('input', { type: 'number', id, 'data-testid': id, min: String(M.ROOM_MIN), max: String(M.ROOM_MAX), step: '5', inputmode: 'numeric' });
    el = {
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
      svg: plan.build(),
      empty: h('p', { class: 'ed-empty', 'data-testid': 'plan-empty' }, tr('empty')),
      warnings: h('section', { class: 'ed-warn', 'data-testid': 'warnings', 'aria-live': 'polite' }),
      summary: h('section', { class: 'ed-sum', 'data-testid': 'summary' }),
      basketB: b('add-to-basket', 'basket', 'button'),
      basketNote: h('span', { class: 'ed-note', 'data-testid': 'basket-note', role: 'status' }),
    };
    el.outB.textContent = '−';
    el.inB.textContent = '+';
    el.outB.setAttribute('aria-label', tr('zoomOut'));
    el.inB.setAttribute('aria-label', tr('zoomIn'));
    el.conflict.append(el.conflictText, h('div', { class: 'ed-row' }, el.reloadB, el.overwriteB));
    el.newForm = h('form', { class: 'ed-new', 'data-testid': 'new-project', hidden: !signedIn },
      h('label', { for: 'new-project-name' }, tr('newProject')), el.newIn,
      h('button', { type: 'submit', class: 'button secondary', 'data-testid': 'new-project-create' }, tr('create')), el.newNote);
    const label = (/** @type {string} */ f, /** @type {string} */ key, /** @type {HTMLElement} */ input) => h('label', { for: f }, tr(key), ' ', input);
    el.plan = h('div', { class: 'ed-plan', 'data-testid': 'plan' }, el.svg);
    // ed-main (the chrome and the plan) is the pane's visible height on wide
    // screens, so the whole plan shows; warnings and summary follow below.
    const root = h('div', { class: 'ed', 'data-testid': 'editor' },
      h('div', { class: 'ed-main' },
        h('div', { class: 'ed-head' },
          h('div', { class: 'ed-title' }, el.name, el.nameIn, el.renameB, el.deleteB),
          h('div', { class: 'ed-save' }, el.total, el.state, el.saveB)),
        el.confirm, el.conflict, el.leave, el.newForm,
        h('div', { class: 'ed-tools', role: 'toolbar' },
          h('span', { class: 'ed-group ed-room' }, label('room-width', 'width', el.width), '×', label('room-depth', 'depth', el.depth), tr('cm')),
          h('span', { class: 'ed-group' }, el.undoB, el.redoB),
          h('span', { class: 'ed-group' }, el.rotB, el.dupB, el.delB),
          h('span', { class: 'ed-group' }, el.outB, el.fitB, el.inB)),
        el.plan, el.empty),
      h('div', { class: 'ed-side' }, el.warnings, el.summary));
    wire();
    slot.replaceChildren(root);
    el.root = root;
    render();
  }

  // ---- events ----

  function wire() {
    el.saveB.addEventListener('click', () => saver.saveNow());
    el.renameB.addEventListener('click', () => {
      el.nameIn.value = hist.present.name || '';
      el.nameIn.hidden = false;
      el.name.hidden = el.renameB.hidden = true;
      el.nameIn.focus();
      el.nameIn.select();
    });
    const endRename = (/** @type {boolean} */ keep) => {
      if (el.nameIn.hidden) return;
      el.nameIn.hidden = true;
      el.name.hidden = el.renameB.hidden = false;
      if (keep && el.nameIn.value.trim()) commitDoc(M.rename(hist.present, el.nameIn.value.trim()));
    };
    el.nameIn.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Enter') endRename(true);
      else if (e.key === 'Escape') endRename(false);
    });
    el.nameIn.addEventListener('blur', () => endRename(true));
    el.deleteB.addEventListener('click', askDelete);
    el.reloadB.addEventListener('click', () => {
      // Through the shell, so its open project and "edited" flag follow: the
      // next change made elsewhere then loads quietly, and "Keep mine" later
      // overwrites the version just loaded, not the one it replaced. Deleted
      // elsewhere, the shell finds it gone and clears the editor.
      const gone = !saver.state.projectId;
      ctx.reloadOpenProject().then((ok) => {
        if (ok || saver.state.status !== 'conflict') return;
        if (gone) reset(); // theirs is nothing
        else showNote(tr('loadFailed', ''));
      }, (err) => showNote(tr('loadFailed', err?.message ?? '')));
    });
    el.overwriteB.addEventListener('click', () => saver.overwrite());
    el.newForm.addEventListener('submit', (/** @type {Event} */ e) => {
      e.preventDefault();
      const name = el.newIn.value.trim();
      if (!name) { el.newNote.textContent = tr('giveName'); el.newIn.focus(); return; }
      const gen = loadGen;
      el.newNote.textContent = tr('st_saving');
      leave().then((ok) => (ok && gen === loadGen ? ctx.createProject(name) : null)).then((p) => {
        if (!p) { if (gen === loadGen) el.newNote.textContent = ''; return; }
        if (gen !== loadGen) return;
        el.newIn.value = '';
        el.newNote.textContent = tr('st_saved');
        load(p);
      }, () => { if (gen === loadGen) el.newNote.textContent = tr('st_error', ''); });
    });
    const roomInput = () => {
      // Out of range is clamped (50–5000 cm), and the fields show what was kept.
      commitDoc(M.setRoom(hist.present, el.width.valueAsNumber, el.depth.valueAsNumber));
      el.width.value = String(hist.present.room.width);
      el.depth.value = String(hist.present.room.depth);
    };
    el.width.addEventListener('change', roomInput);
    el.depth.addEventListener('change', roomInput);
    el.undoB.addEventListener('click', () => step(M.undo));
    el.redoB.addEventListener('click', () => step(M.redo));
    el.rotB.addEventListener('click', () => act('rotate'));
    el.dupB.addEventListener('click', () => act('duplicate'));
    el.delB.addEventListener('click', () => act('delete'));
    el.inB.addEventListener('click', () => plan.zoomBy(1.25));
    el.outB.addEventListener('click', () => plan.zoomBy(0.8));
    el.fitB.addEventListener('click', () => plan.fit());
    pointer.attach(el.svg);
    el.warnings.addEventListener('click', (/** @type {MouseEvent} */ e) => {
      const id = e.target instanceof Element ? e.target.closest('[data-item-id]')?.getAttribute('data-item-id') : null;
      if (id) select(id);
    });
    el.basketB.addEventListener('click', sendToBasket);
  }



  // ---- actions ----

  /** @param {Doc} doc */
  function commitDoc(doc) {
    if (doc === hist.present) { render(); return; }
    hist = M.commit(hist, doc);
    edited();
  }

  function edited() {
    // A drag in progress was built on the document before this change (an
    // undo, a key): releasing it must not bring the old one back.
    pointer.dropItem();
    // A signed-in user's new design is theirs from the first change, not the
    // first save: it leaves the screen with them (Logout, another user) and
    // is never saved to the next account.
    owner ??= userId();
    if (selected && !hist.present.items.some((i) => i.id === selected)) selected = null;
    saver.changed();
    ctx.onChange({ type: 'edited' });
    render();
  }

  /** @param {(h: M.History) => M.History} fn */
  function step(fn) {
    const next = fn(hist);
    if (next === hist) return;
    hist = next;
    edited();
  }

  /** @param {'rotate' | 'duplicate' | 'delete'} what */
  function act(what) {
    const id = selected;
    if (!id) return;
    const doc = hist.present;
    if (what === 'rotate') commitDoc(M.rotateItem(doc, id, lookup));
    else if (what === 'delete') commitDoc(M.deleteItem(doc, id));
    else {
      const r = M.duplicateItem(doc, id, lookup);
      if (r.id === null) { showNote(tr('full')); return; }
      selected = r.id;
      commitDoc(r.doc);
    }
  }

  /** @param {string | null} id */
  function select(id) {
    selected = id;
    render();
  }

  /**
   * addProduct places a catalog product (at a point in cm, else a free spot).
   * @param {string} productId
   * @param {{x: number, y: number}} [at]
   */
  function addProduct(productId, at) {
    if (!lookup(productId)) return false;
    const r = M.addItem(hist.present, productId, lookup, at);
    if (r.id === null) { showNote(tr('full')); return false; }
    selected = r.id;
    commitDoc(r.doc);
    return true;
  }

  function askDelete() {
    const id = saver.state.projectId, version = saver.state.version;
    if (!id) return;
    const yes = h('button', { type: 'button', class: 'button danger', 'data-testid': 'delete-yes' }, tr('del'));
    const no = h('button', { type: 'button', class: 'button secondary', 'data-testid': 'delete-no' }, tr('cancel'));
    el.confirm.replaceChildren(h('p', {}, tr('delAsk', hist.present.name || tr('untitled'))), h('div', { class: 'ed-row' }, yes, no));
    el.confirm.hidden = false;
    no.addEventListener('click', () => { el.confirm.hidden = true; });
    yes.addEventListener('click', () => {
      el.confirm.hidden = true;
      const v = saver.state.projectId === id ? saver.state.version : version;
      (ctx.deleteProject ? ctx.deleteProject(id, v) : ctx.api.deleteProject(id, v)).then(() => {
        ctx.onChange({ type: 'deleted', projectId: id });
        if (saver.state.projectId === id) reset();
      }, (err) => showNote(tr('st_error', err?.message ?? '')));
    });
    no.focus();
  }

  function sendToBasket() {
    const { lines } = M.summary(hist.present, lookup);
    if (lines.length === 0) return;
    ctx.bridge.post('AddToBasket', { items: M.basketItems(lines, ctx.settings.currency || 'EUR') });
    el.basketNote.textContent = tr('basketSent');
  }

  /** @param {string} text */
  function showNote(text) {
    el.basketNote.textContent = text;
  }

  // ---- projects ----

  /**
   * leave runs before another project replaces this design (the list's Open,
   * the host's LoadProject, New project): unsaved changes are saved first,
   * after any save in flight. When they cannot be (a failure, a conflict),
   * the visitor chooses here: discard them, or stay. Resolves whether to go.
   * @returns {Promise<boolean>}
   */
  function leave() {
    if (leaving) return leaving.promise;
    if (!saver.dirty) return Promise.resolve(true);
    const gen = loadGen;
    /** @type {(ok: boolean) => void} */
    let answer = () => {};
    const promise = new Promise((resolve) => { answer = resolve; });
    const me = { promise, answer: (/** @type {boolean} */ ok) => { if (leaving === me) leaving = null; el.leave.hidden = true; answer(ok); } };
    leaving = me;
    saver.settle().then((saved) => {
      if (leaving !== me) return;
      if (saved || gen !== loadGen) { me.answer(true); return; }
      const st = saver.state;
      const why = st.status === 'conflict' ? tr(saver.state.projectId ? 'conflict' : 'gone') : tr(`st_${st.status}`, st.message);
      const go = h('button', { type: 'button', class: 'button danger', 'data-testid': 'leave-discard' }, tr('discard'));
      const stay = h('button', { type: 'button', class: 'button secondary', 'data-testid': 'leave-stay' }, tr('stay'));
      go.addEventListener('click', () => me.answer(true));
      stay.addEventListener('click', () => me.answer(false));
      el.leave.replaceChildren(h('p', {}, tr('leaveAsk', hist.present.name || tr('untitled'), why)), h('div', { class: 'ed-row' }, go, stay));
      el.leave.hidden = false;
      stay.focus();
    });
    return promise;
  }

  /** @param {Project} project */
  function load(project) {
    leaving?.answer(false);
    loadGen++;
    const doc = M.fromProject(project);
    hist = M.history(doc);
    pointer.cancel();
    selected = null;
    owner = userId();
    saver.reset(project);
    el.conflict.hidden = el.confirm.hidden = true;
    plan.resetView();
    const fetches = products.want(doc.items.map((i) => i.productId));
    performance.mark('editor:load');
    render();
    performance.measure('editor:render', 'editor:load');
    fetches();
  }

  function reset() {
    leaving?.answer(false);
    loadGen++;
    hist = M.history(M.newDoc());
    pointer.cancel();
    selected = null;
    owner = userId();
    saver.reset(null);
    el.conflict.hidden = el.confirm.hidden = true;
    render();
  }

  // ---- rendering ----

  function render() {
    const doc = present();
    renderHead();
    const pr = plan.render(doc, selected, pointer.draggingItem);
    renderSide(doc, pr);
  }

  function renderHead() {
    const doc = hist.present;
    const st = saver.state;
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
   * @param {Doc} doc
   * @param {ReturnType<typeof M.problems>} pr
   */
  function renderSide(doc, pr) {
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
      if (it && !products.isPending(it.productId)) ws.push(['unknown', id, tr('wUnknown', it.productId)]);
    }
    el.warnings.hidden = ws.length === 0;
    el.warnings.replaceChildren(h('h3', {}, `${tr('warnings')} (${ws.length})`), h('ul', {},
      ...ws.slice(0, MAX_WARNINGS).map(([kind, id, text]) => h('li', { 'data-testid': 'warning', 'data-kind': kind },
        h('button', { type: 'button', class: 'ed-link', 'data-item-id': id }, text))),
      ...(ws.length > MAX_WARNINGS ? [h('li', {}, tr('wMore', ws.length - MAX_WARNINGS))] : [])));

    // Summary
    const sum = M.summary(doc, lookup);
    const waiting = doc.items.filter((i) => products.isPending(i.productId) && !lookup(i.productId)).length;
    const money = (/** @type {number} */ v, /** @type {string} */ c) => ctx.formatPrice(v, c || undefined);
    const totals = Object.entries(sum.totals);
    const totalText = totals.length ? totals.map(([c, v]) => money(v, c)).join(' + ') : money(0, '');
    el.summary.replaceChildren(h('h3', {}, tr('summary')),
      sum.lines.length === 0 ? h('p', { class: 'muted' }, tr('noItems')) : h('table', {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, tr('product')), h('th', { scope: 'col' }, tr('qty')), h('th', { scope: 'col' }, tr('unit')), h('th', { scope: 'col' }, tr('total')))),
        h('tbody', {}, ...sum.lines.map((l) => h('tr', { 'data-testid': 'summary-line', 'data-product-id': l.productId },
          h('td', {}, l.name), h('td', { 'data-testid': 'summary-qty' }, String(l.quantity)),
          h('td', {}, money(l.unitPrice, l.currency)), h('td', {}, money(l.total, l.currency))))),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: '3' }, tr('total')),
          h('td', { 'data-testid': 'summary-total', 'data-minor': String(totals.length === 1 ? totals[0][1] : '') }, totalText)))),
      ...(sum.unknown - waiting ? [h('p', { class: 'muted' }, tr('unpriced', sum.unknown - waiting))] : []),
      ...(waiting ? [h('p', { class: 'muted', 'data-testid': 'summary-loading' }, tr('pricesLoading', waiting))] : []),
      h('div', { class: 'ed-row' }, el.basketB, el.basketNote));
    el.basketB.disabled = sum.lines.length === 0;
    el.total.textContent = sum.lines.length ? totalText : '';
  }

  // ---- the handle ----

  return {
    load,
    leave,
    clear() {
      // A guest's unsaved design survives signing in (it is saved to the new
      // account); anything of a user's leaves with them.
      if (!(owner === null && saver.state.projectId === null)) reset();
      el.newIn.value = '';
      el.newNote.textContent = '';
      el.basketNote.textContent = '';
    },
    destroy() {
      loadGen++;
      saver.destroy();
      stopKeys();
      slot.replaceChildren();
    },
    identityChanged(identity) {
      signedIn = identity?.kind === 'user';
      // A guest's design kept across the sign-in (clear() ran first) now
      // belongs to this user and is saved to their account.
      if (signedIn && owner === null) owner = identity?.uid ?? null;
      el.newForm.hidden = !signedIn;
      if (signedIn) saver.signedInNow();
      else saver.signedOut();
      renderHead();
    },
    settingsChanged() {
      leaving?.answer(false); // its question goes with the old chrome: stay
      build();
    },
    remoteChange(change) {
      if (change.projectId !== saver.state.projectId) return;
      saver.remote(change.type === 'updated' ? change.version : 0);
      el.conflictText.textContent = tr(change.type === 'updated' ? 'conflict' : 'gone');
    },
    addProduct: (id) => addProduct(id),
    dropProduct(id, x, y) {
      if (!plan.overPlan(x, y)) return false;
      const p = plan.toCm(x, y);
      return p ? addProduct(id, { x: p.x, y: p.y }) : false;
    },
    overPlan: plan.overPlan,
  };
}
