// mount.js: products that hang on a wall (catalog `mount: "wall"`, with a
// mountHeight in cm from the floor to their underside): where they go, and
// the heights the overlap and window checks compare. Pure, for node --test.

import * as G from './geometry.js';

/**
 * @typedef {{width: number, depth: number, height?: number, mount?: 'wall', mountHeight?: number}} Product what of a
 *   catalog product these read (api.js Product, model.js Dims)
 * @typedef {{id: string, x0: number, y0: number, x1: number, y1: number, z0: number, z1: number}} Box a footprint with its heights
 */

/** WINDOW_REACH is how far (cm) in front of a window's wall a footprint counts as standing before it. */
export const WINDOW_REACH = 15;
/** DEFAULT_SILL is a window's sill (cm) when the document gives none. */
export const DEFAULT_SILL = 90;

/** isWallMounted: does the product hang on a wall? @param {Product | null | undefined} p */
export const isWallMounted = (p) => p?.mount === 'wall';

/**
 * heights is the span [z0, z1] (cm above the floor) a product fills: floor
 * products from 0, wall ones from their mountHeight. A product gone from the
 * catalog (or without a height) fills every height, so it still collides
 * with everything.
 * @param {Product | null | undefined} p @returns {[number, number]}
 */
export function heights(p) {
  if (!p) return [0, Infinity];
  const z0 = isWallMounted(p) ? Math.max(0, p.mountHeight ?? 0) : 0;
  return [z0, p.height ? z0 + p.height : Infinity];
}

/** apart: do two spans of heights not meet (a wall cabinet above a base cabinet)? @param {[number, number]} a @param {[number, number]} b */
export const apart = (a, b) => a[1] <= b[0] + 0.01 || b[1] <= a[0] + 0.01;

/**
 * onWall places a wall-mounted product near (x, y): its back on the nearest
 * wall's inner face, facing the room (geometry.js snapToWall), the centre
 * snapped to the 5 cm grid along the wall.
 * @param {G.Pt[]} polygon the room @param {Product} p @param {number} x @param {number} y
 * @returns {{x: number, y: number, rotation: 0 | 90 | 180 | 270}}
 */
export function onWall(polygon, p, x, y) {
  const near = G.nearestWall(polygon, { x, y }), w = G.wall(polygon, near.wall);
  const along = Math.round(near.along / 5) * 5;
  const at = { x: w.a.x + w.dir.x * along + w.normal.x, y: w.a.y + w.dir.y * along + w.normal.y };
  const s = G.snapToWall(polygon, p.width, p.depth, at);
  return { x: s.x, y: s.y, rotation: s.rotation };
}

/**
 * windowProblems lists the items standing before a window whose heights
 * reach over its sill and under its top: a wardrobe in front of a window is
 * one, a low bench under it is not, nor a shelf above it.
 * @param {G.Shape} s @param {Box[]} boxes
 * @returns {Array<{itemId: string, openingId: string, kind: 'window'}>}
 */
export function windowProblems(s, boxes) {
  /** @type {Array<{itemId: string, openingId: string, kind: 'window'}>} */
  const out = [];
  for (const o of s.openings) {
    if (o.kind !== 'window') continue;
    const { start, end, normal } = G.openingFrame(s, o);
    const zone = [start, end, { x: end.x + normal.x * WINDOW_REACH, y: end.y + normal.y * WINDOW_REACH },
      { x: start.x + normal.x * WINDOW_REACH, y: start.y + normal.y * WINDOW_REACH }];
    const sill = o.sill ?? DEFAULT_SILL, top = sill + (o.height ?? G.DEFAULT_HEIGHT.window);
    for (const b of boxes) {
      if (apart([b.z0, b.z1], [sill, top])) continue;
      const box = [{ x: b.x0, y: b.y0 }, { x: b.x1, y: b.y0 }, { x: b.x1, y: b.y1 }, { x: b.x0, y: b.y1 }];
      if (G.convexOverlap(zone, box)) out.push({ itemId: b.id, openingId: o.id, kind: 'window' });
    }
  }
  return out;
}
