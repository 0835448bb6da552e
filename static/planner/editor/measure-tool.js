// measure-tool.js: the two-click measuring tool. rooms.js's "Measure"
// button turns it on; the visitor clicks two points on the plan (snapped to
// the room's corners and walls, measure.js snapPoint) and reads the distance
// between them in the room's units, on the plan and in the bar. A third
// click starts again; Escape, or the button again, puts the tool away.
// It comes in the room tools' chunk (room-tools.js re-exports it), loaded
// on the first press: a furnishing visitor who never measures never loads it.

import * as M from './model.js';

/**
 * @typedef {import('./rooms.js').RoomsContext} RoomsContext
 * @typedef {import('./measure.js').Snapped} Snapped
 * @typedef {{plan: HTMLElement, button: HTMLButtonElement, readout: HTMLElement}} MeasureChrome
 */

// Its strings live here, beside the tool (English and French, as i18n.js).
const STR = {
  en: { hint: 'Click two points on the plan (Esc to stop).', next: 'Click the second point.', distance: 'Distance: %s' },
  fr: { hint: 'Cliquez deux points du plan (Échap pour arrêter).', next: 'Cliquez le second point.', distance: 'Distance : %s' },
};

/** G1 rounds to one decimal place. @param {number} v */
const G1 = (v) => Math.round(v * 10) / 10;

/** SNAP_PX is how near (screen pixels) a corner or wall must be for a point to snap to it. */
const SNAP_PX = 12;

/**
 * createMeasure makes the tool; rooms.js mounts it on each built chrome and
 * toggles it from its button.
 * @param {RoomsContext} c
 */
export function createMeasure({ locale, doc, plan, units, lib }) {
  const { s, formatLength, snapPoint, distance } = lib;
  /** @param {keyof typeof STR.en} k @param {string} [a] */
  const rt = (k, a = '') => ((/** @type {any} */ (STR)[locale()] ?? STR.en)[k] ?? STR.en[k]).replace('%s', a);
  let active = false;
  /** @type {Snapped | null} */
  let from = null;
  /** @type {Snapped | null} */
  let to = null;
  /** @type {Snapped | null} where the pointer is, before the second click */
  let hover = null;
  /** @type {unknown} the room the points were taken in: another room (an edit, an undo, another project) clears them */
  let room = null;
  /** @type {MeasureChrome | null} */
  let el = null;
  const layer = s('g', { class: 'ed-measure', 'data-testid': 'measure-layer', 'pointer-events': 'none' });

  /** at is the snapped plan point under a client point (null before layout). @param {MouseEvent} e */
  function at(e) {
    const p = plan.toCm(e.clientX, e.clientY);
    const ctm = plan.svg.getScreenCTM();
    if (!p || !ctm) return null;
    const pxPerCm = Math.hypot(ctm.a, ctm.b) || 1;
    // Alt places the point freely, as Alt draws walls at any angle.
    return snapPoint(M.shapeOf(doc().room).polygon, { x: p.x, y: p.y }, e.altKey ? 0 : SNAP_PX / pxPerCm);
  }

  /** @param {PointerEvent} e */
  function onDown(e) {
    if (!active || !(e.target instanceof Node) || !plan.svg.contains(e.target) || e.button !== 0) return;
    // Ours, not the plan's: no item drag, no pan, no room handle.
    e.stopPropagation();
    e.preventDefault();
    const p = at(e);
    if (!p) return;
    if (!from || to) { from = p; to = null; hover = p; room = doc().room; } else { to = p; hover = null; }
    draw();
  }

  /** @param {PointerEvent} e */
  function onMove(e) {
    if (!active || !from || to) return;
    hover = at(e);
    draw();
  }

  /** @param {KeyboardEvent} e */
  function onKey(e) {
    if (!active || e.key !== 'Escape') return;
    e.preventDefault();
    e.stopPropagation(); // the plan's Escape (deselect) is not for this press
    stop();
    el?.button.focus();
  }

  /** draw shows the points, the line between them and its length. */
  function draw() {
    if (from && doc().room !== room) from = to = hover = null;
    if (el) {
      el.button.setAttribute('aria-pressed', String(active));
      el.readout.hidden = !active;
    }
    plan.svg.classList.toggle('measuring', active);
    if (layer.parentNode !== plan.svg) plan.svg.append(layer);
    const end = to ?? hover;
    /** @type {SVGElement[]} */
    const parts = [];
    if (active && from && end) {
      const cm = distance(from, end);
      parts.push(s('line', { x1: from.x, y1: from.y, x2: end.x, y2: end.y, class: 'ed-ruler', 'data-testid': 'measure-line' }));
      for (const p of to ? [from, to] : [from]) parts.push(s('circle', { cx: p.x, cy: p.y, r: '4', class: 'ed-ruler-end', 'data-on': p.on, 'data-testid': 'measure-point' }));
      if (cm >= 1) {
        // Beside the line's middle, above it (right of an upright one), clear of it at any zoom.
        const ctm = plan.svg.getScreenCTM();
        const k = (0.6 * 12) / (ctm ? Math.hypot(ctm.a, ctm.b) || 1 : 1);
        const dx = end.x - from.x, dy = end.y - from.y, len = Math.hypot(dx, dy) || 1;
        let n = { x: dy / len, y: -dx / len };
        if (n.y > 1e-9 || (Math.abs(n.y) <= 1e-9 && n.x < 0)) n = { x: -n.x, y: -n.y };
        const t = s('text', { x: G1((from.x + end.x) / 2 + n.x * k), y: G1((from.y + end.y) / 2 + n.y * k), class: 'ed-ruler-len',
          'text-anchor': n.x > 0.5 ? 'start' : n.x < -0.5 ? 'end' : 'middle', 'dominant-baseline': n.y < -0.5 ? 'text-after-edge' : 'central',
          'data-testid': 'measure-label', 'data-cm': String(cm) });
        t.textContent = formatLength(cm, units());
        parts.push(t);
      }
    }
    layer.replaceChildren(...parts);
    if (el) {
      const text = !active ? '' : to && from ? rt('distance', formatLength(distance(from, to), units())) : from ? rt('next') : rt('hint');
      if (el.readout.textContent !== text) el.readout.textContent = text;
      if (to && from) el.readout.dataset.cm = String(distance(from, to));
      else delete el.readout.dataset.cm;
    }
  }

  function stop() {
    active = false;
    from = to = hover = null;
    draw();
  }

  return {
    /** mount puts the tool on a freshly built chrome (the points survive it). @param {MeasureChrome} chrome */
    mount(chrome) {
      el = chrome;
      chrome.plan.addEventListener('pointerdown', onDown, true);
      plan.svg.addEventListener('pointermove', onMove);
      draw();
    },
    /** listen follows the page's keys (Escape); returns what stops it. @param {Document} d */
    listen(d) {
      d.addEventListener('keydown', onKey, true);
      return () => d.removeEventListener('keydown', onKey, true);
    },
    /** toggle turns the tool on (a fresh measurement) or off. */
    toggle() {
      if (active) stop();
      else { active = true; from = to = hover = null; draw(); }
    },
    /** redraw follows a change of units. */
    redraw: () => draw(),
    get active() { return active; },
  };
}
