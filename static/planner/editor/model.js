// model.js: the editor's state as plain data and pure functions, free of the DOM.
// A Doc is the project document the API validates (web/project.go); changes
// return a new Doc and never mutate, so the undo stack is a list of Docs.
// In the browser a room is always version 2 (a polygon with walls and
// openings, geometry.js); a version 1 rectangle is upgraded as it is loaded
// and therefore saved as version 2 next time.

import * as G from './geometry.js';
import { apart, heights, isWallMounted, onWall, windowProblems } from './mount.js';

/**
 * @typedef {import('../api.js').Item} Item
 * @typedef {import('../api.js').Room} Room
 * @typedef {import('../api.js').ProjectDoc} Doc
 * @typedef {0 | 90 | 180 | 270} Rotation
 * @typedef {{width: number, depth: number, height?: number, name?: string, price?: number, currency?: string, color?: string,
 *   mount?: 'wall', mountHeight?: number}} Dims
 * @typedef {(productId: string) => Dims | null | undefined} Lookup a falsy answer: unknown product
 * @typedef {{x0: number, y0: number, x1: number, y1: number}} Rect cm
 * @typedef {{w: number, d: number}} Size cm along x and y
 * @typedef {{productId: string, name: string, quantity: number, unitPrice: number, total: number, currency: string}} Line
 * @typedef {{past: Doc[], present: Doc, future: Doc[]}} History
 * @typedef {import('./geometry.js').Shape} Shape
 * @typedef {import('./geometry.js').Opening} Opening
 */

export const ROOM_MIN = 50;
export const ROOM_MAX = 5000;
export const MAX_ITEMS = 500;
export const MAX_NAME = 120; // web/project.go MaxProjectName: one limit for every name field
export const GRID = 5; // cm: moves snap to it
export const WALL_SNAP = 10; // cm: an edge this close to a wall goes flush
export const MAX_COORD = 2 * ROOM_MAX; // the API's bound on x and y
export const UNKNOWN_SIZE = 50; // cm: footprint of a product gone from the catalog
export const HISTORY_LIMIT = 200;
const EPS = 0.01;

/** @param {number} v @param {number} lo @param {number} hi */
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
/** @param {number} v */
const r2 = (v) => Math.round(v * 100) / 100;
/** @param {number} v */
const coord = (v) => clamp(r2(v), -MAX_COORD, MAX_COORD);

export const WALL_THICKNESS = 10; // cm, of a new or upgraded room

/**
 * rectRoom is the version 2 form of a w × d rectangle: corners from (0, 0)
 * clockwise, no openings. @param {number} w @param {number} d @returns {Room}
 */
export const rectRoom = (w, d) => ({ width: w, depth: d, polygon: G.preset('rectangle', w, d), wallThickness: WALL_THICKNESS, openings: [] });

/** newDoc is an empty 400 × 300 cm room. @param {string} [name] @returns {Doc} */
export const newDoc = (name = '') => ({ name, room: rectRoom(400, 300), items: [] });

/**
 * shapeOf is the room's polygon, walls and openings (a version 1 room's
 * rectangle). @param {Room} room @returns {Shape}
 */
export function shapeOf(room) {
  if (room.polygon) return { polygon: room.polygon, wallThickness: room.wallThickness ?? WALL_THICKNESS, openings: room.openings ?? [] };
  return { polygon: G.preset('rectangle', room.width, room.depth), wallThickness: WALL_THICKNESS, openings: [] };
}

/** roomOf is the Room of a shape, width and depth its bounding box. @param {Shape} sh @returns {Room} */
export function roomOf(sh) {
  const b = G.bounds(sh.polygon);
  return { width: Math.round(b.x1 - b.x0), depth: Math.round(b.y1 - b.y0), polygon: sh.polygon, wallThickness: sh.wallThickness, openings: sh.openings };
}

/**
 * upgradeRoom reads an API room, version 1 or 2, as version 2: anything the
 * API would refuse falls back to the rectangle of its width and depth.
 * @param {any} room @returns {Room}
 */
export function upgradeRoom(room) {
  const size = (/** @type {unknown} */ v, /** @type {number} */ d) => (Number.isFinite(Number(v)) ? clamp(Math.round(Number(v)), ROOM_MIN, ROOM_MAX) : d);
  const rect = rectRoom(size(room?.width, 400), size(room?.depth, 300));
  if (!Array.isArray(room?.polygon)) return rect;
  const polygon = room.polygon.map((/** @type {any} */ c) => ({ x: Number(c?.x), y: Number(c?.y) }));
  const openings = (Array.isArray(room.openings) ? room.openings : []).map((/** @type {any} */ o) => {
    /** @type {Opening} */
    const out = { id: String(o?.id), kind: o?.kind, wall: Number(o?.wall), offset: Number(o?.offset), width: Number(o?.width) };
    if (o?.hinge) out.hinge = o.hinge;
    if (o?.swing) out.swing = o.swing;
    if (o?.sill) out.sill = Number(o.sill);
    if (o?.height) out.height = Number(o.height);
    return out;
  });
  const sh = { polygon, wallThickness: Number(room.wallThickness), openings };
  return G.validateShape(sh) ? rect : roomOf(sh);
}

/**
 * normalizeOrigin moves a polygon room and its items so the room's bounding
 * box starts at (0, 0), as the plan and version 1 readers expect.
 * @param {Doc} doc @returns {Doc}
 */
export function normalizeOrigin(doc) {
  const p = doc.room.polygon;
  if (!p) return doc;
  const b = G.bounds(p);
  if (b.x0 === 0 && b.y0 === 0) return doc;
  return {
    ...doc,
    room: { ...doc.room, polygon: p.map((c) => ({ x: G.r1(c.x - b.x0), y: G.r1(c.y - b.y0) })) },
    items: doc.items.map((it) => ({ ...it, x: coord(it.x - b.x0), y: coord(it.y - b.y0) })),
  };
}

/**
 * editRoom applies a geometry.js edit to the room: the new Doc, or the
 * unchanged one with the reason the edit was refused.
 * @param {Doc} doc @param {(sh: Shape) => import('./geometry.js').Edit} fn
 * @returns {{doc: Doc, error?: string}}
 */
export function editRoom(doc, fn) {
  const r = fn(shapeOf(doc.room));
  if (!r.shape) return { doc, error: r.error };
  return { doc: { ...doc, room: roomOf(r.shape) } };
}

/** editRoomAt is editRoom with the room moved back to (0, 0) after. @param {Doc} doc @param {(sh: Shape) => import('./geometry.js').Edit} fn */
export function editRoomAt(doc, fn) {
  const r = editRoom(doc, fn);
  return r.error ? r : { doc: normalizeOrigin(r.doc) };
}

/** @param {unknown} r @returns {Rotation} */
export function normRotation(r) {
  const n = ((Math.round(Number(r) / 90) * 90) % 360 + 360) % 360;
  return /** @type {Rotation} */ (Number.isFinite(n) ? n : 0);
}

/**
 * fromProject makes a Doc of an API project, dropping what the API would refuse
 * rather than failing the whole plan.
 * @param {any} p
 * @returns {Doc}
 */
export function fromProject(p) {
  /** @type {Item[]} */
  const items = [];
  const seen = new Set();
  for (const it of Array.isArray(p?.items) ? p.items : []) {
    const x = Number(it?.x), y = Number(it?.y);
    if (typeof it?.id !== 'string' || typeof it.productId !== 'string' || seen.has(it.id) || !Number.isFinite(x + y)) continue;
    seen.add(it.id);
    items.push({ id: it.id, productId: it.productId, x: coord(x), y: coord(y), rotation: normRotation(it.rotation) });
    if (items.length === MAX_ITEMS) break;
  }
  return { name: typeof p?.name === 'string' ? p.name.slice(0, MAX_NAME) : '', room: upgradeRoom(p?.room), items };
}

/**
 * toProjectDoc is exactly the body POST/PUT /v1/projects validate.
 * @param {Doc} doc @param {string} fallbackName for a blank name
 * @returns {Doc}
 */
export function toProjectDoc(doc, fallbackName) {
  return {
    name: (doc.name.trim() || fallbackName).slice(0, MAX_NAME),
    room: apiRoom(doc.room),
    items: doc.items.map((it) => ({ id: it.id, productId: it.productId, x: r2(it.x), y: r2(it.y), rotation: it.rotation })),
  };
}

/** apiRoom is the room as POST/PUT send it: version 2. @param {Room} room @returns {Room} */
function apiRoom(room) {
  const sh = shapeOf(room);
  return {
    width: room.width, depth: room.depth,
    polygon: sh.polygon.map((c) => ({ x: c.x, y: c.y })),
    wallThickness: sh.wallThickness,
    openings: sh.openings.map((o) => ({ ...o })),
  };
}

/** size is an item's footprint with its rotation applied. @param {Item} it @param {Lookup} lookup @returns {Size} */
export function size(it, lookup) {
  const p = lookup(it.productId);
  const w = p ? p.width : UNKNOWN_SIZE, d = p ? p.depth : UNKNOWN_SIZE;
  return it.rotation % 180 ? { w: d, d: w } : { w, d };
}

/** @param {number} x @param {number} y @param {Size} s @returns {Rect} */
const box = (x, y, s) => ({ x0: x - s.w / 2, y0: y - s.d / 2, x1: x + s.w / 2, y1: y + s.d / 2 });

/** rect is an item's footprint on the floor. @param {Item} it @param {Lookup} lookup @returns {Rect} */
export const rect = (it, lookup) => box(it.x, it.y, size(it, lookup));

/** @param {Rect} a @param {Rect} b */
export const overlaps = (a, b) => a.x0 < b.x1 - EPS && b.x0 < a.x1 - EPS && a.y0 < b.y1 - EPS && b.y0 < a.y1 - EPS;

/** @param {Rect} r @param {Room} room */
const inside = (r, room) => (room.polygon ? insidePolygon(r, room.polygon)
  : r.x0 >= -EPS && r.y0 >= -EPS && r.x1 <= room.width + EPS && r.y1 <= room.depth + EPS);

/**
 * insidePolygon: is the footprint wholly on the floor? Its corners are, no
 * corner of the room is strictly within it, and no wall cuts across it.
 * @param {Rect} r @param {import('./geometry.js').Pt[]} p
 */
function insidePolygon(r, p) {
  const c = [{ x: r.x0, y: r.y0 }, { x: r.x1, y: r.y0 }, { x: r.x1, y: r.y1 }, { x: r.x0, y: r.y1 }];
  if (!c.every((q) => G.pointInPolygon(p, q))) return false;
  if (p.some((q) => q.x > r.x0 + EPS && q.x < r.x1 - EPS && q.y > r.y0 + EPS && q.y < r.y1 - EPS)) return false;
  const inner = { x0: r.x0 + EPS, y0: r.y0 + EPS, x1: r.x1 - EPS, y1: r.y1 - EPS };
  for (let i = 0; i < p.length; i++) {
    const a = p[i], b = p[(i + 1) % p.length];
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    if (mid.x > inner.x0 && mid.x < inner.x1 && mid.y > inner.y0 && mid.y < inner.y1) return false;
    const ic = [{ x: inner.x0, y: inner.y0 }, { x: inner.x1, y: inner.y0 }, { x: inner.x1, y: inner.y1 }, { x: inner.x0, y: inner.y1 }];
    for (let k = 0; k < 4; k++) if (G.segmentsTouch(a, b, ic[k], ic[(k + 1) % 4])) return false;
  }
  return true;
}

/**
 * problems finds overlapping items, items not wholly inside the room and items
 * of unknown products; sort and sweep, O(n log n + overlaps). clearance
 * lists items in a door's swing or in the passage (cm) in front of it.
 * @param {Doc} doc @param {Lookup} lookup @param {number} [passage]
 */
export function problems(doc, lookup, passage = G.PASSAGE) {
  const rs = doc.items.map((it) => ({ id: it.id, r: rect(it, lookup) }));
  /** @type {Set<string>} */
  const outside = new Set(), unknown = new Set(), overlapping = new Set();
  doc.items.forEach((it, i) => {
    if (!inside(rs[i].r, doc.room)) outside.add(it.id);
    if (!lookup(it.productId)) unknown.add(it.id);
  });
  const z = new Map(doc.items.map((it) => [it.id, heights(lookup(it.productId))]));
  rs.sort((a, b) => a.r.x0 - b.r.x0);
  /** @type {Array<[string, string]>} */
  const pairs = [];
  for (let i = 0; i < rs.length; i++) {
    const a = rs[i];
    for (let j = i + 1; j < rs.length && rs[j].r.x0 < a.r.x1 - EPS; j++) {
      // One above the other (a wall cabinet over a base cabinet) is no overlap.
      if (overlaps(a.r, rs[j].r) && !apart(/** @type {[number, number]} */ (z.get(a.id)), /** @type {[number, number]} */ (z.get(rs[j].id)))) {
        pairs.push([a.id, rs[j].id]);
        overlapping.add(a.id).add(rs[j].id);
      }
    }
  }
  const sh = doc.room.polygon ? shapeOf(doc.room) : null;
  /** @type {Array<{itemId: string, openingId: string, kind: 'swing' | 'passage' | 'window'}>} */
  const clearance = sh ? G.clearanceProblems(sh, doc.items.map((it) => ({ id: it.id, ...rect(it, lookup) })), passage) : [];
  if (sh) {
    clearance.push(...windowProblems(sh, doc.items.map((it) => {
      const [z0, z1] = /** @type {[number, number]} */ (z.get(it.id));
      return { id: it.id, ...rect(it, lookup), z0, z1 };
    })));
  }
  /** @type {Set<string>} */
  const blocking = new Set(clearance.map((c) => c.itemId));
  return { overlapping, pairs, outside, unknown, clearance, blocking };
}

/**
 * snapPosition puts a centre on the 5 cm grid, or an edge flush with a wall
 * within WALL_SNAP of it (walls win: footprints are rarely multiples of 5 cm).
 * @param {Room} room @param {Size} s @param {number} x @param {number} y
 */
export function snapPosition(room, s, x, y) {
  const axis = (/** @type {number} */ c, /** @type {number} */ half, /** @type {number} */ len) =>
    coord(Math.abs(c - half) <= WALL_SNAP ? half : Math.abs(c + half - len) <= WALL_SNAP ? len - half : Math.round(c / GRID) * GRID);
  return { x: axis(x, s.w / 2, room.width), y: axis(y, s.d / 2, room.depth) };
}

/** nextId is an unused item id: "i1", "i2", … @param {Doc} doc */
export function nextId(doc) {
  let max = 0;
  for (const it of doc.items) max = Math.max(max, Number(/^i(\d+)$/.exec(it.id)?.[1] ?? 0));
  return `i${max + 1}`;
}

/**
 * freeSpot is the free position nearest the room's centre for size s (10 cm
 * steps); the centre when none is free.
 * @param {Doc} doc @param {Size} s @param {Lookup} lookup
 */
export function freeSpot(doc, s, lookup) {
  const { width, depth } = doc.room;
  const rs = doc.items.map((it) => rect(it, lookup));
  const cx = width / 2, cy = depth / 2;
  const cands = [];
  for (let y = s.d / 2; y <= depth - s.d / 2 + EPS; y += 10) {
    for (let x = s.w / 2; x <= width - s.w / 2 + EPS; x += 10) cands.push({ x, y, k: (x - cx) ** 2 + (y - cy) ** 2 });
  }
  cands.sort((a, b) => a.k - b.k);
  for (const c of cands) {
    const p = snapPosition(doc.room, s, c.x, c.y);
    const r = box(p.x, p.y, s);
    if (!rs.some((o) => overlaps(o, r)) && inside(r, doc.room)) return p;
  }
  return snapPosition(doc.room, s, cx, cy);
}

/** @param {Doc} doc @param {string} id @param {(it: Item) => Item} fn @returns {Doc} */
function mapItem(doc, id, fn) {
  let hit = false;
  const items = doc.items.map((it) => (it.id === id ? ((hit = true), fn(it)) : it));
  return hit ? { ...doc, items } : doc;
}

/**
 * addItem places a product at (x, y), snapped, or at a free spot; at MAX_ITEMS
 * the doc comes back unchanged with id null.
 * @param {Doc} doc @param {string} productId @param {Lookup} lookup @param {{x: number, y: number}} [at]
 * @returns {{doc: Doc, id: string | null}}
 */
export function addItem(doc, productId, lookup, at) {
  if (doc.items.length >= MAX_ITEMS) return { doc, id: null };
  const id = nextId(doc);
  /** @type {Item} */
  const it = { id, productId, x: 0, y: 0, rotation: 0 };
  const s = size(it, lookup);
  const p = lookup(productId);
  const pos = at ? snapPosition(doc.room, s, at.x, at.y) : freeSpot(doc, s, lookup);
  // A wall-mounted product goes on the wall nearest the point, facing the room.
  const placed = p && isWallMounted(p) ? onWall(shapeOf(doc.room).polygon, p, at?.x ?? pos.x, at?.y ?? pos.y) : pos;
  return { doc: { ...doc, items: [...doc.items, { ...it, ...placed }] }, id };
}

/** moveItem puts an item's centre at (x, y), snapped. @param {Doc} doc @param {string} id @param {number} x @param {number} y @param {Lookup} lookup */
export function moveItem(doc, id, x, y, lookup) {
  return mapItem(doc, id, (it) => {
    const prod = lookup(it.productId);
    if (prod && isWallMounted(prod)) {
      const w = onWall(shapeOf(doc.room).polygon, prod, x, y);
      return w.x === it.x && w.y === it.y && w.rotation === it.rotation ? it : { ...it, ...w };
    }
    const p = snapPosition(doc.room, size(it, lookup), x, y);
    return p.x === it.x && p.y === it.y ? it : { ...it, ...p };
  });
}

/** nudgeItem moves an item by (dx, dy) cm, unsnapped. @param {Doc} doc @param {string} id @param {number} dx @param {number} dy */
export const nudgeItem = (doc, id, dx, dy) => mapItem(doc, id, (it) => ({ ...it, x: coord(it.x + dx), y: coord(it.y + dy) }));

/**
 * rotateItem turns an item 90° clockwise about its centre, pulled back inside
 * the room if it was inside before.
 * @param {Doc} doc @param {string} id @param {Lookup} lookup
 */
export function rotateItem(doc, id, lookup) {
  return mapItem(doc, id, (it) => {
    const t = { ...it, rotation: normRotation(it.rotation + 90) };
    const { w, d } = size(t, lookup);
    const { width, depth } = doc.room;
    if (inside(rect(it, lookup), doc.room) && w <= width && d <= depth) {
      t.x = r2(clamp(t.x, w / 2, width - w / 2));
      t.y = r2(clamp(t.y, d / 2, depth - d / 2));
    }
    return t;
  });
}

/**
 * duplicateItem copies an item next to it when there is room, else to a free spot.
 * @param {Doc} doc @param {string} id @param {Lookup} lookup
 * @returns {{doc: Doc, id: string | null}}
 */
export function duplicateItem(doc, id, lookup) {
  const src = doc.items.find((it) => it.id === id);
  if (!src || doc.items.length >= MAX_ITEMS) return { doc, id: null };
  const s = size(src, lookup);
  const rs = doc.items.map((it) => rect(it, lookup));
  let pos = null;
  for (const [dx, dy] of [[s.w, 0], [0, s.d], [-s.w, 0], [0, -s.d]]) {
    const p = snapPosition(doc.room, s, src.x + dx, src.y + dy);
    const r = box(p.x, p.y, s);
    if (inside(r, doc.room) && !rs.some((o) => overlaps(o, r))) { pos = p; break; }
  }
  const nid = nextId(doc);
  return { doc: { ...doc, items: [...doc.items, { ...src, id: nid, ...(pos ?? freeSpot(doc, s, lookup)) }] }, id: nid };
}

/** deleteItem removes an item. @param {Doc} doc @param {string} id @returns {Doc} */
export function deleteItem(doc, id) {
  const items = doc.items.filter((it) => it.id !== id);
  return items.length === doc.items.length ? doc : { ...doc, items };
}

/**
 * setRoom resizes the room (whole cm, 50–5000): a polygon is stretched to
 * the new bounding box from its top-left, openings keeping their offsets
 * (slid back when a wall got too short); a stretch that would break a wall
 * changes nothing. @param {Doc} doc @param {number} width @param {number} depth @returns {Doc}
 */
export function setRoom(doc, width, depth) {
  const f = (/** @type {number} */ v, /** @type {number} */ old) => (Number.isFinite(v) ? clamp(Math.round(v), ROOM_MIN, ROOM_MAX) : old);
  const w = f(width, doc.room.width), d = f(depth, doc.room.depth);
  if (w === doc.room.width && d === doc.room.depth) return doc;
  if (!doc.room.polygon) return { ...doc, room: { width: w, depth: d } };
  const sh = shapeOf(doc.room), b = G.bounds(sh.polygon);
  const sx = w / (b.x1 - b.x0), sy = d / (b.y1 - b.y0);
  const polygon = sh.polygon.map((c) => ({ x: G.r1(b.x0 + (c.x - b.x0) * sx), y: G.r1(b.y0 + (c.y - b.y0) * sy) }));
  const openings = sh.openings.map((o) => {
    const len = G.wall(polygon, o.wall).len;
    return o.offset + o.width > len ? { ...o, offset: G.r1(Math.max(0, len - o.width)) } : o;
  });
  const next = { ...sh, polygon, openings };
  return G.validateShape(next) ? doc : { ...doc, room: { ...roomOf(next), width: w, depth: d } };
}

/**
 * rename sets the name (≤ MAX_NAME characters, no control characters: C0, DEL
 * and C1, what the API's unicode.IsControl refuses). @param {Doc} doc @param {string} name @returns {Doc}
 */
export function rename(doc, name) {
  const n = String(name).replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, MAX_NAME);
  return n === doc.name ? doc : { ...doc, name: n };
}

/**
 * summary groups the items by product, in the order first placed; unknown
 * products are counted apart (they cannot be priced or bought).
 * @param {Doc} doc @param {Lookup} lookup
 * @returns {{lines: Line[], totals: Record<string, number>, unknown: number}}
 */
export function summary(doc, lookup) {
  /** @type {Map<string, Line>} */
  const lines = new Map();
  let unknown = 0;
  for (const it of doc.items) {
    const p = lookup(it.productId);
    if (!p || typeof p.price !== 'number') { unknown++; continue; }
    const l = lines.get(it.productId);
    if (l) { l.quantity++; l.total += p.price; } else {
      lines.set(it.productId, { productId: it.productId, name: p.name ?? it.productId, quantity: 1, unitPrice: p.price, total: p.price, currency: p.currency || '' });
    }
  }
  /** @type {Record<string, number>} */
  const totals = {};
  for (const l of lines.values()) totals[l.currency] = (totals[l.currency] ?? 0) + l.total;
  return { lines: [...lines.values()], totals, unknown };
}

/** basketItems is AddToBasket's content.items. @param {Line[]} lines @param {string} currency when a line has none */
export const basketItems = (lines, currency) =>
  lines.map((l) => ({ productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice, name: l.name.slice(0, MAX_NAME), currency: l.currency || currency }));

// ---- undo / redo ----

/** @param {Doc} doc @returns {History} */
export const history = (doc) => ({ past: [], present: doc, future: [] });

/** commit makes doc the present; an unchanged doc is no step. @param {History} h @param {Doc} doc @returns {History} */
export const commit = (h, doc) => (doc === h.present ? h : { past: [...h.past, h.present].slice(-HISTORY_LIMIT), present: doc, future: [] });

/** @param {History} h @returns {History} */
export const undo = (h) => (h.past.length ? { past: h.past.slice(0, -1), present: /** @type {Doc} */ (h.past.at(-1)), future: [h.present, ...h.future] } : h);

/** @param {History} h @returns {History} */
export const redo = (h) => (h.future.length ? { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1) } : h);
