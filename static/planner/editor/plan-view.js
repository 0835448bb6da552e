// plan-view.js: the editor's top-down SVG plan in cm units. The viewBox does
// zoom and pan; drawing is keyed, so a drag frame touches only the moved
// item's transform and the marks that changed. The arithmetic (fit, zoom
// about a point, grid steps) is exported DOM-free for plan-view.test.js.

import * as M from './model.js';
import { s, setAttrs as attrs } from '../dom.js';
import { drawSymbol } from './symbols.js';

/**
 * @typedef {import('../api.js').Product} Product
 * @typedef {import('../api.js').Item} Item
 * @typedef {import('../api.js').Room} Room
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {{g: SVGGElement, sym: SVGUseElement, rect: SVGRectElement, label: SVGTextElement, title: SVGTitleElement,
 *   item: Item | null, product: Product | null | undefined, wait: boolean, cls: string, rug: boolean,
 *   name: string, labelKey: string}} ItemNode
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
 * margin is the room's border in cm, where the wall lengths (rooms.js) and
 * the scale bar sit.
 * @param {Room} room
 */
const margin = (room) => Math.max(30, 0.1 * Math.max(room.width, room.depth));

/**
 * fitBox is what zoom 1 shows: the room, its wall lengths all round and its
 * scale bar below.
 * @param {Room} room
 * @returns {Box}
 */
export function fitBox(room) {
  const m = margin(room);
  return { x: -m, y: -m, w: room.width + m * 2, h: room.depth + m * 2.6 };
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

/** LABEL_PX is the size labels are drawn at on screen, whatever the zoom. */
export const LABEL_PX = 12;

/**
 * labelFor is what an item's label says at a font size (cm): the full name
 * when it fits the footprint, else its first word, else nothing (the callout
 * then names it on hover, focus and selection).
 * @param {string} name
 * @param {number} w footprint width in cm, as drawn
 * @param {number} d footprint depth in cm
 * @param {number} fs font size in cm
 */
export function labelFor(name, w, d, fs) {
  if (fs * 1.1 > d) return '';
  const fits = (/** @type {string} */ t) => t.length * fs * 0.56 <= w * 0.92;
  if (fits(name)) return name;
  const short = name.split(/[\s,]+/)[0] ?? '';
  if (short && fits(short)) return short;
  const cut = Math.floor((w * 0.92) / (fs * 0.56)) - 1;
  return cut >= 3 ? `${name.slice(0, cut)}…` : '';
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
      defs: s('defs'),
      floor: s('rect', { class: 'ed-floor', x: '0', y: '0' }),
      gridRects: [s('rect', { fill: 'url(#ed-grid-minor)', x: '0', y: '0' }), s('rect', { fill: 'url(#ed-grid-major)', x: '0', y: '0' })],
      walls: s('rect', { class: 'ed-walls', x: '0', y: '0', 'data-testid': 'room' }),
      scale: s('g', { class: 'ed-scale', 'data-testid': 'scale-bar' }),
      rugs: s('g', { class: 'ed-rugs' }),
      items: s('g', { class: 'ed-items' }),
      callout: s('g', { class: 'ed-callout', 'data-testid': 'plan-callout', 'aria-hidden': 'true' }, s('rect', { rx: '3' }), s('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central' })),
    };
    p.callout.setAttribute('visibility', 'hidden');
    p.defs.append(p.gridMinor, p.gridMajor);
    // Rugs lie under everything else; the walls and the callout on top.
    p.svg.append(p.defs, p.floor, ...p.gridRects, p.scale, p.rugs, p.items, p.walls, p.callout);
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
    const layer = sel && (sel.rug ? el.rugs : el.items);
    if (sel && layer && sel.g !== layer.lastChild && !dragging) layer.append(sel.g); // on top of its layer
    selectedId = selected;
    placeCallout();
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
    const bar = big > 2500 ? 500 : 100;
    const y = d + m * 1.45; // below the bottom wall's length
    el.scale.replaceChildren(
      s('path', { d: `M0 ${y - fs * 0.3}V${y}H${bar}V${y - fs * 0.3}` }),
      attrs(text(bar + fs * 0.4, y, bar === 100 ? tr('scale') : '5 m', fs * 0.9, 'scale'), { 'text-anchor': 'start' }),
    );
    applyViewBox();
  }

  /** @param {string} id @returns {ItemNode} */
  function newNode(id) {
    const sym = s('use', { class: 'ed-use' });
    // The footprint on top of the symbol: what a pointer hits, and the outline the marks style.
    const rect = s('rect', { class: 'ed-fp', rx: '2' });
    const label = s('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central' });
    const title = s('title');
    const g = s('g', { class: 'ed-it', 'data-testid': 'plan-item', 'data-item-id': id, tabindex: '0', role: 'button' }, title, sym, rect, label);
    return { g, sym, rect, label, title, item: null, product: undefined, wait: false, cls: '', rug: false, name: '', labelKey: '' };
  }

  /** @type {Map<string, {id: string, sh: import('./symbols.js').Shape}>} each symbol drawn once in <defs>, used by every item */
  let symbols = new Map();

  /** symbolOf is the id of p's symbol at w × d cm (unrotated), drawn in <defs> the first time. @param {Product | null} p @param {number} w @param {number} d */
  function symbolOf(p, w, d) {
    const color = p?.color || '#9aa3ad';
    const key = p ? `${p.id}|${p.name}|${p.category}|${color}|${w}|${d}` : `?|${w}|${d}`;
    let v = symbols.get(key);
    if (!v) {
      const g = s('g', { id: `ed-sym-${symbols.size + 1}` });
      const sh = drawSymbol(g, p ? { name: p.name, category: p.category, width: w, depth: d } : null, color, w, d);
      el.defs.append(g);
      v = { id: g.id, sh };
      symbols.set(key, v);
    }
    return v;
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
    const { w, d } = M.size(it, lookup);
    n.g.setAttribute('aria-label', spoken(name, it, w, d));
    if (old && old.rotation === it.rotation && old.productId === it.productId && n.product === p && waited === wait) return;
    n.product = p;
    n.name = name;
    n.g.dataset.rotation = String(it.rotation);
    n.g.dataset.productId = it.productId;
    attrs(n.rect, { x: -w / 2, y: -d / 2, width: w, height: d });
    // The symbol is drawn unrotated (its back at the top), then turned with the item.
    const flat = it.rotation % 180 ? { w: d, d: w } : { w, d };
    const { id: symId, sh } = symbolOf(p, flat.w, flat.d);
    n.sym.setAttribute('href', `#${symId}`);
    if (it.rotation) n.sym.setAttribute('transform', `rotate(${it.rotation})`);
    else n.sym.removeAttribute('transform');
    const rug = sh.kind === 'rug';
    const layer = rug ? el.rugs : el.items;
    if (n.g.parentNode !== layer) layer.append(n.g);
    n.rug = rug;
    n.title.textContent = `${name} · ${p ? `${p.width} × ${p.depth} cm` : ''}`;
    n.label.setAttribute('class', p?.color && dark(p.color) ? 'on-dark' : '');
    n.labelKey = '';
    drawLabel(n);
  }

  /**
   * spoken is an item's accessible name: "Hygge recliner, 88 by 95 cm, 40 cm
   * from the left wall, 120 cm from the back wall".
   * @param {string} name @param {Item} it @param {number} w @param {number} d
   */
  function spoken(name, it, w, d) {
    return tr('itemSpoken', name, w, d, Math.round(it.x - w / 2), Math.round(it.y - d / 2));
  }

  /** pxPerCm is the screen pixels one cm takes now (0 before layout). */
  function pxPerCm() {
    const vb = el.svg.viewBox.baseVal;
    const cw = el.svg.clientWidth, ch = el.svg.clientHeight;
    if (!vb || !vb.width || !cw || !ch) return 0;
    return Math.min(cw / vb.width, ch / vb.height);
  }

  /** labelCm is the label font size in cm that shows as LABEL_PX on screen. */
  let labelCm = 14;

  /** @param {ItemNode} n */
  function drawLabel(n) {
    const it = n.item;
    if (!it) return;
    const { w, d } = M.size(it, lookup);
    const text = labelFor(n.name, w, d, labelCm);
    const key = `${text}|${labelCm}`;
    if (key === n.labelKey) return;
    n.labelKey = key;
    n.label.textContent = text;
    attrs(n.label, { 'font-size': r1(labelCm) });
  }

  /** relabel fits every label to the zoom (never during a drag frame: zoom and resize only). */
  function relabel() {
    const px = pxPerCm();
    if (!px) return;
    const next = Math.round((LABEL_PX / px) * 10) / 10;
    // The wall lengths (rooms.js, CSS) read the size from here, also on a rebuilt plan.
    if (el.svg.style.getPropertyValue('--label-cm') !== String(next)) el.svg.style.setProperty('--label-cm', String(next));
    if (next === labelCm) { placeCallout(); return; }
    labelCm = next;
    for (const n of nodes.values()) drawLabel(n);
    placeCallout();
  }

  /** @type {string | null} */
  let selectedId = null;
  /** @type {string | null} the item under the pointer or with the focus */
  let pointedId = null;

  /** placeCallout names the pointed-at (else the selected) item in full above it. */
  function placeCallout() {
    const n = nodes.get(pointedId ?? '') ?? nodes.get(selectedId ?? '');
    const c = el.callout;
    if (!n || !n.item) { c.setAttribute('visibility', 'hidden'); return; }
    const it = n.item;
    const { d } = M.size(it, lookup);
    const p = n.product;
    const text = p ? `${n.name} · ${p.width} × ${p.depth} cm` : n.name;
    const t = /** @type {SVGTextElement} */ (c.lastChild);
    const r = /** @type {SVGRectElement} */ (c.firstChild);
    const fs = labelCm * 1.05;
    const tw = text.length * fs * 0.56 + fs;
    const y = it.y - d / 2 - fs * 1.1;
    if (t.textContent !== text) t.textContent = text;
    attrs(t, { x: it.x, y, 'font-size': r1(fs) });
    attrs(r, { x: it.x - tw / 2, y: y - fs * 0.8, width: tw, height: fs * 1.6 });
    c.setAttribute('visibility', 'visible');
  }

  /** @param {string | null} id */
  function point(id) {
    if (id === pointedId) return;
    pointedId = id;
    placeCallout();
  }

  function applyViewBox() {
    el.svg.setAttribute('viewBox', viewBoxOf(view, fitBox(room())));
    el.svg.dataset.zoom = String(Math.round(view.zoom * 100) / 100);
    queueRelabel();
  }

  let relabelQueued = false;
  /** queueRelabel fits the labels in the next frame: reading the plan's size now would force a layout mid-render. */
  function queueRelabel() {
    if (relabelQueued) return;
    relabelQueued = true;
    requestAnimationFrame(() => { relabelQueued = false; relabel(); });
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
      symbols = new Map();
      roomKey = '';
      pointedId = null;
      const svg = el.svg;
      svg.addEventListener('pointerover', (e) => point(itemIdOf(e.target)));
      svg.addEventListener('pointerleave', () => point(null));
      svg.addEventListener('focusin', (e) => point(itemIdOf(e.target)));
      svg.addEventListener('focusout', () => point(null));
      // A resized plan (a drawer, the frame) shows labels at another scale.
      if (typeof ResizeObserver === 'function') {
        let queued = false;
        new ResizeObserver(() => {
          if (queued) return;
          queued = true;
          requestAnimationFrame(() => { queued = false; if (el.svg === svg) queueRelabel(); });
        }).observe(svg);
      }
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
