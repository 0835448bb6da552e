// pointer.js: the plan's input. A pointer on an item drags it (a draft
// document, committed on release); on the floor it pans; two fingers pinch
// to zoom, as does the wheel. Keys on the page edit the selection: Delete,
// R, Ctrl+D, arrows (Shift: 1 cm), Escape, and undo/redo everywhere but in
// fields and open questions.

import * as M from './model.js';
import { itemIdOf } from './plan-view.js';

/**
 * @typedef {import('../api.js').Product} Product
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {ReturnType<typeof import('./plan-view.js').createPlanView>} PlanView
 * @typedef {null | {kind: 'item', id: string, base: Doc, off: {x: number, y: number}, inv: DOMMatrix, sx: number, sy: number, moved: boolean, pid: number}
 *   | {kind: 'pan', sx: number, sy: number, cx: number, cy: number, scale: number, moved: boolean, pid: number}} Drag
 */

/**
 * createPointer handles the plan's pointers and the page's keys for the editor.
 * @param {object} o
 * @param {PlanView} o.plan
 * @param {() => Doc} o.doc the committed document
 * @param {(id: string) => Product | null} o.lookup
 * @param {() => string | null} o.selected
 * @param {(id: string | null) => void} o.select selects (and redraws)
 * @param {(doc: Doc) => void} o.commit commits a changed document (and redraws)
 * @param {() => void} o.render redraws
 * @param {(fn: (h: M.History) => M.History) => void} o.step undo or redo
 * @param {(what: 'rotate' | 'duplicate' | 'delete') => void} o.act acts on the selected item
 * @param {() => boolean} o.keysOn the editor is on the page and asks no question
 * @param {(doc: Doc, id: string) => void} [o.dragged] after each drag frame: the draft and the dragged item
 */
export function createPointer(o) {
  const { plan } = o;
  /** @type {Drag} */
  let drag = null;
  /** @type {Doc | null} the document while an item is dragged (committed on release) */
  let draft = null;

  /** @type {Map<number, {x: number, y: number}>} pointers down on the plan */
  const fingers = new Map();
  /** @type {{x: number, y: number, d: number} | null} two fingers' midpoint and distance */
  let pinch = null;
  const spread = () => {
    const [a, b] = [...fingers.values()];
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, d: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)) };
  };

  /** @param {PointerEvent} e */
  function onPointerDown(e) {
    fingers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (fingers.size === 2) {
      // A second finger: pinch to zoom, and whatever the first one dragged is let go.
      if (drag?.kind === 'item') { draft = null; o.render(); }
      drag = null;
      pinch = spread();
      return;
    }
    if (e.button !== 0 || drag) return;
    const ctm = plan.svg.getScreenCTM();
    if (!ctm) return;
    const id = itemIdOf(e.target);
    try { plan.svg.setPointerCapture(e.pointerId); } catch { /* not an active pointer (synthetic events) */ }
    // preventDefault below keeps the focus where it was (say, the width field,
    // where Delete would not reach the plan): move it here.
    (id ? plan.node(id) : plan.svg)?.focus({ preventScroll: true });
    if (id) {
      const it = o.doc().items.find((i) => i.id === id);
      if (!it) return;
      const inv = ctm.inverse();
      const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(inv);
      drag = { kind: 'item', id, base: o.doc(), off: { x: p.x - it.x, y: p.y - it.y }, inv, sx: e.clientX, sy: e.clientY, moved: false, pid: e.pointerId };
      o.select(id);
    } else {
      const c = plan.center();
      drag = { kind: 'pan', sx: e.clientX, sy: e.clientY, cx: c.x, cy: c.y, scale: ctm.a, moved: false, pid: e.pointerId };
    }
    e.preventDefault();
  }

  /** @param {PointerEvent} e */
  function onPointerMove(e) {
    if (fingers.has(e.pointerId)) fingers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pinch && fingers.size === 2) {
      const now = spread();
      plan.zoomBy(now.d / pinch.d, now.x, now.y);
      pinch = now;
      return;
    }
    if (!drag || e.pointerId !== drag.pid) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.sx, e.clientY - drag.sy) < 3) return;
    drag.moved = true;
    if (drag.kind === 'item') {
      const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(drag.inv);
      draft = M.moveItem(drag.base, drag.id, p.x - drag.off.x, p.y - drag.off.y, o.lookup);
      plan.render(draft, o.selected(), true);
      o.dragged?.(draft, drag.id);
    } else {
      plan.panTo(drag.cx - (e.clientX - drag.sx) / drag.scale, drag.cy - (e.clientY - drag.sy) / drag.scale);
    }
  }

  /** @param {PointerEvent} e */
  function onPointerUp(e) {
    fingers.delete(e.pointerId);
    if (fingers.size < 2) pinch = null;
    if (!drag || e.pointerId !== drag.pid) return;
    const d = drag;
    drag = null;
    if (d.kind === 'item') {
      const doc = draft;
      draft = null;
      if (d.moved && doc) o.commit(doc);
      else o.render();
    } else if (!d.moved) o.select(null);
  }

  /** @param {WheelEvent} e */
  function onWheel(e) {
    e.preventDefault();
    plan.zoomBy(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX, e.clientY);
  }

  /** @param {KeyboardEvent} e */
  function onKey(e) {
    if (!o.keysOn() || e.defaultPrevented) return;
    const tg = /** @type {HTMLElement | null} */ (e.target instanceof HTMLElement || e.target instanceof SVGElement ? e.target : null);
    if (tg && (tg.closest('input, textarea, select, [contenteditable="true"]'))) return;
    // A question is open (delete the project?, leave?): Delete or Backspace
    // there must not remove the selected item behind it.
    if (tg?.closest('.ed-panel')) return;
    const k = e.key;
    const mod = e.ctrlKey || e.metaKey;
    const selected = o.selected();
    if (mod && (k === 'z' || k === 'Z')) o.step(e.shiftKey ? M.redo : M.undo);
    else if (mod && (k === 'y' || k === 'Y')) o.step(M.redo);
    else if (!selected || e.altKey) return;
    else if (mod && (k === 'd' || k === 'D')) o.act('duplicate');
    else if (mod) return;
    else if (k === 'Delete' || k === 'Backspace') o.act('delete');
    else if (k === 'r' || k === 'R') o.act('rotate');
    else if (k === 'Escape') o.select(null);
    else if (k.startsWith('Arrow')) {
      const n = e.shiftKey ? 1 : M.GRID;
      const [dx, dy] = k === 'ArrowLeft' ? [-n, 0] : k === 'ArrowRight' ? [n, 0] : k === 'ArrowUp' ? [0, -n] : [0, n];
      o.commit(M.nudgeItem(o.doc(), selected, dx, dy));
    } else return;
    e.preventDefault();
  }

  return {
    /** draft is the document while an item is dragged, else null. */
    get draft() { return draft; },
    /** draggingItem says whether an item is being dragged. */
    get draggingItem() { return drag?.kind === 'item'; },
    /**
     * dropItem lets go of an item being dragged, without committing it: a
     * change (an undo, a key) came over the document it was built on.
     */
    dropItem() {
      if (drag?.kind === 'item') { drag = null; draft = null; }
    },
    /** cancel lets go of any drag (another document comes). */
    cancel() {
      draft = null;
      drag = null;
    },
    /** attach listens to a (new) plan svg. @param {SVGSVGElement} svg */
    attach(svg) {
      svg.addEventListener('pointerdown', onPointerDown);
      svg.addEventListener('pointermove', onPointerMove);
      svg.addEventListener('pointerup', onPointerUp);
      svg.addEventListener('pointercancel', onPointerUp);
      svg.addEventListener('wheel', onWheel, { passive: false });
      svg.addEventListener('focusin', (/** @type {FocusEvent} */ e) => {
        const id = itemIdOf(e.target);
        if (id && id !== o.selected()) o.select(id);
      });
    },
    /** listenKeys listens to the page's keys; returns what stops it. @param {Document} doc */
    listenKeys(doc) {
      doc.addEventListener('keydown', onKey);
      return () => doc.removeEventListener('keydown', onKey);
    },
  };
}
