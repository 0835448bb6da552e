// geometry.js: the room as a polygon, pure and free of the DOM. A Shape is the
// version 2 room of the project document (web/room.go): corners clockwise as
// drawn on the plan (y down), wall i from corner i to corner i+1, openings
// placed on walls by offset from the wall's first corner. Every edit returns a
// new Shape or {error} saying why it was refused; no edit ever returns a shape
// the API would refuse (validateShape mirrors web/room.go).

/**
 * @typedef {{x: number, y: number}} Pt cm
 * @typedef {'door' | 'double-door' | 'window' | 'opening'} OpeningKind
 * @typedef {{id: string, kind: OpeningKind, wall: number, offset: number, width: number,
 *   hinge?: 'start' | 'end', swing?: 'in' | 'out', sill?: number, height?: number}} Opening
 * @typedef {{polygon: Pt[], wallThickness: number, openings: Opening[]}} Shape
 * @typedef {{shape: Shape, error?: undefined} | {shape?: undefined, error: string}} Edit
 * @typedef {{a: Pt, b: Pt, len: number, dir: Pt, normal: Pt}} Wall normal points into the room
 */

export const MAX_CORNERS = 64;
export const MIN_WALL = 10;
export const ROOM_MIN = 50;
export const ROOM_MAX = 5000;
export const MIN_AREA = ROOM_MIN * ROOM_MIN;
export const WALL_T_MIN = 5;
export const WALL_T_MAX = 100;
export const MAX_OPENINGS = 100;
export const OPENING_MIN = 20;
export const OPENING_MAX = 1000;
export const OPENING_TOP_MAX = 300;
export const PASSAGE = 60; // cm free in front of a door, the default
export const DEFAULT_HEIGHT = { door: 210, 'double-door': 210, opening: 210, window: 120 };
const EPS = 1e-6;

/** @param {number} v */
export const r1 = (v) => Math.round(v * 10) / 10;
/** @param {Pt} a @param {Pt} b */
const sub = (a, b) => ({ x: a.x - b.x, y: a.y - b.y });
/** @param {Pt} a @param {Pt} b */
const dot = (a, b) => a.x * b.x + a.y * b.y;
/** @param {Pt} o @param {Pt} a @param {Pt} b */
const cross = (o, a, b) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** signedArea is the shoelace area, positive for a clockwise polygon (y down). @param {Pt[]} p */
export function signedArea(p) {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i], b = p[(i + 1) % p.length];
    s += a.x * b.y - b.x * a.y;
  }
  return s / 2;
}

/** @param {Pt[]} p */
export const area = (p) => Math.abs(signedArea(p));

/** @param {Pt[]} p */
export function bounds(p) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const c of p) { x0 = Math.min(x0, c.x); y0 = Math.min(y0, c.y); x1 = Math.max(x1, c.x); y1 = Math.max(y1, c.y); }
  return { x0, y0, x1, y1 };
}

/** wall i of polygon p. @param {Pt[]} p @param {number} i @returns {Wall} */
export function wall(p, i) {
  const n = p.length, a = p[((i % n) + n) % n], b = p[(((i + 1) % n) + n) % n];
  const len = Math.hypot(b.x - a.x, b.y - a.y) || EPS;
  const dir = { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
  return { a, b, len, dir, normal: { x: -dir.y, y: dir.x } };
}

/** @param {Pt} a @param {Pt} b @param {Pt} p */
const onSeg = (a, b, p) => Math.min(a.x, b.x) <= p.x && p.x <= Math.max(a.x, b.x) && Math.min(a.y, b.y) <= p.y && p.y <= Math.max(a.y, b.y);

/** segmentsTouch: do closed segments ab and cd share a point? @param {Pt} a @param {Pt} b @param {Pt} c @param {Pt} d */
export function segmentsTouch(a, b, c, d) {
  const d1 = Math.sign(cross(c, d, a)), d2 = Math.sign(cross(c, d, b)), d3 = Math.sign(cross(a, b, c)), d4 = Math.sign(cross(a, b, d));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 === 0 && onSeg(c, d, a)) || (d2 === 0 && onSeg(c, d, b)) || (d3 === 0 && onSeg(a, b, c)) || (d4 === 0 && onSeg(a, b, d));
}

/** @param {Pt} a @param {Pt} b @param {Pt} c */
const foldsBack = (a, b, c) => cross(a, b, c) === 0 && dot(sub(b, a), sub(c, b)) < 0;

/**
 * selfIntersection returns two walls that meet other than neighbours at their
 * shared corner, or null for a simple polygon (web.SelfIntersection).
 * @param {Pt[]} p @returns {[number, number] | null}
 */
export function selfIntersection(p) {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const a = p[i], b = p[(i + 1) % n];
    for (let j = i + 1; j < n; j++) {
      const c = p[j], d = p[(j + 1) % n];
      if (j === i + 1 ? foldsBack(a, b, d) : i === 0 && j === n - 1 ? foldsBack(c, a, b) : segmentsTouch(a, b, c, d)) return [i, j];
    }
  }
  return null;
}

/**
 * @typedef {'corners' | 'coordinate' | 'short_wall' | 'winding' | 'self_intersection' | 'span' | 'area'} PolygonCode
 *   why an outline is refused, the names web/room.go's checkPolygon gives them (web/testdata/rooms/polygons.json)
 */

/**
 * polygonProblem is the first problem of p as a room outline, checked in
 * web/room.go's order, with the visitor's sentence for it; null for a valid one.
 * @param {Pt[]} p @returns {{code: PolygonCode, message: string} | null}
 */
export function polygonProblem(p) {
  const n = p.length;
  /** @param {PolygonCode} code @param {string} message */
  const no = (code, message) => ({ code, message });
  if (n < 3 || n > MAX_CORNERS) return no('corners', `a room has 3 to ${MAX_CORNERS} corners`);
  for (const c of p) if (!Number.isFinite(c.x) || !Number.isFinite(c.y) || Math.abs(c.x) > ROOM_MAX || Math.abs(c.y) > ROOM_MAX) return no('coordinate', 'a corner is too far out');
  for (let i = 0; i < n; i++) if (Math.hypot(p[(i + 1) % n].x - p[i].x, p[(i + 1) % n].y - p[i].y) < MIN_WALL) return no('short_wall', `walls must be at least ${MIN_WALL} cm long`);
  if (signedArea(p) <= 0) return no('winding', 'the walls would turn inside out');
  if (selfIntersection(p)) return no('self_intersection', 'walls would cross');
  const b = bounds(p), w = b.x1 - b.x0, d = b.y1 - b.y0;
  if (w < ROOM_MIN || d < ROOM_MIN) return no('span', `the room must be at least ${ROOM_MIN} cm each way`);
  if (w > ROOM_MAX || d > ROOM_MAX) return no('span', `the room must be at most ${ROOM_MAX} cm each way`);
  if (area(p) < MIN_AREA) return no('area', 'the room would be too small');
  return null;
}

/** validatePolygon says why p is not a room outline, or null. @param {Pt[]} p @returns {string | null} */
export const validatePolygon = (p) => polygonProblem(p)?.message ?? null;

/** validateShape mirrors web/room.go's checks. @param {Shape} s @returns {string | null} */
export function validateShape(s) {
  const e = validatePolygon(s.polygon);
  if (e) return e;
  if (!(s.wallThickness >= WALL_T_MIN && s.wallThickness <= WALL_T_MAX)) return `walls are ${WALL_T_MIN} to ${WALL_T_MAX} cm thick`;
  if (s.openings.length > MAX_OPENINGS) return `at most ${MAX_OPENINGS} doors and windows`;
  const ids = new Set();
  for (const o of s.openings) {
    if (ids.has(o.id)) return `opening ${o.id} twice`;
    ids.add(o.id);
    if (!(o.wall >= 0 && o.wall < s.polygon.length && Number.isInteger(o.wall))) return 'an opening is on no wall';
    if (!(o.width >= OPENING_MIN && o.width <= OPENING_MAX)) return `openings are ${OPENING_MIN} to ${OPENING_MAX} cm wide`;
    if (!(o.offset >= 0 && o.offset + o.width <= wall(s.polygon, o.wall).len + EPS)) return `${label(o)} would run past a corner`;
    if ((o.sill ?? 0) + (o.height ?? 0) > OPENING_TOP_MAX) return `${label(o)} would be taller than the wall`;
  }
  for (const [i, o] of s.openings.entries()) {
    for (const q of s.openings.slice(i + 1)) if (q.wall === o.wall && q.offset < o.offset + o.width && o.offset < q.offset + q.width) return `${label(q)} would overlap ${label(o)}`;
  }
  return null;
}

/** @param {Opening} o */
const label = (o) => (o.kind === 'window' ? 'a window' : o.kind === 'opening' ? 'an opening' : 'a door');

// ---- presets ----

/**
 * preset returns a clockwise outline of w × d cm: a rectangle, or an L, U or T
 * with arms a third of the way in (whole cm).
 * @param {'rectangle' | 'L' | 'U' | 'T'} kind @param {number} w @param {number} d @returns {Pt[]}
 */
export function preset(kind, w, d) {
  const a = Math.round(w / 2), b = Math.round(d / 2), t = Math.round(w / 3), u = Math.round((2 * w) / 3);
  /** @type {Record<string, number[][]>} */
  const all = {
    rectangle: [[0, 0], [w, 0], [w, d], [0, d]],
    L: [[0, 0], [w, 0], [w, b], [a, b], [a, d], [0, d]],
    U: [[0, 0], [t, 0], [t, b], [u, b], [u, 0], [w, 0], [w, d], [0, d]],
    T: [[0, 0], [w, 0], [w, b], [u, b], [u, d], [t, d], [t, b], [0, b]],
  };
  const c = all[kind];
  return c.map(([x, y]) => ({ x, y }));
}

// ---- edits ----

/** @param {Pt[]} p @returns {Pt[]} */
const rounded = (p) => p.map((c) => ({ x: r1(c.x), y: r1(c.y) }));
/** @param {Pt} a @param {Pt} b */
const horizontal = (a, b) => a.y === b.y;
/** @param {Pt} a @param {Pt} b */
const vertical = (a, b) => a.x === b.x;

/**
 * settle checks a new outline with the openings refitted, sliding an opening
 * back along its wall when the wall got shorter.
 * @param {Shape} s @param {Pt[]} polygon @param {Opening[]} [openings] @returns {Edit}
 */
function settle(s, polygon, openings = s.openings) {
  const p = rounded(polygon);
  const os = openings.map((o) => {
    const len = wall(p, o.wall).len;
    return o.offset + o.width > len ? { ...o, offset: r1(Math.max(0, len - o.width)) } : o;
  });
  const shape = { ...s, polygon: p, openings: os };
  const error = validateShape(shape);
  return error ? { error } : { shape };
}

/**
 * moveCorner puts corner i at (x, y). With ortho (the default) the walls next
 * to it that were horizontal or vertical stay so, dragging their far corner.
 * @param {Shape} s @param {number} i @param {number} x @param {number} y @param {{ortho?: boolean}} [o] @returns {Edit}
 */
export function moveCorner(s, i, x, y, { ortho = true } = {}) {
  const p = s.polygon.map((c) => ({ ...c })), n = p.length;
  const prev = (i - 1 + n) % n, next = (i + 1) % n, c = p[i];
  if (ortho) {
    for (const j of [prev, next]) {
      if (horizontal(p[j], c)) p[j].y = y;
      else if (vertical(p[j], c)) p[j].x = x;
    }
  }
  p[i] = { x, y };
  return settle(s, p);
}

/**
 * @param {Pt} p @param {Pt} d line through p along d
 * @param {Pt} q @param {Pt} e line through q along e
 * @returns {Pt | null}
 */
function meet(p, d, q, e) {
  const den = d.x * e.y - d.y * e.x;
  if (Math.abs(den) < 1e-9) return null;
  const t = ((q.x - p.x) * e.y - (q.y - p.y) * e.x) / den;
  return { x: p.x + d.x * t, y: p.y + d.y * t };
}

/**
 * moveWall moves wall i parallel by dist cm into the room (negative: out);
 * its neighbours keep their directions and grow or shrink to meet it.
 * @param {Shape} s @param {number} i @param {number} dist @returns {Edit}
 */
export function moveWall(s, i, dist) {
  const p = s.polygon.map((c) => ({ ...c })), n = p.length;
  const w = wall(p, i), shift = { x: w.normal.x * dist, y: w.normal.y * dist };
  const a = { x: w.a.x + shift.x, y: w.a.y + shift.y }, b = { x: w.b.x + shift.x, y: w.b.y + shift.y };
  const before = wall(p, i - 1), after = wall(p, i + 1);
  p[i] = meet(a, w.dir, before.a, before.dir) ?? a;
  p[(i + 1) % n] = meet(a, w.dir, after.b, after.dir) ?? b;
  return settle(s, p);
}

/**
 * setWallLength makes wall i len cm long, keeping its first corner: the next
 * wall moves parallel to meet the new end (walls at right angles stay so).
 * @param {Shape} s @param {number} i @param {number} len @returns {Edit}
 */
export function setWallLength(s, i, len) {
  if (!(len >= MIN_WALL)) return { error: `walls must be at least ${MIN_WALL} cm long` };
  const n = s.polygon.length, w = wall(s.polygon, i), end = { x: w.a.x + w.dir.x * len, y: w.a.y + w.dir.y * len };
  const nx = wall(s.polygon, i + 1);
  if (Math.abs(dot(w.dir, nx.normal)) < 1e-9) {
    const p = s.polygon.slice();
    p[(i + 1) % n] = end;
    return settle(s, p);
  }
  return moveWall(s, i + 1, dot(sub(end, nx.a), nx.normal));
}

/**
 * insertCorner splits wall i at the point nearest (x, y). Openings after the
 * split move to the new wall; one across it refuses the edit.
 * @param {Shape} s @param {number} i @param {number} x @param {number} y @returns {Edit}
 */
export function insertCorner(s, i, x, y) {
  if (s.polygon.length >= MAX_CORNERS) return { error: `a room has at most ${MAX_CORNERS} corners` };
  const w = wall(s.polygon, i);
  const t = Math.min(w.len, Math.max(0, dot(sub({ x, y }, w.a), w.dir)));
  const at = { x: r1(w.a.x + w.dir.x * t), y: r1(w.a.y + w.dir.y * t) };
  const cut = Math.hypot(at.x - w.a.x, at.y - w.a.y);
  const openings = [];
  for (const o of s.openings) {
    if (o.wall !== i) { openings.push(o.wall > i ? { ...o, wall: o.wall + 1 } : o); continue; }
    if (o.offset + o.width <= cut) openings.push(o);
    else if (o.offset >= cut) openings.push({ ...o, wall: i + 1, offset: r1(o.offset - cut) });
    else return { error: `${label(o)} is in the way` };
  }
  const p = [...s.polygon.slice(0, i + 1), at, ...s.polygon.slice(i + 1)];
  return settle(s, p, openings);
}

/**
 * removeCorner joins the two walls at corner i. Their openings are put back
 * on the joined wall where they were, if they fit there.
 * @param {Shape} s @param {number} i @returns {Edit}
 */
export function removeCorner(s, i) {
  const n = s.polygon.length;
  if (n <= 3) return { error: 'a room has at least 3 corners' };
  const prev = (i - 1 + n) % n;
  const p = s.polygon.filter((_, k) => k !== i);
  const joined = prev < i ? prev : prev - 1; // index of the joined wall in p
  const w = wall(p, joined);
  const openings = [];
  for (const o of s.openings) {
    if (o.wall !== prev && o.wall !== i) { openings.push({ ...o, wall: o.wall > i ? o.wall - 1 : o.wall }); continue; }
    const old = wall(s.polygon, o.wall);
    const ends = [o.offset, o.offset + o.width].map((t) => ({ x: old.a.x + old.dir.x * t, y: old.a.y + old.dir.y * t }));
    const along = ends.map((e) => dot(sub(e, w.a), w.dir));
    if (ends.some((e) => Math.abs(dot(sub(e, w.a), w.normal)) > 1)) return { error: `${label(o)} is in the way` };
    openings.push({ ...o, wall: joined, offset: r1(Math.min(...along)) });
  }
  return settle(s, p, openings);
}

/** setThickness sets the walls' thickness. @param {Shape} s @param {number} t @returns {Edit} */
export function setThickness(s, t) {
  const shape = { ...s, wallThickness: r1(t) };
  const error = validateShape(shape);
  return error ? { error } : { shape };
}

// ---- openings ----

/**
 * nearestWall is the wall closest to pt with the distance along it and from it.
 * @param {Pt[]} p @param {Pt} pt @returns {{wall: number, along: number, dist: number}}
 */
export function nearestWall(p, pt) {
  let best = { wall: 0, along: 0, dist: Infinity };
  for (let i = 0; i < p.length; i++) {
    const w = wall(p, i), t = Math.min(w.len, Math.max(0, dot(sub(pt, w.a), w.dir)));
    const dist = Math.hypot(pt.x - w.a.x - w.dir.x * t, pt.y - w.a.y - w.dir.y * t);
    if (dist < best.dist) best = { wall: i, along: t, dist };
  }
  return best;
}

/**
 * placeOpening puts opening o (new or moved, by id) on wall at offset,
 * slid to stay within the wall; overlapping another refuses the edit.
 * @param {Shape} s @param {Opening} o @returns {Edit}
 */
export function placeOpening(s, o) {
  const len = wall(s.polygon, o.wall).len;
  if (o.width > len) return { error: `${label(o)} is wider than that wall` };
  const placed = { ...o, offset: r1(Math.min(len - o.width, Math.max(0, o.offset))) };
  const others = s.openings.filter((q) => q.id !== o.id);
  const shape = { ...s, openings: [...others, placed] };
  const error = validateShape(shape);
  return error ? { error } : { shape };
}

/** removeOpening takes an opening out. @param {Shape} s @param {string} id @returns {Shape} */
export const removeOpening = (s, id) => ({ ...s, openings: s.openings.filter((o) => o.id !== id) });

// ---- distances, containment, zones ----

/** pointInPolygon by crossings; points on a wall count as inside. @param {Pt[]} p @param {Pt} pt */
export function pointInPolygon(p, pt) {
  let inside = false;
  for (let i = 0, j = p.length - 1; i < p.length; j = i++) {
    const a = p[i], b = p[j];
    if (distToSegment(pt, a, b) < EPS) return true;
    if ((a.y > pt.y) !== (b.y > pt.y) && pt.x < ((b.x - a.x) * (pt.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** distToSegment from pt to segment ab. @param {Pt} pt @param {Pt} a @param {Pt} b */
export function distToSegment(pt, a, b) {
  const ab = sub(b, a), l2 = dot(ab, ab);
  const t = l2 ? Math.min(1, Math.max(0, dot(sub(pt, a), ab) / l2)) : 0;
  return Math.hypot(pt.x - a.x - ab.x * t, pt.y - a.y - ab.y * t);
}

/** segmentDistance between segments ab and cd (0 when they touch). @param {Pt} a @param {Pt} b @param {Pt} c @param {Pt} d */
export function segmentDistance(a, b, c, d) {
  if (segmentsTouch(a, b, c, d)) return 0;
  return Math.min(distToSegment(a, c, d), distToSegment(b, c, d), distToSegment(c, a, b), distToSegment(d, a, b));
}

/**
 * outerOutline is the polygon's outline pushed out by t cm (the walls' outer
 * face): each wall's line moved out, neighbours meeting at mitred corners.
 * @param {Pt[]} p @param {number} t @returns {Pt[]}
 */
export function outerOutline(p, t) {
  const n = p.length;
  return p.map((_, i) => {
    const w0 = wall(p, i - 1), w1 = wall(p, i);
    const a = { x: w0.a.x - w0.normal.x * t, y: w0.a.y - w0.normal.y * t };
    const b = { x: w1.a.x - w1.normal.x * t, y: w1.a.y - w1.normal.y * t };
    return meet(a, w0.dir, b, w1.dir) ?? { x: p[i].x - w1.normal.x * t, y: p[i].y - w1.normal.y * t };
  }).slice(0, n);
}

/**
 * openingFrame gives an opening's ends on the wall's inner face and the
 * wall's inward normal. @param {Shape} s @param {Opening} o
 */
export function openingFrame(s, o) {
  const w = wall(s.polygon, o.wall);
  const at = (/** @type {number} */ t) => ({ x: w.a.x + w.dir.x * t, y: w.a.y + w.dir.y * t });
  return { start: at(o.offset), end: at(o.offset + o.width), dir: w.dir, normal: w.normal };
}

/** @param {Pt} c @param {Pt} from @param {Pt} to @param {number} r @param {number} [steps] quarter-circle sector as a convex polygon */
function sector(c, from, to, r, steps = 8) {
  const pts = [c];
  for (let k = 0; k <= steps; k++) {
    const a = (k / steps) * (Math.PI / 2), ca = Math.cos(a), sa = Math.sin(a);
    pts.push({ x: c.x + r * (from.x * ca + to.x * sa), y: c.y + r * (from.y * ca + to.y * sa) });
  }
  return pts;
}

/**
 * doorZones are the convex areas that must stay free for an opening: a door's
 * swing (a quarter circle per leaf, on the side it opens to) and, for every
 * door and opening, a passage of `passage` cm in front of it inside the room.
 * Windows have none.
 * @param {Shape} s @param {Opening} o @param {number} [passage]
 * @returns {Array<{kind: 'swing' | 'passage', poly: Pt[]}>}
 */
export function doorZones(s, o, passage = PASSAGE) {
  if (o.kind === 'window') return [];
  const { start, end, dir, normal } = openingFrame(s, o);
  /** @type {Array<{kind: 'swing' | 'passage', poly: Pt[]}>} */
  const zones = [];
  const side = o.swing === 'out' ? { x: -normal.x, y: -normal.y } : normal;
  const back = { x: -dir.x, y: -dir.y };
  if (o.kind === 'door') {
    zones.push({ kind: 'swing', poly: o.hinge === 'end' ? sector(end, back, side, o.width) : sector(start, dir, side, o.width) });
  } else if (o.kind === 'double-door') {
    const half = o.width / 2;
    zones.push({ kind: 'swing', poly: sector(start, dir, side, half) }, { kind: 'swing', poly: sector(end, back, side, half) });
  }
  const off = (/** @type {Pt} */ q) => ({ x: q.x + normal.x * passage, y: q.y + normal.y * passage });
  zones.push({ kind: 'passage', poly: [start, end, off(end), off(start)] });
  return zones.filter((z) => z.kind === 'passage' || o.swing !== 'out');
}

/** @param {Pt[]} poly @param {Pt} axis */
const project = (poly, axis) => {
  let lo = Infinity, hi = -Infinity;
  for (const q of poly) { const v = dot(q, axis); lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return [lo, hi];
};

/** convexOverlap: do two convex polygons share interior (separating axes)? @param {Pt[]} a @param {Pt[]} b */
export function convexOverlap(a, b) {
  for (const poly of [a, b]) {
    for (let i = 0; i < poly.length; i++) {
      const e = sub(poly[(i + 1) % poly.length], poly[i]);
      const axis = { x: -e.y, y: e.x };
      if (!axis.x && !axis.y) continue;
      const [a0, a1] = project(a, axis), [b0, b1] = project(b, axis);
      const tol = 0.01 * Math.hypot(axis.x, axis.y);
      if (a1 <= b0 + tol || b1 <= a0 + tol) return false;
    }
  }
  return true;
}

/**
 * clearanceProblems lists items inside a door's swing or passage.
 * @param {Shape} s @param {Array<{id: string, x0: number, y0: number, x1: number, y1: number}>} rects footprints
 * @param {number} [passage]
 * @returns {Array<{itemId: string, openingId: string, kind: 'swing' | 'passage'}>}
 */
export function clearanceProblems(s, rects, passage = PASSAGE) {
  const out = [];
  for (const o of s.openings) {
    const zones = doorZones(s, o, passage);
    if (!zones.length) continue;
    for (const r of rects) {
      const box = [{ x: r.x0, y: r.y0 }, { x: r.x1, y: r.y0 }, { x: r.x1, y: r.y1 }, { x: r.x0, y: r.y1 }];
      const hit = zones.find((z) => convexOverlap(z.poly, box));
      if (hit) out.push({ itemId: r.id, openingId: o.id, kind: hit.kind });
    }
  }
  return out;
}

/**
 * snapToWall places a wall-mounted item of w × d cm (unrotated) near pt: its
 * back on the nearest wall's inner face, facing the room, slid to stay on
 * the wall. Rotation is what the API allows (0/90/180/270) nearest to the
 * wall's facing; rotation 0 has the back towards -y.
 * @param {Pt[]} p @param {number} w @param {number} d @param {Pt} pt
 * @returns {{x: number, y: number, rotation: 0 | 90 | 180 | 270, wall: number}}
 */
export function snapToWall(p, w, d, pt) {
  const near = nearestWall(p, pt), wl = wall(p, near.wall);
  const back = { x: -wl.normal.x, y: -wl.normal.y };
  const deg = ((Math.round((Math.atan2(back.x, -back.y) * 180) / Math.PI / 90) * 90) % 360 + 360) % 360;
  const half = Math.min(w / 2, wl.len / 2);
  const t = Math.min(wl.len - half, Math.max(half, near.along));
  return {
    x: r1(wl.a.x + wl.dir.x * t + wl.normal.x * (d / 2)),
    y: r1(wl.a.y + wl.dir.y * t + wl.normal.y * (d / 2)),
    rotation: /** @type {0 | 90 | 180 | 270} */ (deg),
    wall: near.wall,
  };
}
