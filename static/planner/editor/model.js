// model.js: the room editor's state as plain data and pure functions over it.
// No DOM here: node --test runs it. A Doc is the project document the API
// validates (web/project.go); every change returns a new Doc and never
// mutates its argument, so the undo stack is a list of Docs.

/**
 * @typedef {import('../api.js').Item} Item
 * @typedef {import('../api.js').Room} Room
 * @typedef {import('../api.js').ProjectDoc} Doc
 * @typedef {0 | 90 | 180 | 270} Rotation
 * @typedef {{width: number, depth: number, name?: string, price?: number, currency?: string, color?: string}} Dims
 *   what the model needs of a product
 * @typedef {(productId: string) => Dims | null | undefined} Lookup null/undefined: unknown product
 * @typedef {{x0: number, y0: number, x1: number, y1: number}} Rect cm, x0 < x1, y0 < y1
 */

export const ROOM_MIN = 50;
export const ROOM_MAX = 5000;
export const MAX_ITEMS = 500;
export const MAX_NAME = 120;
export const GRID = 5; // cm: moves snap to it
export const WALL_SNAP = 10; // cm: an edge this close to a wall goes flush with it
export const MAX_COORD = 2 * ROOM_MAX; // the API's bound on x and y
export const UNKNOWN_SIZE = 50; // cm: the footprint drawn for a product no longer in the catalog
export const HISTORY_LIMIT = 200;
const EPS = 0.01;

/**
 * newDoc is an empty room of the default size.
 * @param {string} [name]
 * @returns {Doc}
 */
export function newDoc(name = '') {
  return { name, room: { width: 400, depth: 300 }, items: [] };
}

/** @param {number} v @param {number} lo @param {number} hi */
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/** @param {number} v */
const round2 = (v) => Math.round(v * 100) / 100;

/** @param {unknown} r @returns {Rotation} */
export function normRotation(r) {
  const n = ((Math.round(Number(r) / 90) * 90) % 360 + 360) % 360;
  return /** @type {Rotation} */ (Number.isFinite(n) ? n : 0);
}

/**
 * fromProject turns an API project (or anything shaped like one) into a Doc,
 * dropping what the API would refuse rather than failing the whole plan.
 * @param {any} p
 * @returns {Doc}
 */
export function fromProject(p) {
  const room = p?.room ?? {};
  const size = (/** @type {unknown} */ v, /** @type {number} */ d) =>
    Number.isFinite(Number(v)) ? clamp(Math.round(Number(v)), ROOM_MIN, ROOM_MAX) : d;
  /** @type {Item[]} */
  const items = [];
  const seen = new Set();
  for (const it of Array.isArray(p?.items) ? p.items : []) {
    if (!it || typeof it.id !== 'string' || typeof it.productId !== 'string' || seen.has(it.id)) continue;
    const x = Number(it.x), y = Number(it.y);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    seen.add(it.id);
    items.push({ id: it.id, productId: it.productId, x: clamp(x, -MAX_COORD, MAX_COORD), y: clamp(y, -MAX_COORD, MAX_COORD), rotation: normRotation(it.rotation) });
    if (items.length === MAX_ITEMS) break;
  }
  return { name: typeof p?.name === 'string' ? p.name.slice(0, MAX_NAME) : '', room: { width: size(room.width, 400), depth: size(room.depth, 300) }, items };
}

/**
 * toProjectDoc is exactly the body POST/PUT /v1/projects validate.
 * @param {Doc} doc
 * @param {string} fallbackName used when the name is blank
 * @returns {Doc}
 */
export function toProjectDoc(doc, fallbackName) {
  const name = (doc.name.trim() || fallbackName).slice(0, MAX_NAME);
  return {
    name,
    room: { width: doc.room.width, depth: doc.room.depth },
    items: doc.items.map((it) => ({ id: it.id, productId: it.productId, x: round2(it.x), y: round2(it.y), rotation: it.rotation })),
  };
}

/**
 * size is an item's footprint along x and y, its rotation applied.
 * @param {Item} item
 * @param {Lookup} lookup
 * @returns {{w: number, d: number}}
 */
export function size(item, lookup) {
  const p = lookup(item.productId);
  const w = p ? p.width : UNKNOWN_SIZE;
  const d = p ? p.depth : UNKNOWN_SIZE;
  return item.rotation === 90 || item.rotation === 270 ? { w: d, d: w } : { w, d };
}

/**
 * rect is an item's footprint on the floor.
 * @param {Item} item
 * @param {Lookup} lookup
 * @returns {Rect}
 */
export function rect(item, lookup) {
  const { w, d } = size(item, lookup);
  return { x0: item.x - w / 2, y0: item.y - d / 2, x1: item.x + w / 2, y1: item.y + d / 2 };
}

/** @param {Rect} a @param {Rect} b */
export const overlaps = (a, b) => a.x0 < b.x1 - EPS && b.x0 < a.x1 - EPS && a.y0 < b.y1 - EPS && b.y0 < a.y1 - EPS;

/**
 * problems finds overlapping items, items not wholly inside the room and
 * items whose product is unknown. Sort and sweep: O(n log n + overlaps).
 * @param {Doc} doc
 * @param {Lookup} lookup
 * @returns {{overlapping: Set<string>, pairs: Array<[string, string]>, outside: Set<string>, unknown: Set<string>}}
 */
export function problems(doc, lookup) {
  const { width, depth } = doc.room;
  const rs = doc.items.map((it) => ({ id: it.id, r: rect(it, lookup) }));
  const outside = new Set();
  const unknown = new Set();
  for (let i = 0; i < rs.length; i++) {
    const { r, id } = rs[i];
    if (r.x0 < -EPS || r.y0 < -EPS || r.x1 > width + EPS || r.y1 > depth + EPS) outside.add(id);
    if (!lookup(doc.items[i].productId)) unknown.add(id);
  }
  rs.sort((a, b) => a.r.x0 - b.r.x0);
  /** @type {Array<[string, string]>} */
  const pairs = [];
  const overlapping = new Set();
  for (let i = 0; i < rs.length; i++) {
    const a = rs[i];
    for (let j = i + 1; j < rs.length && rs[j].r.x0 < a.r.x1 - EPS; j++) {
      if (overlaps(a.r, rs[j].r)) {
        pairs.push([a.id, rs[j].id]);
        overlapping.add(a.id);
        overlapping.add(rs[j].id);
      }
    }
  }
  return { overlapping, pairs, outside, unknown };
}

/**
 * snapPosition puts a centre on the 5 cm grid, then an edge flush with a wall
 * when it is within WALL_SNAP of it (walls win over the grid: footprints are
 * rarely multiples of 5 cm).
 * @param {Room} room
 * @param {{w: number, d: number}} sz
 * @param {number} x
 * @param {number} y
 * @returns {{x: number, y: number}}
 */
export function snapPosition(room, sz, x, y) {
  /** @param {number} c @param {number} half @param {number} len */
  const axis = (c, half, len) => {
    let v = Math.round(c / GRID) * GRID;
    if (Math.abs(c - half) <= WALL_SNAP) v = half;
    else if (Math.abs(c + half - len) <= WALL_SNAP) v = len - half;
    return clamp(round2(v), -MAX_COORD, MAX_COORD);
  };
  return { x: axis(x, sz.w / 2, room.width), y: axis(y, sz.d / 2, room.depth) };
}

/**
 * nextId is an item id not used in doc ("i1", "i2", ...).
 * @param {Doc} doc
 */
export function nextId(doc) {
  let max = 0;
  for (const it of doc.items) {
    const m = /^i(\d+)$/.exec(it.id);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `i${max + 1}`;
}

/**
 * freeSpot finds where an item of size sz fits without overlapping others,
 * scanning from the room's centre outwards; the centre when none does.
 * @param {Doc} doc
 * @param {{w: number, d: number}} sz
 * @param {Lookup} lookup
 */
export function freeSpot(doc, sz, lookup) {
  const { width, depth } = doc.room;
  const rs = doc.items.map((it) => rect(it, lookup));
  const cx = width / 2, cy = depth / 2;
  /** @type {Array<{x: number, y: number, dist: number}>} */
  const cands = [];
  const step = 10;
  for (let y = sz.d / 2; y <= depth - sz.d / 2 + EPS; y += step) {
    for (let x = sz.w / 2; x <= width - sz.w / 2 + EPS; x += step) cands.push({ x, y, dist: (x - cx) ** 2 + (y - cy) ** 2 });
  }
  cands.sort((a, b) => a.dist - b.dist);
  for (const c of cands) {
    const s = snapPosition(doc.room, sz, c.x, c.y);
    const r = { x0: s.x - sz.w / 2, y0: s.y - sz.d / 2, x1: s.x + sz.w / 2, y1: s.y + sz.d / 2 };
    if (!rs.some((o) => overlaps(o, r))) return s;
  }
  return snapPosition(doc.room, sz, cx, cy);
}

/** @param {Doc} doc @param {Item[]} items @returns {Doc} */
const withItems = (doc, items) => ({ ...doc, items });

/** @param {Doc} doc @param {string} id @param {(it: Item) => Item} fn @returns {Doc} */
function mapItem(doc, id, fn) {
  let hit = false;
  const items = doc.items.map((it) => (it.id === id ? ((hit = true), fn(it)) : it));
  return hit ? withItems(doc, items) : doc;
}

/**
 * addItem places a product: at (x, y) when given (snapped), else at a free spot.
 * At MAX_ITEMS the doc comes back unchanged and id is null.
 * @param {Doc} doc
 * @param {string} productId
 * @param {Lookup} lookup
 * @param {{x: number, y: number}} [at]
 * @returns {{doc: Doc, id: string | null}}
 */
export function addItem(doc, productId, lookup, at) {
  if (doc.items.length >= MAX_ITEMS) return { doc, id: null };
  const id = nextId(doc);
  /** @type {Item} */
  const item = { id, productId, x: 0, y: 0, rotation: 0 };
  const sz = size(item, lookup);
  const pos = at ? snapPosition(doc.room, sz, at.x, at.y) : freeSpot(doc, sz, lookup);
  return { doc: withItems(doc, [...doc.items, { ...item, ...pos }]), id };
}

/**
 * moveItem puts an item's centre at (x, y), snapped.
 * @param {Doc} doc
 * @param {string} id
 * @param {number} x
 * @param {number} y
 * @param {Lookup} lookup
 * @returns {Doc}
 */
export function moveItem(doc, id, x, y, lookup) {
  return mapItem(doc, id, (it) => {
    const p = snapPosition(doc.room, size(it, lookup), x, y);
    return p.x === it.x && p.y === it.y ? it : { ...it, ...p };
  });
}

/**
 * nudgeItem moves an item by (dx, dy) cm without snapping (arrow keys).
 * @param {Doc} doc @param {string} id @param {number} dx @param {number} dy
 * @returns {Doc}
 */
export function nudgeItem(doc, id, dx, dy) {
  return mapItem(doc, id, (it) => ({ ...it, x: clamp(round2(it.x + dx), -MAX_COORD, MAX_COORD), y: clamp(round2(it.y + dy), -MAX_COORD, MAX_COORD) }));
}

/**
 * rotateItem turns an item 90° clockwise about its centre, then pulls it back
 * inside the room if the turn pushed it through a wall it was inside of.
 * @param {Doc} doc @param {string} id @param {Lookup} lookup
 * @returns {Doc}
 */
export function rotateItem(doc, id, lookup) {
  return mapItem(doc, id, (it) => {
    const turned = { ...it, rotation: normRotation(it.rotation + 90) };
    const before = rect(it, lookup);
    const { w, d } = size(turned, lookup);
    const { width, depth } = doc.room;
    let { x, y } = turned;
    const inside = before.x0 >= -EPS && before.y0 >= -EPS && before.x1 <= width + EPS && before.y1 <= depth + EPS;
    if (inside && w <= width && d <= depth) {
      x = clamp(x, w / 2, width - w / 2);
      y = clamp(y, d / 2, depth - d / 2);
    }
    return { ...turned, x: round2(x), y: round2(y) };
  });
}

/**
 * duplicateItem copies an item to a free spot (next to it when there is room).
 * @param {Doc} doc @param {string} id @param {Lookup} lookup
 * @returns {{doc: Doc, id: string | null}}
 */
export function duplicateItem(doc, id, lookup) {
  const src = doc.items.find((it) => it.id === id);
  if (!src || doc.items.length >= MAX_ITEMS) return { doc, id: null };
  const nid = nextId(doc);
  const sz = size(src, lookup);
  const rs = doc.items.map((it) => rect(it, lookup));
  let pos = null;
  for (const [dx, dy] of [[sz.w, 0], [0, sz.d], [-sz.w, 0], [0, -sz.d]]) {
    const p = snapPosition(doc.room, sz, src.x + dx, src.y + dy);
    const r = { x0: p.x - sz.w / 2, y0: p.y - sz.d / 2, x1: p.x + sz.w / 2, y1: p.y + sz.d / 2 };
    const inRoom = r.x0 >= -EPS && r.y0 >= -EPS && r.x1 <= doc.room.width + EPS && r.y1 <= doc.room.depth + EPS;
    if (inRoom && !rs.some((o) => overlaps(o, r))) { pos = p; break; }
  }
  pos ??= freeSpot(doc, sz, lookup);
  return { doc: withItems(doc, [...doc.items, { ...src, id: nid, ...pos }]), id: nid };
}

/**
 * deleteItem removes an item.
 * @param {Doc} doc @param {string} id
 * @returns {Doc}
 */
export function deleteItem(doc, id) {
  const items = doc.items.filter((it) => it.id !== id);
  return items.length === doc.items.length ? doc : withItems(doc, items);
}

/**
 * setRoom changes the room's size (clamped to 50–5000 cm, whole cm).
 * @param {Doc} doc @param {number} width @param {number} depth
 * @returns {Doc}
 */
export function setRoom(doc, width, depth) {
  const w = Number.isFinite(width) ? clamp(Math.round(width), ROOM_MIN, ROOM_MAX) : doc.room.width;
  const d = Number.isFinite(depth) ? clamp(Math.round(depth), ROOM_MIN, ROOM_MAX) : doc.room.depth;
  return w === doc.room.width && d === doc.room.depth ? doc : { ...doc, room: { width: w, depth: d } };
}

/**
 * rename sets the project's name (at most MAX_NAME characters, no control characters).
 * @param {Doc} doc @param {string} name
 * @returns {Doc}
 */
export function rename(doc, name) {
  const n = String(name).replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MAX_NAME);
  return n === doc.name ? doc : { ...doc, name: n };
}

/**
 * @typedef {object} Line one product of the summary
 * @property {string} productId
 * @property {string} name
 * @property {number} quantity
 * @property {number} unitPrice minor units
 * @property {number} total minor units
 * @property {string} currency
 */

/**
 * summary groups the plan's items by product, in the order first placed.
 * Unknown products are counted apart: they cannot be priced or bought.
 * @param {Doc} doc
 * @param {Lookup} lookup
 * @returns {{lines: Line[], totals: Record<string, number>, unknown: number}}
 */
export function summary(doc, lookup) {
  /** @type {Map<string, Line>} */
  const lines = new Map();
  let unknown = 0;
  for (const it of doc.items) {
    const p = lookup(it.productId);
    if (!p || typeof p.price !== 'number') { unknown++; continue; }
    const line = lines.get(it.productId);
    if (line) {
      line.quantity++;
      line.total += p.price;
    } else {
      lines.set(it.productId, { productId: it.productId, name: p.name ?? it.productId, quantity: 1, unitPrice: p.price, total: p.price, currency: p.currency || '' });
    }
  }
  /** @type {Record<string, number>} */
  const totals = {};
  for (const l of lines.values()) totals[l.currency] = (totals[l.currency] ?? 0) + l.total;
  return { lines: [...lines.values()], totals, unknown };
}

/**
 * basketItems is AddToBasket's content.items.
 * @param {Line[]} lines
 * @param {string} fallbackCurrency
 */
export function basketItems(lines, fallbackCurrency) {
  return lines.map((l) => ({ productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice, name: l.name.slice(0, MAX_NAME), currency: l.currency || fallbackCurrency }));
}

// ---- undo / redo ----

/**
 * @typedef {{past: Doc[], present: Doc, future: Doc[]}} History
 */

/** @param {Doc} doc @returns {History} */
export const history = (doc) => ({ past: [], present: doc, future: [] });

/**
 * commit records doc as the new present; an unchanged doc records nothing.
 * @param {History} h @param {Doc} doc
 * @returns {History}
 */
export function commit(h, doc) {
  if (doc === h.present) return h;
  const past = [...h.past, h.present];
  if (past.length > HISTORY_LIMIT) past.shift();
  return { past, present: doc, future: [] };
}

/** @param {History} h @returns {History} */
export function undo(h) {
  if (h.past.length === 0) return h;
  return { past: h.past.slice(0, -1), present: /** @type {Doc} */ (h.past.at(-1)), future: [h.present, ...h.future] };
}

/** @param {History} h @returns {History} */
export function redo(h) {
  if (h.future.length === 0) return h;
  return { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1) };
}
