// view3d.js: the planner's 3D view, loaded with import() only when a visitor
// opens it. A view of the editor's model, never a second model: update()
// rebuilds the meshes from the Doc the plan shows. Orbit (drag), pan (right
// or shift drag, two fingers), zoom (wheel, pinch, + and -), keys (arrows,
// WASD), an eye-level walk view, and a click that picks an item.

import * as V from './mat.js';
import { buildScene, WALL_HEIGHT, FLOATS } from './mesh.js';
import { createRenderer } from './gl.js';
import { pointInPolygon, nearestWall } from '../editor/geometry.js';

/**
 * @typedef {import('../editor/model.js').Doc} Doc
 * @typedef {(id: string) => (import('../api.js').Product | null | undefined)} Lookup
 * @typedef {'orbit' | 'walk'} Mode
 */

const FOVY = (50 * Math.PI) / 180;
const EYE = 160; // cm: eye height when walking
const CLICK_SLOP = 5; // px a press may move and still be a click

/**
 * walkStart is a floor point at least 40 cm from every wall, as near the
 * plan's bottom middle as such a point is (an L's middle may be outside it).
 * @param {{x: number, y: number}[]} p @param {{x0: number, z0: number, x1: number, z1: number}} b
 */
export function walkStart(p, b) {
  let best = { x: (b.x0 + b.x1) / 2, y: (b.z0 + b.z1) / 2 }, score = -Infinity;
  for (let i = 0; i <= 20; i++) {
    for (let j = 0; j <= 20; j++) {
      const q = { x: b.x0 + ((b.x1 - b.x0) * i) / 20, y: b.z0 + ((b.z1 - b.z0) * j) / 20 };
      if (!pointInPolygon(p, q) || nearestWall(p, q).dist < 40) continue;
      const sc = q.y - Math.abs(q.x - (b.x0 + b.x1) / 2) * 0.5;
      if (sc > score) { score = sc; best = q; }
    }
  }
  return best;
}

/**
 * pickItem is the item a ray meets first, or null when it meets none, or a
 * wall before any (depth-correct: a click on a wall never selects what
 * stands behind it; through a door or window hole it does). picks are the
 * items' boxes; walls the vertex ranges of data (triangles, FLOATS a
 * vertex) drawn now: walls cut away in the orbit view hide nothing.
 * @param {{origin: V.Vec3, dir: V.Vec3}} ray
 * @param {Array<{id: string, min: V.Vec3, max: V.Vec3}>} picks
 * @param {Float32Array} data
 * @param {Array<{first: number, count: number}>} walls
 * @returns {string | null}
 */
export function pickItem(ray, picks, data, walls) {
  let best = null, bestT = Infinity;
  for (const p of picks) {
    const t = V.rayBox(ray, p.min, p.max);
    if (t < bestT) { bestT = t; best = p.id; }
  }
  if (best === null) return null;
  const at = (/** @type {number} */ v) => data.subarray(v * FLOATS, v * FLOATS + 3);
  for (const w of walls) {
    for (let v = w.first; v + 2 < w.first + w.count; v += 3) {
      if (V.rayTriangle(ray, at(v), at(v + 1), at(v + 2)) < bestT) return null;
    }
  }
  return best;
}

/**
 * supported says whether this browser can draw the 3D view (WebGL2).
 * @param {Document} [doc]
 */
export function supported(doc = document) {
  try {
    return Boolean(doc.createElement('canvas').getContext('webgl2'));
  } catch {
    return false;
  }
}

/**
 * createView3D makes the view's canvas; put `element` on the page, then call
 * update() with each document shown.
 * @param {object} o
 * @param {(id: string | null) => void} o.onSelect a click picked an item (null: none)
 * @param {string} o.label accessible name of the canvas
 * @param {() => number} [o.now] for the first-frame mark
 */
export function createView3D({ onSelect, label, now = () => performance.now() }) {
  const canvas = document.createElement('canvas');
  canvas.className = 'ed-3d';
  canvas.tabIndex = 0;
  canvas.dataset.testid = 'view3d';
  canvas.setAttribute('role', 'application');
  canvas.setAttribute('aria-label', label);
  canvas.style.cssText = 'width:100%;height:100%;display:block;touch-action:none;outline-offset:-3px';
  const gl = canvas.getContext('webgl2', { antialias: true, preserveDrawingBuffer: true });
  if (!gl) throw new Error('WebGL2 is not available');
  const r = createRenderer(gl);

  /** @type {ReturnType<typeof buildScene> | null} */
  let scene = null;
  /** @type {V.Orbit} */
  let orbit = { target: [200, 80, 150], yaw: 0.5, pitch: 0.8, dist: 900 };
  /** @type {V.Walk} */
  let walk = { pos: [200, EYE, 150], yaw: 0, pitch: 0 };
  /** @type {Mode} */
  let mode = 'orbit';
  let roomKey = '';
  let pending = 0;
  let frames = 0;
  let viewProj = V.identity();
  let bounds = { x0: 0, z0: 0, x1: 400, z1: 300, h: WALL_HEIGHT };
  /** @type {{x: number, y: number}} where a walk starts: on the floor, near the plan's bottom */
  let walkFrom = { x: 200, y: 260 };
  /** @type {number[]} the walls the last frame drew, by index (what a click can hit: what the visitor sees) */
  let shownWalls = [];

  function size() {
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr)), h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  }

  function frame() {
    pending = 0;
    if (!scene) return;
    size();
    const aspect = canvas.width / canvas.height;
    const far = Math.max(5000, orbit.dist * 4);
    const eye = mode === 'orbit' ? V.orbitEye(orbit) : walk.pos;
    const target = mode === 'orbit' ? orbit.target : V.walkTarget(walk);
    viewProj = V.multiply(V.perspective(FOVY, aspect, mode === 'walk' ? 5 : 10, far), V.lookAt(eye, target));
    // Orbiting, the walls between the eye and the room are cut away (a
    // dollhouse view); walking, every wall stands.
    const data = scene.data;
    const walls = scene.walls.filter((w) => {
      if (mode === 'walk' || orbit.pitch > 1.45) return true;
      const on = w.first * 9; // a vertex on the wall's inner face
      return (eye[0] - data[on]) * w.out.x + (eye[2] - data[on + 2]) * w.out.y < 0;
    });
    shownWalls = walls.map((w) => scene?.walls.indexOf(w) ?? -1);
    r.draw(viewProj, [scene.floor, ...walls, scene.items], far);
    frames++;
    canvas.dataset.frames = String(frames);
    canvas.dataset.walls = String(walls.length);
    if (frames === 1) performance.mark('view3d:first-frame', { startTime: now() });
  }

  function redraw() {
    if (!pending) pending = requestAnimationFrame(frame);
  }

  /**
   * update shows doc; the camera frames the room when its outline changed.
   * @param {Doc} doc @param {Lookup} lookup @param {string | null} selected
   */
  function update(doc, lookup, selected) {
    scene = buildScene(doc, lookup, selected);
    r.upload(scene.data);
    const key = JSON.stringify(doc.room.polygon ?? [doc.room.width, doc.room.depth]);
    if (key !== roomKey) {
      const first = roomKey === '';
      roomKey = key;
      const p = doc.room.polygon ?? [{ x: 0, y: 0 }, { x: doc.room.width, y: doc.room.depth }];
      bounds = { x0: Math.min(...p.map((c) => c.x)), z0: Math.min(...p.map((c) => c.y)), x1: Math.max(...p.map((c) => c.x)), z1: Math.max(...p.map((c) => c.y)), h: WALL_HEIGHT };
      walkFrom = walkStart(p, bounds);
      if (first) fit();
    }
    redraw();
  }

  function fit() {
    orbit = V.fitOrbit(bounds, FOVY * Math.min(1, (canvas.clientWidth || 4) / (canvas.clientHeight || 3)));
    walk = { pos: [walkFrom.x, EYE, walkFrom.y], yaw: 0, pitch: -0.1 };
    redraw();
  }

  /** @param {number} dyaw @param {number} dpitch */
  function turn(dyaw, dpitch) {
    if (mode === 'orbit') orbit = { ...orbit, yaw: orbit.yaw + dyaw, pitch: Math.min(V.MAX_PITCH, Math.max(V.MIN_PITCH, orbit.pitch + dpitch)) };
    else walk = { ...walk, yaw: walk.yaw + dyaw, pitch: Math.min(1.2, Math.max(-1.2, walk.pitch - dpitch)) };
    redraw();
  }

  /** @param {number} f */
  function zoom(f) {
    orbit = { ...orbit, dist: Math.min(20000, Math.max(100, orbit.dist * f)) };
    redraw();
  }

  /** step walks forward/right by cm, or pans the orbit. @param {number} fwd @param {number} right */
  function step(fwd, right) {
    if (mode === 'walk') {
      const s = Math.sin(walk.yaw), c = Math.cos(walk.yaw);
      walk = { ...walk, pos: [walk.pos[0] - s * fwd + c * right, EYE, walk.pos[2] - c * fwd - s * right] };
    } else orbit = V.pan(orbit, -right * 4, fwd * 4, canvas.clientHeight || 300, FOVY);
    redraw();
  }

  /** pick returns the item under a client point, or null. @param {number} x @param {number} y */
  function pick(x, y) {
    if (!scene) return null;
    const b = canvas.getBoundingClientRect();
    const ray = V.ray(viewProj, ((x - b.left) / b.width) * 2 - 1, 1 - ((y - b.top) / b.height) * 2);
    const walls = scene.walls.filter((_, i) => shownWalls.includes(i));
    return ray ? pickItem(ray, scene.picks, scene.data, walls) : null;
  }

  // ---- input ----

  /** @type {Map<number, {x: number, y: number}>} */
  const pointers = new Map();
  let press = { x: 0, y: 0, moved: false, button: 0, shift: false };
  let pinch = 0;

  canvas.addEventListener('pointerdown', (e) => {
    canvas.focus();
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 1) press = { x: e.clientX, y: e.clientY, moved: false, button: e.button, shift: e.shiftKey };
    if (pointers.size === 2) { press.moved = true; pinch = spread(); }
  });
  canvas.addEventListener('pointermove', (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) return;
    const dx = e.clientX - last.x, dy = e.clientY - last.y;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (Math.hypot(e.clientX - press.x, e.clientY - press.y) > CLICK_SLOP) press.moved = true;
    if (!press.moved) return;
    if (pointers.size === 2) {
      const s = spread();
      if (pinch && s) zoom(pinch / s);
      pinch = s;
      if (mode === 'orbit') { orbit = V.pan(orbit, dx / 2, dy / 2, canvas.clientHeight, FOVY); redraw(); }
      return;
    }
    if (mode === 'orbit' && (press.button !== 0 || press.shift)) { orbit = V.pan(orbit, dx, dy, canvas.clientHeight, FOVY); redraw(); }
    else turn(-dx * 0.008, dy * 0.008);
  });
  const end = (/** @type {PointerEvent} */ e) => {
    if (!pointers.delete(e.pointerId)) return;
    if (e.type === 'pointerup' && pointers.size === 0 && !press.moved && press.button === 0) onSelect(pick(e.clientX, e.clientY));
    if (pointers.size < 2) pinch = 0;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('wheel', (e) => { e.preventDefault(); zoom(Math.exp(e.deltaY * 0.0015)); }, { passive: false });
  canvas.addEventListener('keydown', (e) => {
    const k = e.key, s = e.shiftKey ? 4 : 1;
    const act = /** @type {Record<string, () => void>} */ ({
      ArrowLeft: () => (mode === 'walk' ? turn(0.08 * s, 0) : turn(-0.08 * s, 0)),
      ArrowRight: () => (mode === 'walk' ? turn(-0.08 * s, 0) : turn(0.08 * s, 0)),
      ArrowUp: () => (mode === 'walk' ? step(20 * s, 0) : turn(0, 0.06 * s)),
      ArrowDown: () => (mode === 'walk' ? step(-20 * s, 0) : turn(0, -0.06 * s)),
      w: () => step(20 * s, 0), s: () => step(-20 * s, 0), a: () => step(0, -20 * s), d: () => step(0, 20 * s),
      '+': () => zoom(0.85), '=': () => zoom(0.85), '-': () => zoom(1 / 0.85), Home: fit,
    })[k.length === 1 ? k.toLowerCase() : k];
    if (!act || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    e.stopPropagation(); // not the plan's keys
    act();
  });
  const ro = new ResizeObserver(() => redraw());
  ro.observe(canvas);

  function spread() {
    const [a, b] = [...pointers.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  }

  const api = {
    element: canvas,
    update,
    fit,
    /** setMode switches between the orbit and the eye-level walk. @param {Mode} m */
    setMode(m) {
      mode = m;
      canvas.dataset.mode = m;
      redraw();
    },
    get mode() { return mode; },
    /** orbitBy turns the orbit camera (for keyboardless scripts and tests). @param {number} dyaw */
    orbitBy(dyaw) { turn(dyaw, 0); },
    /** drawNow draws a queued frame at once (for the performance script). */
    drawNow() {
      if (!pending) return;
      cancelAnimationFrame(pending);
      frame();
    },
    /** project is where a world point (cm) is on the canvas, in CSS pixels. @param {[number, number, number]} p */
    project(p) {
      const q = V.transformPoint(viewProj, p);
      return { x: ((q[0] + 1) / 2) * canvas.clientWidth, y: ((1 - q[1]) / 2) * canvas.clientHeight };
    },
    pick,
    destroy() {
      ro.disconnect();
      if (pending) cancelAnimationFrame(pending);
      r.destroy();
      canvas.remove();
    },
  };
  // Scripts and browser tests reach the view through its canvas.
  Object.defineProperty(canvas, 'view3d', { value: api });
  return api;
}
