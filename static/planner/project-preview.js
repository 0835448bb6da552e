// project-preview.js: the small plan preview of a row of My projects, drawn
// from the list's own data (the room's outline to scale; the list carries no
// items, so none are drawn). Cheap by design: no request per project, a
// handful of SVG nodes per row. The geometry is pure, for node --test.

const SVG = 'http://www.w3.org/2000/svg';

/** PREVIEW_PAD is the margin around the room, as a share of its longer side. */
export const PREVIEW_PAD = 0.08;

/**
 * previewShape is the outline of a listed project's room as SVG points, and
 * the view box that fits it with a margin. A room without usable numbers
 * falls back to the default 400 × 300.
 * @param {unknown} room the list's `room`: {width, depth, polygon?}
 * @returns {{viewBox: string, points: string}}
 */
export function previewShape(room) {
  const r = /** @type {{width?: unknown, depth?: unknown, polygon?: unknown}} */ (room && typeof room === 'object' ? room : {});
  const num = (/** @type {unknown} */ v, /** @type {number} */ d) => (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100000 ? v : d);
  const w = num(r.width, 400), d = num(r.depth, 300);
  /** @type {Array<[number, number]>} */
  let pts = [[0, 0], [w, 0], [w, d], [0, d]];
  if (Array.isArray(r.polygon) && r.polygon.length >= 3 && r.polygon.length <= 64 &&
    r.polygon.every((p) => p && typeof p === 'object' && Number.isFinite(p.x) && Number.isFinite(p.y))) {
    pts = r.polygon.map((p) => [Number(p.x), Number(p.y)]);
  }
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs), y0 = Math.min(...ys), x1 = Math.max(...xs), y1 = Math.max(...ys);
  const m = Math.max(x1 - x0, y1 - y0) * PREVIEW_PAD;
  const f = (/** @type {number} */ n) => String(Math.round(n * 10) / 10);
  return {
    viewBox: `${f(x0 - m)} ${f(y0 - m)} ${f(x1 - x0 + 2 * m)} ${f(y1 - y0 + 2 * m)}`,
    points: pts.map(([x, y]) => `${f(x)},${f(y)}`).join(' '),
  };
}

/**
 * projectPreview is the preview's SVG element (decorative: the row's button
 * already names the project and its item count).
 * @param {unknown} room
 * @returns {SVGSVGElement}
 */
export function projectPreview(room) {
  const { viewBox, points } = previewShape(room);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'project-preview');
  svg.setAttribute('data-testid', 'project-preview');
  svg.setAttribute('viewBox', viewBox);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const floor = document.createElementNS(SVG, 'polygon');
  floor.setAttribute('points', points);
  floor.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.append(floor);
  return svg;
}
