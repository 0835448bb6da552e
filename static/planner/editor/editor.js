// editor.js: the room editor, an EditorFactory for the shell's #editor-slot.
// It keeps the state (model.js Docs on an undo stack, the selection, whose
// design it is) and the actions on it, and hands the drawing to its parts:
// plan-view.js (the SVG plan, zoom and pan), pointer.js (pointers, wheel,
// keys, drag), panels.js (head, questions, warnings, summary), rooms.js (the
// room's shape, its tools loaded on demand), products.js
// (the product cache) and saver.js (when to save). Every timer runs on
// ctx.clock.

import * as M from './model.js';
import { createSaver } from './saver.js';
import { createProducts } from './products.js';
import { createPlanView } from './plan-view.js';
import { createPointer } from './pointer.js';
import { createPanels } from './panels.js';
import { createRooms } from './rooms.js';
import { t } from '../i18n.js';
import { systemClock } from '../clock.js';

/**
 * @typedef {import('../app.js').EditorContext} EditorContext
 * @typedef {import('../app.js').EditorHandle} EditorHandle
 * @typedef {import('../api.js').Project} Project
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {import('../clock.js').Clock} Clock
 * @typedef {EditorContext & {sideSlot?: HTMLElement | null}} RoomEditorContext the shell's context; its clock (default
 *   systemClock) runs every timer of the editor: autosave and product retries. sideSlot, when given, is
 *   where the warnings, the summary and the new-project form go (the shell's side panel); else under the plan
 * @typedef {EditorHandle & {addProduct(id: string): boolean, dropProduct(id: string, clientX: number, clientY: number): boolean,
 *   overPlan(clientX: number, clientY: number): boolean}} RoomEditor
 */

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

  /** @type {Doc | null} a room shape being dragged (room-tools.js, through rooms.js) */
  let roomDraft = null;
  const present = () => pointer.draft ?? roomDraft ?? hist.present;
  // Products: the catalog's (ctx.product), else fetched once; null = not in the catalog.
  const products = createProducts({
    fetch: (id) => ctx.api.product(id),
    catalog: (id) => ctx.product?.(id),
    clock,
    wanted: (id) => present().items.some((i) => i.productId === id),
    alive: () => Boolean(el?.root.isConnected),
    onUpdate: () => render(),
  });
  const { lookup } = products;
  const panels = createPanels({ tr, lookup, isPending: products.isPending, formatPrice: (minor, currency) => ctx.formatPrice(minor, currency) });
  const plan = createPlanView({ tr, lookup, isPending: products.isPending, room: () => hist.present.room });
  const rooms = createRooms({
    locale: L, doc: () => hist.present, lookup, plan,
    draft: (d) => { roomDraft = d; render(); },
    commit: (d) => commitDoc(d),
    select: (id) => select(id),
    units: /** @type {any} */ (ctx.settings).units,
  });
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
    dragged: (d, id) => rooms.dragged(d, id),
    keysOn: () => Boolean(el?.root.isConnected) && el.confirm.hidden && el.leave.hidden,
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
      // A design saved without a name got one ("Room 2"): show it, without an undo step.
      if (!hist.present.name && p.name && p.name !== tr('untitled')) hist = { ...hist, present: M.rename(hist.present, p.name) };
      ctx.onChange({ type: 'saved', project: p });
      // Changes made while that save was in flight are still unsaved: the
      // shell must offer, not load, a change made elsewhere meanwhile.
      if (saver.dirty) ctx.onChange({ type: 'edited' });
    },
  });

  /** @type {import('./panels.js').Chrome} */
  let el = /** @type {any} */ (null);
  build();
  const stopKeys = pointer.listenKeys(document);

  // ---- building the chrome (again on a language change) ----

  function build() {
    el = panels.build(plan.build(), signedIn);
    rooms.mount(el);
    wire();
    slot.replaceChildren(el.root);
    if (ctx.sideSlot) ctx.sideSlot.replaceChildren(el.side);
    else el.root.append(el.side);
    render();
  }

  // ---- events ----

  function wire() {
    el.saveB.addEventListener('click', () => saver.saveNow());
    el.name.addEventListener('click', () => el.renameB.click());
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
      // No name typed: the project gets a distinct one ("Room 2"), renamed in place later.
      const name = el.newIn.value.trim();
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
    const panel = el.confirm;
    const yes = () => {
      panel.hidden = true;
      const v = saver.state.projectId === id ? saver.state.version : version;
      (ctx.deleteProject ? ctx.deleteProject(id, v) : ctx.api.deleteProject(id, v)).then(() => {
        ctx.onChange({ type: 'deleted', projectId: id });
        if (saver.state.projectId === id) reset();
      }, (err) => showNote(tr('st_error', err?.message ?? '')));
    };
    panels.ask(panel, tr('delAsk', hist.present.name || tr('untitled')),
      { testid: 'delete-yes', label: tr('del'), onClick: yes },
      { testid: 'delete-no', label: tr('cancel'), onClick: () => { panel.hidden = true; } });
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
      panels.ask(el.leave, tr('leaveAsk', hist.present.name || tr('untitled'), why),
        { testid: 'leave-discard', label: tr('discard'), onClick: () => me.answer(true) },
        { testid: 'leave-stay', label: tr('stay'), onClick: () => me.answer(false) });
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
    panels.renderSide(doc, pr, hist, selected);
    rooms.render(doc, pr, selected);
  }

  function renderHead() {
    panels.renderHead(hist.present, saver.state, signedIn);
  }

  // ---- the handle ----

  return {
    load,
    leave,
    isBlank: () => saver.state.projectId === null && !saver.dirty && hist.present.items.length === 0 && !hist.present.name,
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
      rooms.destroy();
      stopKeys();
      slot.replaceChildren();
      ctx.sideSlot?.replaceChildren();
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
    settingsChanged(_settings, sent) {
      leaving?.answer(false); // its question goes with the old chrome: stay
      if (sent?.units) rooms.setUnits(sent.units);
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
