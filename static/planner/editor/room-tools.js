// room-tools.js: the tools that change the room's shape, loaded by rooms.js
// when the visitor presses "Edit room" (a chunk of its own): presets,
// corner and wall handles on the plan, doors and windows from an
// "Architecture" group, wall thickness and length, units, and the "3D"
// toggle that loads three-d/view3d.js on first use. rooms.js draws the room
// itself; every change goes through commit (one undo step) or draft (while
// dragging).

import * as M from './model.js';
import * as G from './geometry.js';
// The measuring tool rides in this chunk: rooms.js loads it from here.
export { createMeasure } from './measure-tool.js';
// units.js and dom.js come through the context (RoomsContext.lib), not by
// import: a module this chunk shared with the page beside geometry and model
// (already a chunk of their own, shared with the 3D view) would become one
// more chunk the page loads at start.

/**
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {import('./geometry.js').Opening} Opening
 * @typedef {import('./rooms.js').RoomsContext} RoomsContext
 * @typedef {{kind: 'corner' | 'wall' | 'opening', index: number, id?: string, start: Doc, from: {x: number, y: number}}} Drag
 * @typedef {import('./rooms.js').Chrome & {bar: HTMLElement, open: HTMLElement, note: HTMLElement, layer: SVGGElement}} ToolsChrome
 */

// Its strings live here, beside the tools (English and French, as i18n.js).
const STR = {
  en: { shape: 'Room shape', rectangle: 'Rectangle', L: 'L shape', U: 'U shape', T: 'T shape', ortho: 'Right angles', wall: 'Walls', thick: 'thick',
    length: 'Wall length', arch: 'Architecture', door: 'Door', 'double-door': 'Double door', window: 'Window', opening: 'Opening',
    units: 'Units', metric: 'Metric', imperial: 'Imperial', area: 'Floor area', view3d: '3D', view2d: 'Plan', walk: 'Walk',
    no3d: '3D needs WebGL2, which this browser does not offer.', loading3d: 'Loading 3D…', failed3d: '3D could not be loaded: %s. Press “3D” to try again.',
    refused: 'Not changed: %s.', flip: 'Flip door', noWall: 'No wall has room for it.',
    canvas: 'Room in 3D' },
  fr: { shape: 'Forme de la pièce', rectangle: 'Rectangle', L: 'En L', U: 'En U', T: 'En T', ortho: 'Angles droits', wall: 'Murs', thick: 'd’épaisseur',
    length: 'Longueur du mur', arch: 'Architecture', door: 'Porte', 'double-door': 'Porte double', window: 'Fenêtre', opening: 'Ouverture',
    units: 'Unités', metric: 'Métrique', imperial: 'Impérial', area: 'Surface', view3d: '3D', view2d: 'Plan', walk: 'Marcher',
    no3d: 'La 3D demande WebGL2, que ce navigateur n’offre pas.', loading3d: 'Chargement de la 3D…', failed3d: 'La 3D n’a pas pu être chargée : %s. Appuyez sur « 3D » pour réessayer.',
    refused: 'Non modifié : %s.', flip: 'Inverser la porte', noWall: 'Aucun mur n’a la place.',
    canvas: 'Pièce en 3D' },
};

/**
 * createRoomTools makes the shape tools; rooms.js mounts them in its bar.
 * @param {RoomsContext} c
 */
export function createRoomTools({ locale, doc, draft, commit, select, lookup, plan, units: unitsOf, setUnits, say, redraw, lib }) {
  const { h, s, parseLength, formatLength, formatArea, normUnits } = lib;
  /** @param {keyof typeof STR.en} k @param {string} [a] */
  const rt = (k, a = '') => ((/** @type {any} */ (STR)[locale()] ?? STR.en)[k] ?? STR.en[k]).replace('%s', a);
  let ortho = true;
  let lastPress = { key: '', at: 0, x: 0, y: 0 };
  let forceFields = false; // a field was typed in: show what was kept, focused or not
  let selWall = -1;
  /** @type {string | null} */
  let selOpening = null;
  /** @type {Drag | null} */
  let drag = null;
  /** @type {any} the loaded view3d module's view */
  let view3d = null;
  let showing3d = false;
  /** @type {Doc | null} */
  let shown = null;
  /** @type {string | null} */
  let selectedItem = null;
  // ---- chrome ----
  /** @type {any} */
  let el = null;

  /**
   * mount fills rooms.js's bar on a freshly built chrome, adds the handles
   * to the plan and the 3D container.
   * @param {ToolsChrome} chrome
   */
  function mount(chrome) {
    const b = (/** @type {string} */ id, /** @type {string} */ text) => h('button', { type: 'button', class: 'button secondary', 'data-testid': id }, text);
    el = {
      chrome,
      layer: chrome.layer,
      preset: h('select', { 'data-testid': 'room-preset', 'aria-label': rt('shape') },
        h('option', { value: '' }, rt('shape')), ...['rectangle', 'L', 'U', 'T'].map((k) => h('option', { value: k }, rt(/** @type {any} */ (k))))),
      ortho: h('input', { type: 'checkbox', 'data-testid': 'room-ortho', checked: ortho }),
      thick: h('input', { type: 'text', 'data-testid': 'wall-thickness', size: '6', inputmode: 'decimal', 'aria-label': `${rt('wall')} ${rt('thick')}` }),
      len: h('input', { type: 'text', 'data-testid': 'wall-length', size: '8', inputmode: 'decimal', 'aria-label': rt('length'), disabled: true }),
      units: h('select', { 'data-testid': 'units', 'aria-label': rt('units') }, h('option', { value: 'metric' }, rt('metric')), h('option', { value: 'imperial' }, rt('imperial'))),
      area: h('span', { class: 'ed-note', 'data-testid': 'floor-area' }),
      toggle: b('toggle-3d', rt('view3d')),
      walk: b('walk-3d', rt('walk')),
      flip: b('door-flip', rt('flip')),
      handles: s('g', { class: 'ed-handles' }),
      box3d: h('div', { class: 'ed-3dbox', 'data-testid': 'view3d-box', hidden: true }),
    };
    el.walk.hidden = true;
    el.flip.hidden = true;
    el.units.value = unitsOf();
    const arch = ['door', 'double-door', 'window', 'opening'].map((k) => {
      const btn = b(`add-${k}`, rt(/** @type {any} */ (k)));
      btn.addEventListener('click', () => addOpening(/** @type {Opening['kind']} */ (k)));
      return btn;
    });
    chrome.open.hidden = true;
    chrome.note.before(
      h('span', { class: 'ed-group' }, el.preset, h('label', {}, el.ortho, ' ', rt('ortho'))),
      h('span', { class: 'ed-group' }, h('label', {}, rt('wall'), ' ', el.thick), h('label', {}, rt('length'), ' ', el.len)),
      h('span', { class: 'ed-group', 'data-testid': 'architecture', role: 'group', 'aria-label': rt('arch') }, h('strong', {}, rt('arch')), ...arch, el.flip),
      h('span', { class: 'ed-group' }, el.units, el.area),
      h('span', { class: 'ed-group' }, el.toggle, el.walk));
    for (const c of chrome.bar.querySelectorAll('button, select, input[type=text]')) Object.assign(/** @type {HTMLElement} */ (c).style, { paddingTop: '2px', paddingBottom: '2px', minHeight: '0' });
    // CSSOM, not style attributes: the planner's CSP refuses inline styles.
    Object.assign(el.box3d.style, { position: 'absolute', inset: '0', background: '#d9e0ea' });
    chrome.plan.append(el.box3d);
    // Handles on top of everything.
    plan.svg.append(el.handles);
    wire();
    if (showing3d) { showing3d = false; void toggle3d(); }
  }

  function wire() {
    el.preset.addEventListener('change', () => {
      const k = el.preset.value;
      el.preset.value = '';
      if (!k) return;
      const d = doc();
      const polygon = G.preset(k, d.room.width, d.room.depth);
      const sh = M.shapeOf(d.room);
      const openings = sh.openings.filter((o) => o.wall < polygon.length && !G.validateShape({ ...sh, polygon, openings: [o] }));
      apply(M.editRoomAt(d, () => ({ shape: { ...sh, polygon, openings } })));
    });
    el.ortho.addEventListener('change', () => { ortho = el.ortho.checked; });
    el.units.addEventListener('change', () => setUnits(normUnits(el.units.value)));
    el.thick.addEventListener('change', () => {
      forceFields = true;
      const v = parseLength(el.thick.value, unitsOf());
      if (v === null) { say(rt('refused', el.thick.value)); return redraw(); }
      apply(M.editRoomAt(doc(), (sh) => G.setThickness(sh, v)));
    });
    el.len.addEventListener('change', () => {
      forceFields = true;
      const v = parseLength(el.len.value, unitsOf());
      if (v === null || selWall < 0) { redraw(); return; }
      apply(M.editRoomAt(doc(), (sh) => G.setWallLength(sh, selWall, v)));
    });
    el.flip.addEventListener('click', () => {
      const sh = M.shapeOf(doc().room), o = sh.openings.find((q) => q.id === selOpening);
      if (!o || (o.kind !== 'door' && o.kind !== 'double-door')) return;
      // in/start → in/end → out/start → out/end → in/start
      const next = o.kind === 'door' ? (o.hinge === 'start' ? { hinge: 'end', swing: o.swing } : { hinge: 'start', swing: o.swing === 'in' ? 'out' : 'in' }) : { swing: o.swing === 'in' ? 'out' : 'in' };
      apply(M.editRoomAt(doc(), (x) => G.placeOpening(x, /** @type {Opening} */ ({ ...o, ...next }))));
    });
    el.toggle.addEventListener('click', () => { void toggle3d(); });
    el.walk.addEventListener('click', () => {
      if (!view3d) return;
      view3d.setMode(view3d.mode === 'walk' ? 'orbit' : 'walk');
      el.walk.setAttribute('aria-pressed', String(view3d.mode === 'walk'));
    });
    // Handles: pointer events stop here, so the plan's own drag never sees them.
    el.handles.addEventListener('pointerdown', onDown);
    el.layer.addEventListener('pointerdown', onDown);
  }

  /** same: does a drag's result change nothing? @param {Doc} a @param {Doc} b */
  const same = (a, b) => JSON.stringify(a.room) === JSON.stringify(b.room) && JSON.stringify(a.items) === JSON.stringify(b.items);

  /** @param {{doc: Doc, error?: string}} r */
  function apply(r) {
    if (r.error) { say(rt('refused', r.error)); redraw(); return false; }
    say('');
    commit(r.doc);
    return true;
  }

  /** @param {number} x @param {number} y */
  const cm = (x, y) => { const p = plan.toCm(x, y); return p ? { x: p.x, y: p.y } : null; };

  /** @param {PointerEvent} e */
  function onDown(e) {
    const t = e.target instanceof Element ? e.target.closest('[data-handle]') : null;
    if (!t || e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    const at = cm(e.clientX, e.clientY);
    if (!at) return;
    const kind = /** @type {Drag['kind']} */ (t.getAttribute('data-handle'));
    const index = Number(t.getAttribute('data-index'));
    const id = t.getAttribute('data-opening-id') ?? undefined;
    // A double press is ours to see: the handles are drawn anew between the
    // presses, so the browser's dblclick would land on no handle.
    const key = `${kind}:${index}:${id ?? ''}`;
    if (key === lastPress.key && e.timeStamp - lastPress.at < 450 && Math.hypot(e.clientX - lastPress.x, e.clientY - lastPress.y) < 8) {
      lastPress = { key: '', at: 0, x: 0, y: 0 };
      onDouble(kind, index, id, e);
      return;
    }
    lastPress = { key, at: e.timeStamp, x: e.clientX, y: e.clientY };
    if (kind === 'wall') selWall = index;
    if (kind === 'opening') { selOpening = id ?? null; selWall = -1; } else selOpening = null;
    drag = { kind, index, id, start: doc(), from: at };
    const move = (/** @type {PointerEvent} */ ev) => {
      const p = cm(ev.clientX, ev.clientY);
      if (!p || !drag) return;
      const r = step(drag, p, !ortho || ev.altKey);
      if (r) draft(r);
    };
    const up = (/** @type {PointerEvent} */ ev) => {
      window.removeEventListener('pointermove', move, true);
      window.removeEventListener('pointerup', up, true);
      const p = cm(ev.clientX, ev.clientY), d = drag;
      drag = null;
      const r = p && d ? step(d, p, !ortho || ev.altKey) : null;
      draft(null);
      if (r && d && !same(r, d.start)) commit(M.normalizeOrigin(r));
      else redraw();
    };
    window.addEventListener('pointermove', move, true);
    window.addEventListener('pointerup', up, true);
    redraw();
  }

  /**
   * step is the document a drag gives at p, or null when refused (the last
   * good one stays on screen, and the note says why).
   * @param {Drag} d @param {{x: number, y: number}} p @param {boolean} free any angle
   */
  function step(d, p, free) {
    const snap = (/** @type {number} */ v) => Math.round(v / 5) * 5;
    /** @type {{doc: Doc, error?: string}} */
    let r;
    if (d.kind === 'corner') r = M.editRoom(d.start, (sh) => G.moveCorner(sh, d.index, snap(p.x), snap(p.y), { ortho: !free }));
    else if (d.kind === 'wall') {
      const w = G.wall(M.shapeOf(d.start.room).polygon, d.index);
      const dist = snap((p.x - d.from.x) * w.normal.x + (p.y - d.from.y) * w.normal.y);
      r = M.editRoom(d.start, (sh) => G.moveWall(sh, d.index, dist));
    } else {
      const sh = M.shapeOf(d.start.room), o = sh.openings.find((q) => q.id === d.id);
      if (!o) return null;
      const near = G.nearestWall(sh.polygon, p);
      r = M.editRoom(d.start, (x) => G.placeOpening(x, { ...o, wall: near.wall, offset: snap(near.along - o.width / 2) }));
    }
    if (r.error) { say(rt('refused', r.error)); return null; }
    say('');
    return r.doc;
  }

  /** @param {Drag['kind']} kind @param {number} index @param {string | undefined} id @param {PointerEvent} e */
  function onDouble(kind, index, id, e) {
    if (kind === 'corner') apply(M.editRoomAt(doc(), (sh) => G.removeCorner(sh, index)));
    else if (kind === 'wall') {
      const p = cm(e.clientX, e.clientY), g = (/** @type {number} */ v) => Math.round(v / 5) * 5;
      if (p) apply(M.editRoomAt(doc(), (sh) => G.insertCorner(sh, index, g(p.x), g(p.y))));
    } else if (kind === 'opening') {
      if (id) apply({ doc: { ...doc(), room: M.roomOf(G.removeOpening(M.shapeOf(doc().room), id)) } });
    }
  }

  /** addOpening puts a new door or window on the first wall with room for it. @param {Opening['kind']} kind */
  function addOpening(kind) {
    const d = doc(), sh = M.shapeOf(d.room);
    let n = 1;
    while (sh.openings.some((o) => o.id === `o${n}`)) n++;
    const width = kind === 'double-door' ? 160 : kind === 'window' ? 120 : 90;
    /** @type {Opening} */
    const o = { id: `o${n}`, kind, wall: 0, offset: 0, width, ...(kind === 'door' ? { hinge: 'start', swing: 'in' } : {}),
      ...(kind === 'double-door' ? { swing: 'in' } : {}), ...(kind === 'window' ? { sill: 90 } : {}) };
    for (let w = 0; w < sh.polygon.length; w++) {
      const len = G.wall(sh.polygon, w).len;
      for (let off = Math.round((len - width) / 2); off >= 0 && off + width <= len; off = off > 0 ? Math.max(0, off - 20) : -1) {
        const r = G.placeOpening(sh, { ...o, wall: w, offset: off });
        if (r.shape) {
          selOpening = o.id;
          apply({ doc: { ...d, room: M.roomOf(r.shape) } });
          return;
        }
        if (off === 0) break;
      }
    }
    say(rt('noWall'));
  }

  // ---- 3D ----

  async function toggle3d() {
    if (showing3d) {
      showing3d = false;
      el.box3d.hidden = true;
      el.walk.hidden = true;
      el.toggle.textContent = rt('view3d');
      el.toggle.setAttribute('aria-pressed', 'false');
      return;
    }
    performance.mark('view3d:toggle');
    if (!view3d) {
      say(rt('loading3d'));
      /** @type {typeof import('../three-d/view3d.js')} */
      let mod;
      try {
        mod = await import('../three-d/view3d.js');
      } catch (err) {
        console.warn('planner: 3D failed to load', err);
        say(rt('failed3d', err instanceof Error ? err.message : String(err)));
        return;
      }
      if (!mod.supported()) { say(rt('no3d')); el.toggle.disabled = true; el.toggle.title = rt('no3d'); return; }
      view3d = mod.createView3D({ onSelect: (id) => select(id), label: rt('canvas') });
      say('');
    }
    showing3d = true;
    el.box3d.hidden = false;
    el.walk.hidden = false;
    if (view3d.element.parentNode !== el.box3d) el.box3d.replaceChildren(view3d.element);
    el.toggle.textContent = rt('view2d');
    el.toggle.setAttribute('aria-pressed', 'true');
    view3d.update(shown ?? doc(), lookup, selectedItem);
  }

  // ---- drawing ----

  /**
   * render draws the handles of d (rooms.js has drawn the room) and fills
   * the fields.
   * @param {Doc} d the shown document (the draft while dragging)
   * @param {string | null} selected
   */
  function render(d, selected) {
    if (!el) return;
    shown = d;
    selectedItem = selected;
    const units = unitsOf();
    const sh = M.shapeOf(d.room);
    const n = sh.polygon.length;
    if (selWall >= n) selWall = -1;
    const hs = [];
    for (let i = 0; i < n; i++) {
      const w = G.wall(sh.polygon, i), T = sh.wallThickness;
      const a = { x: w.a.x - w.normal.x * T / 2, y: w.a.y - w.normal.y * T / 2 }, b = { x: w.b.x - w.normal.x * T / 2, y: w.b.y - w.normal.y * T / 2 };
      hs.push(s('line', { x1: G.r1(a.x), y1: G.r1(a.y), x2: G.r1(b.x), y2: G.r1(b.y), 'stroke-width': String(Math.max(T, 12)), stroke: i === selWall ? 'rgba(37,99,235,.45)' : 'transparent',
        'data-handle': 'wall', 'data-index': String(i), 'data-testid': 'wall-handle' }));
    }
    sh.polygon.forEach((c, i) => hs.push(s('circle', { cx: G.r1(c.x), cy: G.r1(c.y), r: '7', fill: '#fff', stroke: '#2563eb', 'stroke-width': '2',
      'data-handle': 'corner', 'data-index': String(i), 'data-testid': 'corner-handle', 'data-x': String(c.x), 'data-y': String(c.y) })));
    for (const x of hs) x.style.cursor = x.getAttribute('data-handle') === 'corner' ? 'grab' : 'move';
    el.handles.replaceChildren(...hs);
    const act = document.activeElement;
    if (act !== el.thick || forceFields) el.thick.value = formatLength(sh.wallThickness, units);
    el.len.disabled = selWall < 0;
    if (act !== el.len || forceFields) el.len.value = selWall >= 0 ? formatLength(G.wall(sh.polygon, selWall).len, units) : '';
    forceFields = false;
    el.area.textContent = `${rt('area')}: ${formatArea(G.area(sh.polygon), units)}`;
    const so = sh.openings.find((o) => o.id === selOpening);
    el.flip.hidden = !so || (so.kind !== 'door' && so.kind !== 'double-door');
    if (showing3d && view3d) view3d.update(d, lookup, selected);
  }

  return {
    mount,
    render,
    /** unitsChanged follows a change of units made elsewhere (SetUpSettings). */
    unitsChanged() { if (el) el.units.value = unitsOf(); },
    get selectedOpening() { return selOpening; },
    get showing3d() { return showing3d; },
    destroy() { view3d?.destroy(); view3d = null; },
  };
}
