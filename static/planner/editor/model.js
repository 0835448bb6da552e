// model.js: the editor's state as plain data and pure functions, free of the DOM.
// A Doc is the project document the API validates (web/project.go); changes
// return a new Doc and never mutate, so the undo stack is a list of Docs.

/**
 * @typedef {import('../api.js').Item} Item
 * @typedef {import('../api.js').Room} Room
 * @typedef {import('../api.js').ProjectDoc} Doc
 * @typedef {0 | 90 | 180 | 270} Rotation
 * @typedef {{width: number, depth: number, name?: string, price?: number, currency?: string, color?: string}} Dims
 * @typedef {(productId: string) => Dims | null | undefined} Lookup a falsy answer: unknown product
 * @typedef {{x0: number, y0: number, x1: number, y1: number}} Rect cm
 * @typedef {{w: number, d: number}} Size cm along x and y
 * @typedef {{productId: string, name: string, quantity: number, unitPrice: number, total: number, currency: string}} Line
 * @typedef {{past: Doc[], present: Doc, future: Doc[]}} History
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

/** newDoc is an empty 400 × 300 cm room. @param {string} [name] @returns {Doc} */
export const newDoc = (name = '') => ({ name, room: { width: 400, depth: 300 }, items: [] });

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
  const room = p?.room ?? {};
  const size = (/** @type {unknown} */ v, /** @type {number} */ d) => (Number.isFinite(Number(v)) ? clamp(Math.round(Number(v)), ROOM_MIN, ROOM_MAX) : d);
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
  return { name: typeof p?.name === 'string' ? p.name.slice(0, MAX_NAME) : '', room: { width: size(room.width, 400), depth: size(room.depth, 300) }, items };
}

/**
 * toProjectDoc is exactly the body POST/PUT /v1/projects validate.
 * @param {Doc} doc @param {string} fallbackName for a blank name
 * @returns {Doc}
 */
export function toProjectDoc(doc, fallbackName) {
  return {
    name: (doc.name.trim() || fallbackName).slice(0, MAX_NAME),
    room: { width: doc.room.width, depth: doc.room.depth },
    items: doc.items.map((it) => ({ id: it.id, productId: it.productId, x: r2(it.x), y: r2(it.y), rotation: it.rotation })),
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
const inside = (r, room) => r.x0 >= -EPS && r.y0 >= -EPS && r.x1 <= room.width + EPS && r.y1 <= room.depth + EPS;

/**
 * problems finds overlapping items, items not wholly inside the room and items
 * of unknown products; sort and sweep, O(n log n + overlaps).
 * @param {Doc} doc @param {Lookup} lookup
 */
export function problems(doc, lookup) {
  const rs = doc.items.map((it) => ({ id: it.id, r: rect(it, lookup) }));
  /** @type {Set<string>} */
  const outside = new Set(), unknown = new Set(), overlapping = new Set();
  doc.items.forEach((it, i) => {
    if (!inside(rs[i].r, doc.room)) outside.add(it.id);
    if (!lookup(it.productId)) unknown.add(it.id);
  });
  rs.sort((a, b) => a.r.x0 - b.r.x0);
  /** @type {Array<[string, string]>} */
  const pairs = [];
  for (let i = 0; i < rs.length; i++) {
    const a = rs[i];
    for (let j = i + 1; j < rs.length && rs[j].r.x0 < a.r.x1 - EPS; j++) {
      if (overlaps(a.r, rs[j].r)) {
        pairs.push([a.id, rs[j].id]);
        overlapping.add(a.id).add(rs[j].id);
      }
    }
  }
  return { overlapping, pairs, outside, unknown };
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
    if (!rs.some((o) => overlaps(o, r))) return p;
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
  return { doc: { ...doc, items: [...doc.items, { ...it, ...(at ? snapPosition(doc.room, s, at.x, at.y) : freeSpot(doc, s, lookup)) }] }, id };
}

/** moveItem puts an item's centre at (x, y), snapped. @param {Doc} doc @param {string} id @param {number} x @param {number} y @param {Lookup} lookup */
export function moveItem(doc, id, x, y, lookup) {
  return mapItem(doc, id, (it) => {
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

/** setRoom resizes the room (whole cm, 50–5000). @param {Doc} doc @param {number} width @param {number} depth @returns {Doc} */
export function setRoom(doc, width, depth) {
  const f = (/** @type {number} */ v, /** @type {number} */ old) => (Number.isFinite(v) ? clamp(Math.round(v), ROOM_MIN, ROOM_MAX) : old);
  const w = f(width, doc.room.width), d = f(depth, doc.room.depth);
  return w === doc.room.width && d === doc.room.depth ? doc : { ...doc, room: { width: w, depth: d } };
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
