// plan-view.js: the editor's top-down SVG plan in cm units. The viewBox does
// zoom and pan; drawing is keyed, so a drag frame touches only the moved
// item's transform and the marks that changed. The arithmetic (fit, zoom
// about a point, grid steps) is exported DOM-free for plan-view.test.js.

import * as M from './model.js';
import { s, setAttrs as attrs } from '../dom.js';

/**
 * @typedef {import('../api.js').Product} Product
 * @typedef {import('../api.js').Item} Item
 * @typedef {import('../api.js').Room} Room
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {{g: SVGGElement, rect: SVGRectElement, back: SVGLineElement, label: SVGTextElement,
 *   item: Item | null, product: Product | null | undefined, wait: boolean, cls: string}} ItemNode
 * @typedef {{zoom: number, cx: number, cy: number}} View zoom 1 shows the whole room; cx, cy the centre
 *   in cm, NaN for the room's
 * @typedef {{x: number, y: number, w: number, h: number}} Box
 */

export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 20;

/** r1 rounds to one decimal place. @param {number} v */
export const r1 = (v) => Math.round(v * 10) / 10;

/** clampZoom keeps a zoom factor within MIN_ZOOM..MAX_ZOOM. @param {number} z */
export const clampZoom = (z) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));

/**
 * margin is the room's border in cm, where the dimension lines and the
 * scale bar sit.
 * @param {Room} room
 */
const margin = (room) => Math.max(30, 0.1 * Math.max(room.width, room.depth));

/**
 * fitBox is what zoom 1 shows: the room, its dimensions and its scale bar.
 * @param {Room} room
 * @returns {Box}
 */
export function fitBox(room) {
  const m = margin(room);
  return { x: -m * 1.3, y: -m * 1.3, w: room.width + m * 2, h: room.depth + m * 2.8 };
}

/**
 * viewBoxOf is the viewBox attribute for view over fit.
 * @param {View} view
 * @param {Box} fit
 */
export function viewBoxOf(view, fit) {
  const w = fit.w / view.zoom, hh = fit.h / view.zoom;
  const cx = Number.isFinite(view.cx) ? view.cx : fit.x + fit.w / 2;
  const cy = Number.isFinite(view.cy) ? view.cy : fit.y + fit.h / 2;
  return `${r1(cx - w / 2)} ${r1(cy - hh / 2)} ${r1(w)} ${r1(hh)}`;
}

/**
 * zoomAbout zooms view by f (clamped) so the plan point p stays where it is on
 * screen; c is the centre shown now.
 * @param {View} view
 * @param {number} f
 * @param {{x: number, y: number}} c
 * @param {{x: number, y: number}} p
 * @returns {View}
 */
export function zoomAbout(view, f, c, p) {
  const z = clampZoom(view.zoom * f);
  return { zoom: z, cx: p.x + (c.x - p.x) * (view.zoom / z), cy: p.y + (c.y - p.y) * (view.zoom / z) };
}

/**
 * gridSteps are the minor and major grid lines' spacing in cm for a room.
 * @param {number} w @param {number} d
 */
export function gridSteps(w, d) {
  const big = Math.max(w, d);
  const minor = big <= 1000 ? 10 : big <= 3000 ? 50 : 100;
  return { minor, major: minor === 10 ? 100 : minor * 5 };
}

/** dark says whether white text reads better than black on a colour. @param {string} hex "#rrggbb" */
export function dark(hex) {
  const n = parseInt(hex.slice(1), 16);
  return ((n >> 16) & 255) * 0.299 + ((n >> 8) & 255) * 0.587 + (n & 255) * 0.114 < 140;
}

/**
 * itemIdOf is the id of the plan item target is in, else null.
 * @param {EventTarget | null} target
 */
export function itemIdOf(target) {
  return target instanceof Element ? target.closest('.ed-it')?.getAttribute('data-item-id') ?? null : null;
}

/**
 * createPlanView draws the plan; build() makes a fresh <svg> (again on a
 * language change), the view (zoom, centre) survives it.
 * @param {object} o
 * @param {(key: string, ...a: (string | number)[]) => string} o.tr
 * @param {(id: string) => Product | null} o.lookup
 * @param {(id: string) => boolean} o.isPending the product is still loading
 * @param {() => Room} o.room the room zoom 1 fits
 */
export function createPlanView({ tr, lookup, isPending, room }) {
  /** @type {View} */
  let view = { zoom: 1, cx: NaN, cy: NaN };
  /** @type {Map<string, ItemNode>} */
  let nodes = new Map();
  let roomKey = '';
  /** @type {ReturnType<typeof parts>} set by build(), which comes first */
  let el = /** @type {any} */ (null);

  function parts() {
    const grid = (/** @type {string} */ id, /** @type {string} */ cls) => s('pattern', { id, patternUnits: 'userSpaceOnUse' }, s('path', { class: cls, fill: 'none' }));
    const p = {
      svg: s('svg', { 'data-testid': 'plan-svg', class: 'ed-svg', tabindex: '0', role: 'application', 'aria-label': tr('plan'), preserveAspectRatio: 'xMidYMid meet' }),
      gridMinor: grid('ed-grid-minor', 'ed-grid1'),
      gridMajor: grid('ed-grid-major', 'ed-grid2'),
      floor: s('rect', { class: 'ed-floor', x: '0', y: '0' }),
      gridRects: [s('rect', { fill: 'url(#ed-grid-minor)', x: '0', y: '0' }), s('rect', { fill: 'url(#ed-grid-major)', x: '0', y: '0' })],
      walls: s('rect', { class: 'ed-walls', x: '0', y: '0', 'data-testid': 'room' }),
      dims: s('g', { class: 'ed-dims' }),
      scale: s('g', { class: 'ed-scale', 'data-testid': 'scale-bar' }),
      items: s('g', { class: 'ed-items' }),
    };
    p.svg.append(s('defs', {}, p.gridMinor, p.gridMajor), p.floor, ...p.gridRects, p.dims, p.scale, p.items, p.walls);
    return p;
  }

  /**
   * render draws doc, marks its problems and returns them.
   * @param {Doc} doc
   * @param {string | null} selected
   * @param {boolean} dragging an item is being dragged (it keeps its place in the stack)
   */
  function render(doc, selected, dragging) {
    const { width: w, depth: d } = doc.room;
    if (roomKey !== `${w}x${d}`) {
      roomKey = `${w}x${d}`;
      drawRoom(w, d);
    }
    const pr = M.problems(doc, lookup);
    const seen = new Set();
    for (const it of doc.items) {
      seen.add(it.id);
      let n = nodes.get(it.id);
      if (!n) {
        n = newNode(it.id);
        nodes.set(it.id, n);
        el.items.append(n.g);
      }
      const p = lookup(it.productId);
      const wait = !p && isPending(it.productId);
      if (n.item !== it || n.product !== p || n.wait !== wait) drawItem(n, it, p, wait);
      const cls = 'ed-it' + (it.id === selected ? ' sel' : '') + (pr.overlapping.has(it.id) ? ' bad' : '') +
        (pr.outside.has(it.id) ? ' out' : '') + (!p ? (isPending(it.productId) ? ' wait' : ' unk') : '');
      if (n.cls !== cls) {
        n.cls = cls;
        n.g.setAttribute('class', cls);
        n.g.setAttribute('aria-pressed', String(it.id === selected));
      }
    }
    for (const [id, n] of nodes) {
      if (!seen.has(id)) { n.g.remove(); nodes.delete(id); }
    }
    const sel = selected ? nodes.get(selected) : null;
    if (sel && sel.g !== el.items.lastChild && !dragging) el.items.append(sel.g); // on top
    return pr;
  }

  /** @param {number} w @param {number} d */
  function drawRoom(w, d) {
    const big = Math.max(w, d);
    const { minor, major } = gridSteps(w, d);
    for (const [p, step] of /** @type {const} */ ([[el.gridMinor, minor], [el.gridMajor, major]])) {
      attrs(p, { width: step, height: step });
      attrs(/** @type {Element} */ (p.firstChild), { d: `M${step} 0H0V${step}` });
    }
    for (const r of [el.floor, ...el.gridRects, el.walls]) attrs(r, { width: w, height: d });
    const fs = Math.max(10, big * 0.035);
    const m = margin({ width: w, depth: d });
    const o = m * 0.55; // dimension lines sit this far outside the walls
    el.dims.replaceChildren(
      s('path', { d: `M0 ${-o}H${w}M0 ${-o - fs * 0.4}v${fs * 0.8}M${w} ${-o - fs * 0.4}v${fs * 0.8}` }),
      text(w / 2, -o - fs * 0.5, `${w} cm`, fs, 'dim-w'),
      s('path', { d: `M${-o} 0V${d}M${-o - fs * 0.4} 0h${fs * 0.8}M${-o - fs * 0.4} ${d}h${fs * 0.8}` }),
      attrs(text(-o - fs * 0.5, d / 2, `${d} cm`, fs, 'dim-d'), { transform: `rotate(-90 ${r1(-o - fs * 0.5)} ${d / 2})` }),
    );
    const bar = big > 2500 ? 500 : 100;
    const y = d + m * 0.9;
    el.scale.replaceChildren(
      s('path', { d: `M0 ${y - fs * 0.3}V${y}H${bar}V${y - fs * 0.3}` }),
      attrs(text(bar + fs * 0.4, y, bar === 100 ? tr('scale') : '5 m', fs * 0.9, 'scale'), { 'text-anchor': 'start' }),
    );
    applyViewBox();
  }

  /** @param {string} id @returns {ItemNode} */
  function newNode(id) {
    const rect = s('rect', { rx: '2' });
    const back = s('line', { class: 'ed-back' });
    const label = s('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central' });
    const g = s('g', { class: 'ed-it', 'data-testid': 'plan-item', 'data-item-id': id, tabindex: '0', role: 'button' }, rect, back, label);
    return { g, rect, back, label, item: null, product: undefined, wait: false, cls: '' };
  }

  /** @param {ItemNode} n @param {Item} it @param {Product | null} p @param {boolean} wait its product is still loading */
  function drawItem(n, it, p, wait) {
    const old = n.item;
    const waited = n.wait;
    n.item = it;
    n.wait = wait;
    n.g.setAttribute('transform', `translate(${it.x} ${it.y})`);
    n.g.dataset.x = String(it.x);
    n.g.dataset.y = String(it.y);
    const name = p ? p.name : wait ? tr('loadingProduct') : `? ${tr('unknownProduct')}`;
    if (old && old.rotation === it.rotation && old.productId === it.productId && n.product === p && waited === wait) {
      n.g.setAttribute('aria-label', tr('item', name, it.x, it.y));
      return;
    }
    n.product = p;
    n.g.dataset.rotation = String(it.rotation);
    n.g.dataset.productId = it.productId;
    const { w, d } = M.size(it, lookup);
    attrs(n.rect, { x: -w / 2, y: -d / 2, width: w, height: d, fill: p?.color || '#9aa3ad' });
    // The back of the product: the top edge unrotated, turning clockwise with it.
    const [x1, y1, x2, y2] = it.rotation === 0 ? [-w / 2, -d / 2, w / 2, -d / 2] : it.rotation === 90 ? [w / 2, -d / 2, w / 2, d / 2]
      : it.rotation === 180 ? [-w / 2, d / 2, w / 2, d / 2] : [-w / 2, -d / 2, -w / 2, d / 2];
    attrs(n.back, { x1, y1, x2, y2 });
    const fs = Math.max(5, Math.min(16, d * 0.3, (w * 1.7) / Math.max(4, name.length)));
    attrs(n.label, { 'font-size': r1(fs), fill: p?.color && dark(p.color) ? '#fff' : '#1c2026' });
    n.label.textContent = name;
    n.g.setAttribute('aria-label', tr('item', name, it.x, it.y));
  }

  function applyViewBox() {
    el.svg.setAttribute('viewBox', viewBoxOf(view, fitBox(room())));
    el.svg.dataset.zoom = String(Math.round(view.zoom * 100) / 100);
  }

  /** center is the plan point in the middle of the viewBox. */
  function center() {
    const vb = el.svg.viewBox.baseVal;
    return { x: vb.x + vb.width / 2, y: vb.y + vb.height / 2 };
  }

  /** toCm is the plan point under a client point; null while the plan is not laid out. @param {number} x @param {number} y */
  function toCm(x, y) {
    const ctm = el.svg.getScreenCTM();
    return ctm ? new DOMPoint(x, y).matrixTransform(ctm.inverse()) : null;
  }

  return {
    /** svg is the plan's element (a new one after build). */
    get svg() { return el.svg; },
    /** build makes a fresh <svg>, drawn on the next render. */
    build() {
      el = parts();
      nodes = new Map();
      roomKey = '';
      return el.svg;
    },
    render,
    /** node is the drawn item's element. @param {string} id */
    node: (id) => nodes.get(id)?.g,
    toCm,
    center,
    /** overPlan says whether a client point is over the plan. @param {number} x @param {number} y */
    overPlan(x, y) {
      const r = el.svg.getBoundingClientRect();
      return x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
    },
    /** zoomBy zooms by f about a client point (default the centre), which stays put. @param {number} f @param {number} [x] @param {number} [y] */
    zoomBy(f, x, y) {
      const c = center();
      const p = x === undefined || y === undefined ? c : toCm(x, y) ?? c;
      view = zoomAbout(view, f, c, p);
      applyViewBox();
    },
    /** panTo centres the view on a plan point. @param {number} cx @param {number} cy */
    panTo(cx, cy) {
      view.cx = cx;
      view.cy = cy;
      applyViewBox();
    },
    /** fit shows the whole room again. */
    fit() {
      view = { zoom: 1, cx: NaN, cy: NaN };
      applyViewBox();
    },
    /** resetView forgets zoom and pan; the viewBox follows when the room is next drawn. */
    resetView() {
      view = { zoom: 1, cx: NaN, cy: NaN };
    },
  };
}

/**
 * @param {number} x @param {number} y @param {string} str @param {number} fs @param {string} id
 */
function text(x, y, str, fs, id) {
  const e = s('text', { x: r1(x), y: r1(y), 'font-size': r1(fs), 'text-anchor': 'middle', 'data-testid': id });
  e.textContent = str;
  return e;
}
