// room-tools.js: the editor's room shape tools, kept apart from the plan and
// the panels: presets, corner and wall handles on the plan, doors and windows
// from an "Architecture" group, wall thickness and length, units, clearance
// warnings, and the "3D" toggle that loads three-d/view3d.js on first use.
// The editor calls mount() after each build of its chrome and render() after
// each render; every change goes through commit (one undo step) or draft
// (while dragging).

import * as M from './model.js';
import * as G from './geometry.js';
import { parseLength, formatLength, formatArea, normUnits } from './units.js';
import { h, s } from '../dom.js';
import { gaps, marks } from './measure.js';

/**
 * @typedef {import('./model.js').Doc} Doc
 * @typedef {import('./geometry.js').Opening} Opening
 * @typedef {import('./units.js').Units} Units
 * @typedef {{kind: 'corner' | 'wall' | 'opening', index: number, id?: string, start: Doc, from: {x: number, y: number}}} Drag
 */

// Its strings live here, beside the tools (English and French, as i18n.js).
const STR = {
  en: { shape: 'Room shape', rectangle: 'Rectangle', L: 'L shape', U: 'U shape', T: 'T shape', ortho: 'Right angles', wall: 'Walls', thick: 'thick',
    length: 'Wall length', arch: 'Architecture', door: 'Door', 'double-door': 'Double door', window: 'Window', opening: 'Opening',
    units: 'Units', metric: 'Metric', imperial: 'Imperial', area: 'Floor area', view3d: '3D', view2d: 'Plan', walk: 'Walk',
    no3d: '3D needs WebGL2, which this browser does not offer.', loading3d: 'Loading 3D…', swing: '%s is in the swing of a door',
    passage: '%s leaves too little room to pass a door', blocksWindow: '%s stands in front of a window', refused: 'Not changed: %s.', flip: 'Flip door', noWall: 'No wall has room for it.',
    canvas: 'Room in 3D' },
  fr: { shape: 'Forme de la pièce', rectangle: 'Rectangle', L: 'En L', U: 'En U', T: 'En T', ortho: 'Angles droits', wall: 'Murs', thick: 'd’épaisseur',
    length: 'Longueur du mur', arch: 'Architecture', door: 'Porte', 'double-door': 'Porte double', window: 'Fenêtre', opening: 'Ouverture',
    units: 'Unités', metric: 'Métrique', imperial: 'Impérial', area: 'Surface', view3d: '3D', view2d: 'Plan', walk: 'Marcher',
    no3d: 'La 3D demande WebGL2, que ce navigateur n’offre pas.', loading3d: 'Chargement de la 3D…', swing: '%s est dans le débattement d’une porte',
    passage: '%s laisse trop peu de passage devant une porte', blocksWindow: '%s est devant une fenêtre', refused: 'Non modifié : %s.', flip: 'Inverser la porte', noWall: 'Aucun mur n’a la place.',
    canvas: 'Pièce en 3D' },
};

/**
 * createRoomTools wires the room tools into the editor.
 * @param {object} o
 * @param {() => string} o.locale
 * @param {() => Doc} o.doc the committed document
 * @param {(doc: Doc | null) => void} o.draft shows doc while dragging (null: back to the committed one)
 * @param {(doc: Doc) => void} o.commit
 * @param {(id: string | null) => void} o.select
 * @param {(id: string) => import('../api.js').Product | null} o.lookup
 * @param {{toCm(x: number, y: number): DOMPoint | {x: number, y: number} | null, readonly svg: SVGSVGElement}} o.plan
 * @param {Units} [o.units]
 */
export function createRoomTools({ locale, doc, draft, commit, select, lookup, plan, units: u0 = 'metric' }) {
  /** @param {keyof typeof STR.en} k @param {string} [a] */
  const rt = (k, a = '') => ((/** @type {any} */ (STR)[locale()] ?? STR.en)[k] ?? STR.en[k]).replace('%s', a);
  /** @type {Units} */
  let units = normUnits(u0);
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
   * mount adds the tools to a freshly built chrome: a toolbar under the
   * editor's, the plan layer, and the 3D container.
   * @param {{plan: HTMLElement, warnings: HTMLElement, root: HTMLElement}} chrome
   */
  function mount(chrome) {
    const b = (/** @type {string} */ id, /** @type {string} */ text) => h('button', { type: 'button', class: 'button secondary', 'data-testid': id }, text);
    el = {
      chrome,
      preset: h('select', { 'data-testid': 'room-preset', 'aria-label': rt('shape') },
        h('option', { value: '' }, rt('shape')), ...['rectangle', 'L', 'U', 'T'].map((k) => h('option', { value: k }, rt(/** @type {any} */ (k))))),
      ortho: h('input', { type: 'checkbox', 'data-testid': 'room-ortho', checked: ortho }),
      thick: h('input', { type: 'text', 'data-testid': 'wall-thickness', size: '6', inputmode: 'decimal', 'aria-label': `${rt('wall')} ${rt('thick')}` }),
      len: h('input', { type: 'text', 'data-testid': 'wall-length', size: '8', inputmode: 'decimal', 'aria-label': rt('length'), disabled: true }),
      units: h('select', { 'data-testid': 'units', 'aria-label': rt('units') }, h('option', { value: 'metric' }, rt('metric')), h('option', { value: 'imperial' }, rt('imperial'))),
      area: h('span', { class: 'ed-note', 'data-testid': 'floor-area' }),
      note: h('span', { class: 'ed-note', 'data-testid': 'room-note', role: 'status' }),
      toggle: b('toggle-3d', rt('view3d')),
      walk: b('walk-3d', rt('walk')),
      flip: b('door-flip', rt('flip')),
      layer: s('g', { class: 'ed-room2', 'data-testid': 'room-shape' }),
      handles: s('g', { class: 'ed-handles' }),
      gaps: s('g', { class: 'ed-gaps' }),
      box3d: h('div', { class: 'ed-3dbox', 'data-testid': 'view3d-box', hidden: true }),
    };
    el.walk.hidden = true;
    el.flip.hidden = true;
    el.units.value = units;
    const arch = ['door', 'double-door', 'window', 'opening'].map((k) => {
      const btn = b(`add-${k}`, rt(/** @type {any} */ (k)));
      btn.addEventListener('click', () => addOpening(/** @type {Opening['kind']} */ (k)));
      return btn;
    });
    const bar = h('div', { class: 'ed-tools ed-roomtools', role: 'toolbar', 'data-testid': 'room-tools' },
      h('span', { class: 'ed-group' }, el.preset, h('label', {}, el.ortho, ' ', rt('ortho'))),
      h('span', { class: 'ed-group' }, h('label', {}, rt('wall'), ' ', el.thick), h('label', {}, rt('length'), ' ', el.len)),
      h('span', { class: 'ed-group', 'data-testid': 'architecture', role: 'group', 'aria-label': rt('arch') }, h('strong', {}, rt('arch')), ...arch, el.flip),
      h('span', { class: 'ed-group' }, el.units, el.area),
      h('span', { class: 'ed-group' }, el.toggle, el.walk),
      el.note);
    // Compact, so the whole plan still fits the pane on a desktop.
    Object.assign(bar.style, { fontSize: '0.82rem', rowGap: '4px', marginTop: '-2px' });
    for (const c of bar.querySelectorAll('button, select, input[type=text]')) Object.assign(/** @type {HTMLElement} */ (c).style, { paddingTop: '2px', paddingBottom: '2px', minHeight: '0' });
    chrome.plan.before(bar);
    // CSSOM, not style attributes: the planner's CSP refuses inline styles.
    chrome.plan.style.position = 'relative';
    Object.assign(el.box3d.style, { position: 'absolute', inset: '0', background: '#d9e0ea' });
    chrome.plan.append(el.box3d);
    const svg = plan.svg;
    // Our outline replaces the plan's rectangle: items stay above, handles on top.
    svg.querySelector('.ed-items')?.before(el.layer);
    svg.append(el.handles, el.gaps);
    for (const r of svg.querySelectorAll('.ed-floor, .ed-walls')) r.setAttribute('opacity', '0');
    wire();
    if (showing3d) { showing3d = false; toggle3d(); }
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
    el.units.addEventListener('change', () => { units = normUnits(el.units.value); render(shown ?? doc(), null); });
    el.thick.addEventListener('change', () => {
      forceFields = true;
      const v = parseLength(el.thick.value, units);
      if (v === null) { say(rt('refused', el.thick.value)); return render(doc(), null); }
      apply(M.editRoomAt(doc(), (sh) => G.setThickness(sh, v)));
    });
    el.len.addEventListener('change', () => {
      forceFields = true;
      const v = parseLength(el.len.value, units);
      if (v === null || selWall < 0) { render(doc(), null); return; }
      apply(M.editRoomAt(doc(), (sh) => G.setWallLength(sh, selWall, v)));
    });
    el.flip.addEventListener('click', () => {
      const sh = M.shapeOf(doc().room), o = sh.openings.find((q) => q.id === selOpening);
      if (!o || (o.kind !== 'door' && o.kind !== 'double-door')) return;
      // in/start → in/end → out/start → out/end → in/start
      const next = o.kind === 'door' ? (o.hinge === 'start' ? { hinge: 'end', swing: o.swing } : { hinge: 'start', swing: o.swing === 'in' ? 'out' : 'in' }) : { swing: o.swing === 'in' ? 'out' : 'in' };
      apply(M.editRoomAt(doc(), (x) => G.placeOpening(x, /** @type {Opening} */ ({ ...o, ...next }))));
    });
    el.toggle.addEventListener('click', toggle3d);
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

  /** @param {string} text */
  function say(text) { el.note.textContent = text; }

  /** @param {{doc: Doc, error?: string}} r */
  function apply(r) {
    if (r.error) { say(rt('refused', r.error)); render(doc(), null); return false; }
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
      else render(doc(), null);
    };
    window.addEventListener('pointermove', move, true);
    window.addEventListener('pointerup', up, true);
    render(doc(), null);
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
      const mod = await import('../three-d/view3d.js');
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
   * render draws the outline, openings and handles of doc and lists its
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
    const n = sh.polygon.length;
    if (selWall >= n) selWall = -1;
    const path = (/** @type {G.Pt[]} */ p) => `M${p.map((c) => `${G.r1(c.x)} ${G.r1(c.y)}`).join('L')}Z`;
    const outer = G.outerOutline(sh.polygon, sh.wallThickness);
    /** @type {SVGElement[]} */
    const parts = [
      s('path', { class: 'ed-floor2', d: path(sh.polygon), fill: '#f4efe6', 'data-testid': 'room-floor' }),
      s('path', { class: 'ed-wall2', d: path(outer) + path([...sh.polygon].reverse()), fill: '#3b4148', 'fill-rule': 'evenodd', 'data-testid': 'room-walls' }),
    ];
    const labels = [];
    for (let i = 0; i < n; i++) {
      const w = G.wall(sh.polygon, i), m = { x: (w.a.x + w.b.x) / 2 - w.normal.x * (sh.wallThickness + 14), y: (w.a.y + w.b.y) / 2 - w.normal.y * (sh.wallThickness + 14) };
      const t = s('text', { x: G.r1(m.x), y: G.r1(m.y), 'font-size': '12', 'text-anchor': 'middle', 'dominant-baseline': 'central', class: 'ed-wlen', 'data-testid': 'wall-label', 'data-index': String(i) });
      t.textContent = formatLength(w.len, units);
      labels.push(t);
    }
    for (const o of sh.openings) parts.push(openingMark(sh, o));
    el.layer.replaceChildren(...parts, ...labels);
    el.gaps.replaceChildren();
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
    if (pr) {
      for (const n of plan.svg.querySelectorAll('.ed-it.blocking')) n.classList.remove('blocking');
      listClearance(d, pr);
    }
    if (showing3d && view3d) view3d.update(d, lookup, selected);
  }

  /** @param {G.Shape} sh @param {Opening} o */
  function openingMark(sh, o) {
    const { start, end, dir, normal } = G.openingFrame(sh, o), T = sh.wallThickness;
    const out = (/** @type {G.Pt} */ p, /** @type {number} */ k) => ({ x: p.x - normal.x * k, y: p.y - normal.y * k });
    const pts = (/** @type {G.Pt[]} */ p) => p.map((c) => `${G.r1(c.x)},${G.r1(c.y)}`).join(' ');
    const g = s('g', { class: 'ed-opening' + (o.id === selOpening ? ' sel' : ''), 'data-testid': 'opening', 'data-opening-id': o.id, 'data-kind': o.kind,
      'data-wall': String(o.wall), 'data-offset': String(o.offset), 'data-handle': 'opening', 'data-index': String(o.wall) });
    g.append(s('polygon', { points: pts([out(start, -1), out(end, -1), out(end, T + 1), out(start, T + 1)]), fill: o.id === selOpening ? '#dbeafe' : '#fff', stroke: 'none' }));
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
    void dir;
    return g;
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
    /** setUnits follows SetUpSettings {units}. @param {unknown} u */
    setUnits(u) { units = normUnits(u); if (el) { el.units.value = units; render(shown ?? doc(), null); } },
    get units() { return units; },
    /** dragged shows item id's distances to the walls in d, a drag's draft (measure.js). @param {Doc} d @param {string} id */
    dragged(d, id) {
      const it = el && d.items.find((i) => i.id === id);
      if (it) el.gaps.replaceChildren(...marks(gaps(M.shapeOf(d.room).polygon, M.rect(it, lookup)), units));
    },
    get showing3d() { return showing3d; },
    destroy() { view3d?.destroy(); view3d = null; },
  };
}
