// rooms.js: the room's shape on the plan, drawn at first paint: the floor and
// walls of any polygon, wall lengths, doors and windows with their swings,
// and the clearance warnings they cause. The tools that change the shape
// (presets, corner and wall handles, architecture buttons, wall lengths,
// units, the 3D toggle) are room-tools.js, a chunk of their own loaded when
// the visitor presses "Edit room": most visitors only furnish a room.
// While an item is dragged (furnishing, not room editing) dragged() shows
// its distances to the walls (measure.js), tools or no tools. The "Measure"
// button beside "Edit room" loads the same chunk for the two-click
// measuring tool (measure-tool.js), without the shape tools.
// The editor calls mount() after each build of its chrome and render()
// after each render.

import * as M from './model.js';
import * as G from './geometry.js';
import { formatLength, formatArea, parseLength, normUnits } from './units.js';
import { h, s } from '../dom.js';
import { gaps, marks, labelSpot, snapPoint, distance } from './measure.js';

/**
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {import('./geometry.js').Opening} Opening
 * @typedef {import('./units.js').Units} Units
 * @typedef {{plan: HTMLElement, warnings: HTMLElement, root: HTMLElement}} Chrome
 * @typedef {{toCm(x: number, y: number): DOMPoint | {x: number, y: number} | null, readonly svg: SVGSVGElement}} Plan
 * @typedef {object} RoomsContext what room-tools.js is handed
 * @property {() => string} locale
 * @property {() => Doc} doc the committed document
 * @property {(doc: Doc | null) => void} draft shows doc while dragging (null: back to the committed one)
 * @property {(doc: Doc) => void} commit
 * @property {(id: string | null) => void} select
 * @property {(id: string) => import('../api.js').Product | null} lookup
 * @property {Plan} plan
 * @property {() => Units} units
 * @property {(u: Units) => void} setUnits
 * @property {(text: string) => void} say the note beside the tools
 * @property {() => void} redraw draws the shown document again
 * @property {{h: typeof h, s: typeof s, parseLength: typeof parseLength, formatLength: typeof formatLength, formatArea: typeof formatArea,
 *   normUnits: typeof normUnits, snapPoint: typeof snapPoint, distance: typeof distance}} lib what the page already loaded (see room-tools.js)
 */

// Its strings live here, beside the drawing (English and French, as i18n.js).
const STR = {
  en: { edit: 'Edit room', measure: 'Measure', loading: 'Loading the room tools…', failed: 'The room tools could not be loaded: {0}. Press “Edit room” to try again.',
    swing: '%s is in the swing of a door', passage: '%s leaves too little room to pass a door',
    blocksWindow: '%s stands in front of a window' },
  fr: { edit: 'Modifier la pièce', measure: 'Mesurer', loading: 'Chargement des outils de la pièce…', failed: 'Les outils de la pièce n’ont pas pu être chargés : {0}. Appuyez sur « Modifier la pièce » pour réessayer.',
    swing: '%s est dans le débattement d’une porte', passage: '%s laisse trop peu de passage devant une porte',
    blocksWindow: '%s est devant une fenêtre' },
};

/**
 * createRooms draws the room and opens its tools on demand.
 * @param {object} o
 * @param {() => string} o.locale
 * @param {() => Doc} o.doc the committed document
 * @param {(doc: Doc | null) => void} o.draft
 * @param {(doc: Doc) => void} o.commit
 * @param {(id: string | null) => void} o.select
 * @param {(id: string) => import('../api.js').Product | null} o.lookup
 * @param {Plan} o.plan
 * @param {Units} [o.units]
 * @param {() => Promise<typeof import('./room-tools.js')>} [o.loadTools] how the tools arrive (tests inject failures)
 */
export function createRooms({ locale, doc, draft, commit, select, lookup, plan, units: u0 = 'metric', loadTools = () => import('./room-tools.js') }) {
  /** @param {keyof typeof STR.en} k @param {string} [a] */
  const rt = (k, a = '') => ((/** @type {any} */ (STR)[locale()] ?? STR.en)[k] ?? STR.en[k]).replace('%s', a).replace('{0}', a);
  /** @type {Units} */
  let units = normUnits(u0);
  /** @type {Doc | null} */
  let shown = null;
  /** @type {string | null} */
  let selectedItem = null;
  /** @type {ReturnType<typeof import('./room-tools.js').createRoomTools> | null} */
  let tools = null;
  /** @type {Promise<void> | null} a load in flight */
  let loading = null;
  let wantTools = false; // opened once: the tools come back after a rebuild of the chrome
  /** @type {Promise<typeof import('./room-tools.js')> | null} the chunk, loaded once (again after a failure) */
  let chunk = null;
  const loadChunk = () => (chunk ??= loadTools().catch((/** @type {unknown} */ err) => { chunk = null; throw err; }));
  /** @type {ReturnType<typeof import('./measure-tool.js').createMeasure> | null} */
  let measure = null;
  /** @type {(() => void) | null} */
  let stopMeasureKeys = null;
  /** @type {any} */
  let el = null;

  /** @type {RoomsContext} */
  const ctx = {
    locale, doc, draft, commit, select, lookup, plan,
    units: () => units,
    setUnits: (u) => { units = u; redraw(); },
    say: (text) => { if (el) el.note.textContent = text; },
    redraw: () => redraw(),
    lib: { h, s, parseLength, formatLength, formatArea, normUnits, snapPoint, distance },
  };

  /**
   * mount adds the room layer to a freshly built chrome, and the bar the
   * tools go in.
   * @param {Chrome} chrome
   */
  function mount(chrome) {
    el = {
      chrome,
      open: h('button', { type: 'button', class: 'button secondary', 'data-testid': 'room-tools-open' }, rt('edit')),
      measure: h('button', { type: 'button', class: 'button secondary', 'data-testid': 'measure-toggle', 'aria-pressed': 'false' }, rt('measure')),
      readout: h('span', { class: 'ed-note ed-measure-out', 'data-testid': 'measure-readout', role: 'status', hidden: true }),
      note: h('span', { class: 'ed-note', 'data-testid': 'room-note', role: 'status' }),
      layer: s('g', { class: 'ed-room2', 'data-testid': 'room-shape' }),
      gaps: s('g', { class: 'ed-gaps' }),
    };
    el.bar = h('div', { class: 'ed-tools ed-roomtools', role: 'toolbar', 'data-testid': 'room-tools' }, el.open, el.measure, el.readout, el.note);
    // Compact, so the whole plan still fits the pane on a desktop (CSSOM: the CSP refuses inline styles).
    Object.assign(el.bar.style, { fontSize: '0.82rem', rowGap: '4px', marginTop: '-2px' });
    for (const b of [el.open, el.measure]) Object.assign(b.style, { paddingTop: '2px', paddingBottom: '2px', minHeight: '0' });
    chrome.plan.before(el.bar);
    chrome.plan.style.position = 'relative';
    // Our outline replaces the plan's rectangle: items stay above.
    plan.svg.querySelector('.ed-items')?.before(el.layer);
    plan.svg.append(el.gaps); // the drag distances over the items
    for (const r of plan.svg.querySelectorAll('.ed-floor, .ed-walls')) r.setAttribute('opacity', '0');
    el.open.addEventListener('click', () => { void open(); });
    el.measure.addEventListener('click', () => { void toggleMeasure(); });
    measure?.mount({ plan: chrome.plan, button: el.measure, readout: el.readout });
    if (tools) tools.mount({ ...chrome, bar: el.bar, open: el.open, note: el.note, layer: el.layer });
    else if (wantTools) void open();
  }

  /**
   * open loads the tools (once) and puts them in the bar. A failed load
   * says so in the note and leaves the button to try again.
   */
  function open() {
    wantTools = true;
    if (tools) return Promise.resolve();
    if (loading) return loading;
    const bar = el;
    bar.open.disabled = true;
    ctx.say(rt('loading'));
    loading = loadChunk().then((mod) => {
      tools = mod.createRoomTools(ctx);
      ctx.say('');
      if (el) tools.mount({ ...el.chrome, bar: el.bar, open: el.open, note: el.note, layer: el.layer });
      redraw();
    }, (/** @type {unknown} */ err) => {
      console.warn('planner: room tools failed to load', err);
      ctx.say(rt('failed', err instanceof Error ? err.message : String(err)));
      wantTools = false;
    }).finally(() => {
      loading = null;
      if (el) el.open.disabled = false;
    });
    return loading;
  }

  /** toggleMeasure loads the measuring tool (once), then turns it on or off. */
  async function toggleMeasure() {
    if (!measure) {
      const b = el;
      b.measure.disabled = true;
      try {
        const mod = await loadChunk();
        measure = mod.createMeasure(ctx);
        stopMeasureKeys = measure.listen(document);
        if (el) measure.mount({ plan: el.chrome.plan, button: el.measure, readout: el.readout });
      } catch (err) {
        console.warn('planner: the measuring tool failed to load', err);
        ctx.say(rt('failed', err instanceof Error ? err.message : String(err)));
        return;
      } finally {
        b.measure.disabled = false;
      }
    }
    measure.toggle();
  }

  function redraw() { render(shown ?? doc(), null); }

  /**
   * render draws the outline, openings and wall lengths of d and lists its
   * clearance problems under the editor's warnings.
   * @param {Doc} d the shown document (the draft while dragging)
   * @param {ReturnType<typeof M.problems> | null} pr its problems (null: keep the last)
   * @param {string | null} [selected]
   */
  function render(d, pr, selected = selectedItem) {
    if (!el) return;
    shown = d;
    selectedItem = selected;
    const sh = M.shapeOf(d.room);
    const path = (/** @type {G.Pt[]} */ p) => `M${p.map((c) => `${G.r1(c.x)} ${G.r1(c.y)}`).join('L')}Z`;
    const outer = G.outerOutline(sh.polygon, sh.wallThickness);
    /** @type {SVGElement[]} */
    const parts = [
      s('path', { class: 'ed-floor2', d: path(sh.polygon), fill: '#f4efe6', 'data-testid': 'room-floor' }),
      s('path', { class: 'ed-wall2', d: path(outer) + path([...sh.polygon].reverse()), fill: '#3b4148', 'fill-rule': 'evenodd', 'data-testid': 'room-walls' }),
    ];
    // One length per wall, outside it and along it (measure.js labelSpot);
    // their size follows the zoom (planner.css, --label-cm from plan-view.js).
    const labels = [];
    for (let i = 0; i < sh.polygon.length; i++) {
      const w = G.wall(sh.polygon, i), at = labelSpot(w, sh.wallThickness);
      const t = s('text', { x: at.x, y: at.y, 'text-anchor': 'middle', 'dominant-baseline': at.edge === 'after' ? 'text-after-edge' : 'text-before-edge',
        class: 'ed-wlen', 'data-testid': 'wall-label', 'data-index': String(i), 'pointer-events': 'none' });
      if (at.angle) t.setAttribute('transform', `rotate(${at.angle} ${at.x} ${at.y})`);
      t.textContent = formatLength(w.len, units);
      labels.push(t);
    }
    const sel = tools?.selectedOpening ?? null;
    for (const o of sh.openings) parts.push(openingMark(sh, o, o.id === sel));
    el.layer.replaceChildren(...parts, ...labels);
    el.gaps.replaceChildren();
    if (pr) {
      for (const n of plan.svg.querySelectorAll('.ed-it.blocking')) n.classList.remove('blocking');
      listClearance(d, pr);
    }
    tools?.render(d, selected);
    measure?.redraw();
  }

  /** @param {Doc} d @param {ReturnType<typeof M.problems>} pr */
  function listClearance(d, pr) {
    const list = el.chrome.warnings.querySelector('ul');
    if (!list || !pr.clearance.length) return;
    const byId = new Map(d.items.map((i) => [i.id, i]));
    const seen = new Set();
    for (const c of pr.clearance) {
      if (seen.has(c.itemId)) continue;
      seen.add(c.itemId);
      const it = byId.get(c.itemId);
      const name = (it && lookup(it.productId)?.name) || c.itemId;
      list.append(h('li', { 'data-testid': 'warning', 'data-kind': 'clearance' },
        h('button', { type: 'button', class: 'ed-link', 'data-item-id': c.itemId }, rt(c.kind === 'window' ? 'blocksWindow' : c.kind, name))));
    }
    el.chrome.warnings.hidden = false;
    const head = el.chrome.warnings.querySelector('h3');
    if (head) head.textContent = head.textContent.replace(/\((\d+)\)/, (/** @type {string} */ _, /** @type {string} */ k) => `(${Number(k) + seen.size})`);
    for (const id of pr.blocking) plan.svg.querySelector(`.ed-it[data-item-id="${CSS.escape(id)}"]`)?.classList.add('blocking');
  }

  return {
    mount,
    render,
    open,
    /** setUnits follows SetUpSettings {units}. @param {unknown} u */
    setUnits(u) { units = normUnits(u); tools?.unitsChanged(); if (el) redraw(); },
    get units() { return units; },
    /** dragged shows item id's distances to the walls in d, a drag's draft (measure.js). @param {Doc} d @param {string} id */
    dragged(d, id) {
      const it = el && d.items.find((i) => i.id === id);
      if (it) el.gaps.replaceChildren(...marks(gaps(M.shapeOf(d.room).polygon, M.rect(it, lookup)), units));
    },
    get showing3d() { return tools?.showing3d ?? false; },
    destroy() { tools?.destroy(); stopMeasureKeys?.(); },
  };
}

/**
 * openingMark draws a door or window in its wall, a door with its swing.
 * @param {G.Shape} sh @param {Opening} o @param {boolean} selected
 */
function openingMark(sh, o, selected) {
  const { start, end, normal } = G.openingFrame(sh, o), T = sh.wallThickness;
  const out = (/** @type {G.Pt} */ p, /** @type {number} */ k) => ({ x: p.x - normal.x * k, y: p.y - normal.y * k });
  const pts = (/** @type {G.Pt[]} */ p) => p.map((c) => `${G.r1(c.x)},${G.r1(c.y)}`).join(' ');
  const g = s('g', { class: 'ed-opening' + (selected ? ' sel' : ''), 'data-testid': 'opening', 'data-opening-id': o.id, 'data-kind': o.kind,
    'data-wall': String(o.wall), 'data-offset': String(o.offset), 'data-handle': 'opening', 'data-index': String(o.wall) });
  g.append(s('polygon', { points: pts([out(start, -1), out(end, -1), out(end, T + 1), out(start, T + 1)]), fill: selected ? '#dbeafe' : '#fff', stroke: 'none' }));
  if (o.kind === 'window') {
    g.append(s('polygon', { points: pts([start, end, out(end, T), out(start, T)]), fill: '#e0f2fe', stroke: '#0369a1', 'stroke-width': '1.5' }),
      s('line', { x1: G.r1(out(start, T / 2).x), y1: G.r1(out(start, T / 2).y), x2: G.r1(out(end, T / 2).x), y2: G.r1(out(end, T / 2).y), stroke: '#0369a1', 'stroke-width': '1.5' }));
  }
  for (const z of G.doorZones(sh, o)) {
    if (z.kind !== 'swing') continue;
    const [hinge, ...arc] = z.poly;
    const leafEnd = arc.at(-1) ?? hinge;
    g.append(s('path', { d: `M${G.r1(hinge.x)} ${G.r1(hinge.y)}L${arc.map((c) => `${G.r1(c.x)} ${G.r1(c.y)}`).join('L')}Z`, fill: 'rgba(37,99,235,.06)', stroke: 'none', 'data-testid': 'door-swing' }),
      s('path', { d: `M${arc.map((c) => `${G.r1(c.x)} ${G.r1(c.y)}`).join('L')}`, fill: 'none', stroke: '#64748b', 'stroke-width': '1', 'stroke-dasharray': '4 3' }),
      s('line', { x1: G.r1(hinge.x), y1: G.r1(hinge.y), x2: G.r1(leafEnd.x), y2: G.r1(leafEnd.y), stroke: '#1f2937', 'stroke-width': '2.5' }));
  }
  return g;
}
