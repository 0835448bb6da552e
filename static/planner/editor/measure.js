// measure.js: lengths on the plan. gaps are the distances shown while an
// item is dragged, from each side of its footprint straight out to the first
// wall; labelSpot is where a wall's length is written, outside it. Both are
// pure (node --test); marks draws gaps as SVG in the plan's cm coordinates.

import { formatLength } from './units.js';
import { s } from '../dom.js';

/** @typedef {{x: number, y: number}} Pt */
/** @typedef {{from: Pt, to: Pt, cm: number}} Gap */

/**
 * gaps are the distances from the middle of each side of the footprint r
 * (left, right, back, front) to the first wall of the polygon straight out
 * from it; a side with no wall in front of it (outside the room) has none.
 * @param {Pt[]} polygon @param {{x0: number, y0: number, x1: number, y1: number}} r @returns {Gap[]}
 */
export function gaps(polygon, r) {
  const mx = (r.x0 + r.x1) / 2, my = (r.y0 + r.y1) / 2;
  /** @type {Array<[Pt, Pt]>} from, direction */
  const rays = [[{ x: r.x0, y: my }, { x: -1, y: 0 }], [{ x: r.x1, y: my }, { x: 1, y: 0 }],
    [{ x: mx, y: r.y0 }, { x: 0, y: -1 }], [{ x: mx, y: r.y1 }, { x: 0, y: 1 }]];
  /** @type {Gap[]} */
  const out = [];
  for (const [from, d] of rays) {
    let best = Infinity;
    for (let i = 0; i < polygon.length; i++) {
      const a = polygon[i], b = polygon[(i + 1) % polygon.length];
      const t = hit(from, d, a, b);
      if (t !== null && t < best) best = t;
    }
    if (Number.isFinite(best)) out.push({ from, to: { x: from.x + d.x * best, y: from.y + d.y * best }, cm: Math.round(best * 10) / 10 });
  }
  return out;
}

/** LABEL_GAP is the space (cm) between a wall's outer face and its length. */
export const LABEL_GAP = 4;

/**
 * labelSpot is where wall w's length is written: beside the middle of its
 * outer face (t thick), along the wall and upright (angle in [-90, 90)
 * degrees, so side walls read bottom to top), with the edge of the text
 * that faces the wall at the point: 'after' (the text's bottom there, it
 * stands above) or 'before' (its top, it hangs below). The text grows away
 * from the wall whatever its size, so it never reaches into the room.
 * @param {{a: Pt, b: Pt, dir: Pt, normal: Pt}} w a wall (geometry.js, normal into the room) @param {number} t
 * @returns {{x: number, y: number, angle: number, edge: 'before' | 'after'}}
 */
export function labelSpot(w, t) {
  const k = t + LABEL_GAP;
  const x = (w.a.x + w.b.x) / 2 - w.normal.x * k, y = (w.a.y + w.b.y) / 2 - w.normal.y * k;
  let angle = (Math.atan2(w.dir.y, w.dir.x) * 180) / Math.PI;
  if (angle >= 90 - 1e-9) angle -= 180;
  else if (angle < -90 - 1e-9) angle += 180;
  angle = Math.round(angle * 100) / 100 || 0;
  // The text's up, once turned: (sin, -cos) on the plan (y down).
  const rad = (angle * Math.PI) / 180;
  const up = Math.sin(rad) * -w.normal.x - Math.cos(rad) * -w.normal.y;
  return { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10, angle, edge: up > 0 ? 'after' : 'before' };
}

/** hit is how far along the ray (from, d) the segment ab is met, or null. @param {Pt} o @param {Pt} d @param {Pt} a @param {Pt} b */
function hit(o, d, a, b) {
  const ex = b.x - a.x, ey = b.y - a.y;
  const den = d.x * ey - d.y * ex;
  if (Math.abs(den) < 1e-9) return null; // parallel
  const t = ((a.x - o.x) * ey - (a.y - o.y) * ex) / den;
  const u = ((a.x - o.x) * d.y - (a.y - o.y) * d.x) / den;
  return t >= -0.01 && u >= 0 && u <= 1 ? Math.max(0, t) : null;
}

/**
 * marks draws gaps as dimension lines with their lengths.
 * @param {Gap[]} list @param {import('./units.js').Units} units @returns {SVGElement[]}
 */
export function marks(list, units) {
  return list.filter((g) => g.cm >= 1).map((g) => {
    const el = s('g', { class: 'ed-gap', 'data-testid': 'drag-gap', 'data-cm': String(g.cm), 'pointer-events': 'none' });
    const t = s('text', { x: String((g.from.x + g.to.x) / 2), y: String((g.from.y + g.to.y) / 2), 'font-size': '11', 'text-anchor': 'middle',
      'dominant-baseline': 'central', fill: '#1d4ed8', stroke: '#fff', 'stroke-width': '3', 'paint-order': 'stroke' });
    t.textContent = formatLength(g.cm, units);
    el.append(s('line', { x1: String(g.from.x), y1: String(g.from.y), x2: String(g.to.x), y2: String(g.to.y), stroke: '#1d4ed8', 'stroke-width': '1', 'stroke-dasharray': '3 2' }), t);
    return el;
  });
}

/** @typedef {Pt & {on: 'corner' | 'wall' | 'free'}} Snapped a measuring point and what it snapped to */

/**
 * snapPoint is where a measuring click at p lands, as the editor snaps: on a
 * corner of the room within tol cm, else straight across onto the nearest
 * wall's inner face within tol, else at p, to the nearest cm.
 * @param {Pt[]} polygon the room's inner outline @param {Pt} p @param {number} tol cm
 * @returns {Snapped}
 */
export function snapPoint(polygon, p, tol) {
  let corner = null, best = tol;
  for (const c of polygon) {
    const d = Math.hypot(c.x - p.x, c.y - p.y);
    if (d <= best) { best = d; corner = c; }
  }
  if (corner) return { x: corner.x, y: corner.y, on: 'corner' };
  let wall = null;
  best = tol;
  for (let i = 0; i < polygon.length; i++) {
    const a = polygon[i], b = polygon[(i + 1) % polygon.length];
    const ex = b.x - a.x, ey = b.y - a.y, len2 = ex * ex + ey * ey;
    if (!len2) continue;
    const t = Math.min(1, Math.max(0, ((p.x - a.x) * ex + (p.y - a.y) * ey) / len2));
    const q = { x: a.x + ex * t, y: a.y + ey * t };
    const d = Math.hypot(q.x - p.x, q.y - p.y);
    if (d <= best) { best = d; wall = q; }
  }
  if (wall) return { x: Math.round(wall.x * 10) / 10, y: Math.round(wall.y * 10) / 10, on: 'wall' };
  return { x: Math.round(p.x), y: Math.round(p.y), on: 'free' };
}

/** distance is the length (cm, to 0.1) from a to b. @param {Pt} a @param {Pt} b */
export const distance = (a, b) => Math.round(Math.hypot(b.x - a.x, b.y - a.y) * 10) / 10;
