// mesh.js: triangles of the room from the editor's model, free of the DOM:
// the floor (the polygon, ear-clipped), the walls with their thickness and
// real holes for doors and windows, and each product as volumes of its size
// shaped by category (a sofa's seat, back and arms; a table top on legs).
// Vertices are interleaved x y z, nx ny nz, r g b (9 floats); world x is the
// plan's x, z the plan's y, y up, in cm.

import * as G from '../editor/geometry.js';
import { shapeOf, size } from '../editor/model.js';

/**
 * @typedef {import('../editor/geometry.js').Pt} Pt
 * @typedef {import('../editor/model.js').Doc} Doc
 * @typedef {import('../editor/model.js').Lookup} Lookup
 * @typedef {[number, number, number]} Vec3
 * @typedef {{first: number, count: number}} Range vertices
 * @typedef {{id: string, min: Vec3, max: Vec3}} Pick an item's bounding box, for picking
 * @typedef {{data: Float32Array, floor: Range, walls: Array<Range & {out: Pt}>, items: Range, picks: Pick[]}} Scene
 */

export const WALL_HEIGHT = 250;
export const FLOATS = 9;
const FLOOR = hex('#d8c8aa'), WALL = hex('#eeebe4'), WALL_TOP = hex('#8d8a85'), SILL = hex('#f7f6f2');
const DEFAULT_ITEM = '#9aa3ad';

/** @param {string} h "#rrggbb" @returns {Vec3} */
export function hex(h) {
  const n = parseInt(/^#[0-9a-f]{6}$/i.test(h) ? h.slice(1) : '9aa3ad', 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/** Buf grows a Float32Array of vertices. */
class Buf {
  constructor() { this.a = new Float32Array(9 * 4096); this.n = 0; }
  /** @param {Vec3} p @param {Vec3} nrm @param {Vec3} c */
  v(p, nrm, c) {
    if (this.n + FLOATS > this.a.length) { const b = new Float32Array(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a.set(p, this.n); this.a.set(nrm, this.n + 3); this.a.set(c, this.n + 6); this.n += FLOATS;
  }
  get count() { return this.n / FLOATS; }
  /** quad a b c d (in order around it) facing nrm. @param {Vec3} a @param {Vec3} b @param {Vec3} c @param {Vec3} d @param {Vec3} nrm @param {Vec3} col */
  quad(a, b, c, d, nrm, col) { for (const p of [a, b, c, a, c, d]) this.v(p, nrm, col); }
  /** axis-aligned box. @param {Vec3} lo @param {Vec3} hi @param {Vec3} c */
  box(lo, hi, c) {
    const [x0, y0, z0] = lo, [x1, y1, z1] = hi;
    this.quad([x0, y1, z0], [x1, y1, z0], [x1, y1, z1], [x0, y1, z1], [0, 1, 0], c);
    this.quad([x0, y0, z0], [x0, y0, z1], [x1, y0, z1], [x1, y0, z0], [0, -1, 0], c);
    this.quad([x0, y0, z1], [x0, y1, z1], [x1, y1, z1], [x1, y0, z1], [0, 0, 1], c);
    this.quad([x0, y0, z0], [x1, y0, z0], [x1, y1, z0], [x0, y1, z0], [0, 0, -1], c);
    this.quad([x1, y0, z0], [x1, y0, z1], [x1, y1, z1], [x1, y1, z0], [1, 0, 0], c);
    this.quad([x0, y0, z0], [x0, y1, z0], [x0, y1, z1], [x0, y0, z1], [-1, 0, 0], c);
  }
}

/**
 * triangulate ear-clips a simple polygon into index triples.
 * @param {Pt[]} p @returns {number[]}
 */
export function triangulate(p) {
  const idx = p.map((_, i) => i);
  const sgn = Math.sign(G.signedArea(p)) || 1;
  /** @param {Pt} a @param {Pt} b @param {Pt} c */
  const cr = (a, b, c) => ((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)) * sgn;
  const out = [];
  let guard = 0;
  while (idx.length > 3 && guard++ < 10000) {
    let cut = false;
    for (let k = 0; k < idx.length; k++) {
      const i0 = idx[(k + idx.length - 1) % idx.length], i1 = idx[k], i2 = idx[(k + 1) % idx.length];
      const a = p[i0], b = p[i1], c = p[i2];
      if (cr(a, b, c) <= 0) continue; // reflex or flat
      const inside = idx.some((j) => j !== i0 && j !== i1 && j !== i2 && cr(a, b, p[j]) >= 0 && cr(b, c, p[j]) >= 0 && cr(c, a, p[j]) >= 0);
      if (inside) continue;
      out.push(i0, i1, i2);
      idx.splice(k, 1);
      cut = true;
      break;
    }
    if (!cut) break; // degenerate leftovers (collinear corners): fan them
  }
  for (let k = 1; k + 1 < idx.length; k++) out.push(idx[0], idx[k], idx[k + 1]);
  return out;
}

/**
 * wallPieces are the solid parts of wall i as [t0, t1, y0, y1] (along the
 * wall's inner face, height): full height between openings, under a window's
 * sill and above every opening's head.
 * @param {import('../editor/geometry.js').Shape} sh @param {number} i @returns {Array<[number, number, number, number]>}
 */
export function wallPieces(sh, i) {
  const len = G.wall(sh.polygon, i).len;
  const os = sh.openings.filter((o) => o.wall === i).sort((a, b) => a.offset - b.offset);
  /** @type {Array<[number, number, number, number]>} */
  const out = [];
  let t = 0;
  for (const o of os) {
    if (o.offset > t) out.push([t, o.offset, 0, WALL_HEIGHT]);
    const sill = o.kind === 'window' ? o.sill ?? 0 : 0;
    const top = Math.min(WALL_HEIGHT, sill + (o.height || G.DEFAULT_HEIGHT[o.kind]));
    if (sill > 0) out.push([o.offset, o.offset + o.width, 0, sill]);
    if (top < WALL_HEIGHT) out.push([o.offset, o.offset + o.width, top, WALL_HEIGHT]);
    t = Math.max(t, o.offset + o.width);
  }
  if (t < len) out.push([t, len, 0, WALL_HEIGHT]);
  return out;
}

/** @param {Buf} b @param {Pt[]} p */
function floor(b, p) {
  const tri = triangulate(p);
  for (const k of tri) b.v([p[k].x, 0, p[k].y], [0, 1, 0], FLOOR);
}

/**
 * wall adds wall i: each piece's inner and outer faces, its top and bottom,
 * and the reveals at its ends (a hole's jambs). The outer face runs to the
 * mitred corners at the wall's ends.
 * @param {Buf} b @param {import('../editor/geometry.js').Shape} sh @param {Pt[]} outer @param {number} i
 */
function wall(b, sh, outer, i) {
  const w = G.wall(sh.polygon, i), n = sh.polygon.length, T = sh.wallThickness;
  const o0 = outer[i], o1 = outer[(i + 1) % n];
  /** @param {number} t @returns {Pt} */
  const inner = (t) => ({ x: w.a.x + w.dir.x * t, y: w.a.y + w.dir.y * t });
  /** @param {number} t @returns {Pt} */
  const out = (t) => (t <= 0 ? o0 : t >= w.len - 1e-6 ? o1 : { x: w.a.x + w.dir.x * t - w.normal.x * T, y: w.a.y + w.dir.y * t - w.normal.y * T });
  const V = (/** @type {Pt} */ q, /** @type {number} */ y) => /** @type {Vec3} */ ([q.x, y, q.y]);
  const nIn = /** @type {Vec3} */ ([w.normal.x, 0, w.normal.y]), nOut = /** @type {Vec3} */ ([-w.normal.x, 0, -w.normal.y]);
  for (const [t0, t1, y0, y1] of wallPieces(sh, i)) {
    const a = inner(t0), c = inner(t1), ao = out(t0), co = out(t1);
    b.quad(V(a, y0), V(c, y0), V(c, y1), V(a, y1), nIn, WALL);
    b.quad(V(co, y0), V(ao, y0), V(ao, y1), V(co, y1), nOut, WALL);
    b.quad(V(a, y1), V(c, y1), V(co, y1), V(ao, y1), [0, 1, 0], y1 >= WALL_HEIGHT ? WALL_TOP : SILL);
    if (y0 > 0) b.quad(V(a, y0), V(ao, y0), V(co, y0), V(c, y0), [0, -1, 0], WALL);
    if (t0 > 0) b.quad(V(a, y0), V(a, y1), V(ao, y1), V(ao, y0), [w.dir.x, 0, w.dir.y], SILL);
    if (t1 < w.len - 1e-6) b.quad(V(c, y0), V(co, y0), V(co, y1), V(c, y1), [-w.dir.x, 0, -w.dir.y], SILL);
  }
}

/**
 * volumes are an item's boxes in its own frame: x across (-w/2..w/2), z
 * from its back (-d/2) to its front, y up; by category.
 * @param {string} category @param {number} w @param {number} d @param {number} h
 * @returns {Array<{lo: Vec3, hi: Vec3, shade: number}>} shade darkens the colour (0..1)
 */
export function volumes(category, w, d, h) {
  const x0 = -w / 2, x1 = w / 2, z0 = -d / 2, z1 = d / 2;
  /** @type {(lo: Vec3, hi: Vec3, shade?: number) => {lo: Vec3, hi: Vec3, shade: number}} */
  const v = (lo, hi, shade = 0) => ({ lo, hi, shade });
  /** @param {number} top @param {number} t leg thickness */
  const legs = (top, t) => [v([x0, 0, z0], [x0 + t, top, z0 + t], 0.25), v([x1 - t, 0, z0], [x1, top, z0 + t], 0.25),
    v([x0, 0, z1 - t], [x0 + t, top, z1], 0.25), v([x1 - t, 0, z1 - t], [x1, top, z1], 0.25)];
  switch (category) {
    case 'sofas':
    case 'armchairs': {
      const arm = Math.min(20, w / 6), back = Math.min(22, d / 4), seat = Math.min(45, h * 0.55);
      return [v([x0 + arm, 0, z0 + back], [x1 - arm, seat, z1]), v([x0, 0, z0], [x1, h, z0 + back], 0.12),
        v([x0, 0, z0 + back], [x0 + arm, seat + 18, z1], 0.06), v([x1 - arm, 0, z0 + back], [x1, seat + 18, z1], 0.06)];
    }
    case 'tables':
    case 'desks': {
      const top = Math.max(2, Math.min(4, h * 0.06));
      return [v([x0, h - top, z0], [x1, h, z1]), ...legs(h - top, Math.min(6, w / 8, d / 8))];
    }
    case 'chairs': {
      const seat = Math.min(46, h * 0.5);
      return [v([x0, seat - 4, z0], [x1, seat, z1]), v([x0, seat, z0], [x1, h, z0 + 4], 0.12), ...legs(seat - 4, 4)];
    }
    case 'beds': {
      const mat = Math.min(50, h * 0.5);
      return [v([x0, 0, z0 + 6], [x1, mat, z1]), v([x0, 0, z0], [x1, h, z0 + 6], 0.2), v([x0 + 6, mat, z0 + 8], [x1 - 6, mat + 10, z0 + 45], -0.3)];
    }
    case 'rugs':
      return [v([x0, 0, z0], [x1, Math.min(h, 2) || 1, z1])];
    case 'lighting': {
      const r = Math.min(w, d) / 2, pole = Math.max(2, r / 8), shade = Math.min(30, h / 4);
      return [v([-pole, 0, -pole], [pole, h - shade, pole], 0.3), v([-r, h - shade, -r], [r, h, r], -0.2), v([-r * 0.7, 0, -r * 0.7], [r * 0.7, 3, r * 0.7], 0.3)];
    }
    default:
      return [v([x0, 0, z0], [x1, h, z1])];
  }
}

/**
 * @param {Vec3} p item-frame point @param {number} rot degrees clockwise on the plan @param {number} cx @param {number} cz
 * @returns {Vec3}
 */
function place(p, rot, cx, cz) {
  const [x, y, z] = p;
  switch (rot) {
    case 90: return [cx - z, y, cz + x];
    case 180: return [cx - x, y, cz - z];
    case 270: return [cx + z, y, cz - x];
    default: return [cx + x, y, cz + z];
  }
}

/**
 * buildScene makes the whole scene of doc; selected items are drawn lighter.
 * @param {Doc} doc @param {(id: string) => (import('../api.js').Product | null | undefined)} lookup @param {string | null} selected
 * @returns {Scene}
 */
export function buildScene(doc, lookup, selected) {
  const sh = shapeOf(doc.room), b = new Buf();
  floor(b, sh.polygon);
  const floorRange = { first: 0, count: b.count };
  const outer = G.outerOutline(sh.polygon, sh.wallThickness);
  const walls = [];
  for (let i = 0; i < sh.polygon.length; i++) {
    const first = b.count;
    wall(b, sh, outer, i);
    const w = G.wall(sh.polygon, i);
    walls.push({ first, count: b.count - first, out: { x: -w.normal.x, y: -w.normal.y } });
  }
  const itemsFirst = b.count;
  /** @type {Pick[]} */
  const picks = [];
  for (const it of doc.items) {
    const p = lookup(it.productId);
    const { w: fw, d: fd } = size(it, lookup);
    const h = p?.height || 50;
    const z0 = p?.mount === 'wall' ? p.mountHeight ?? 0 : 0; // wall-mounted: lifted to its height
    const base = hex(p?.color || DEFAULT_ITEM);
    const lift = it.id === selected ? 0.35 : 0;
    const uw = it.rotation % 180 ? fd : fw, ud = it.rotation % 180 ? fw : fd; // unrotated width and depth
    for (const vol of volumes(p?.category ?? '', uw, ud, h)) {
      const a = place(vol.lo, it.rotation, it.x, it.y), c = place(vol.hi, it.rotation, it.x, it.y);
      const lo = /** @type {Vec3} */ ([Math.min(a[0], c[0]), Math.min(a[1], c[1]) + z0, Math.min(a[2], c[2])]);
      const hi = /** @type {Vec3} */ ([Math.max(a[0], c[0]), Math.max(a[1], c[1]) + z0, Math.max(a[2], c[2])]);
      const k = 1 - vol.shade;
      const col = /** @type {Vec3} */ (base.map((ch) => Math.min(1, ch * k + (vol.shade < 0 ? -vol.shade * 0.5 : 0)) * (1 - lift) + lift));
      b.box(lo, hi, col);
    }
    picks.push({ id: it.id, min: [it.x - fw / 2, z0, it.y - fd / 2], max: [it.x + fw / 2, z0 + h, it.y + fd / 2] });
  }
  return { data: b.a.subarray(0, b.n), floor: floorRange, walls, items: { first: itemsFirst, count: b.count - itemsFirst }, picks };
}
