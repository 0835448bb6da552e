// symbols.js: top-down furniture symbols, drawn to a product's footprint in
// cm, the way floor plans draw them: a sofa's back, arms and seat cushions, a
// bed's pillows and cover, a table with its chairs, a wardrobe's doors, a
// kitchen unit's worktop, a lamp, a rug (translucent, under the rest). The
// plan and the catalog cards draw the same symbols. shapeOf and the path
// builders are DOM-free (symbols.test.js); drawSymbol makes the elements.
// A symbol is drawn unrotated, its back at the top (y = -d/2), centred on 0.

import { s } from '../dom.js';

/**
 * @typedef {'sofa' | 'armchair' | 'bed' | 'dining' | 'table' | 'chair' | 'stool' | 'bench' | 'desk' |
 *   'wardrobe' | 'shelf' | 'drawers' | 'storage' | 'kitchen' | 'sink' | 'tall' | 'island' | 'lamp' | 'rug' | 'box'} Kind
 * @typedef {{kind: Kind, round: boolean, parts: number}} Shape parts: cushions, doors, seats, pillows
 * @typedef {{base: string, shade: string, light: string, lines: string}} Paths path data by layer:
 *   base in the product's colour, shade darker, light lighter, lines stroked only
 * @typedef {{name?: string, category?: string, width: number, depth: number}} ProductLike
 */

const has = (/** @type {string} */ text, /** @type {RegExp} */ re) => re.test(text);

/**
 * shapeOf picks a product's symbol from its category and name (any
 * retailer's words: the seed's categories, then common names).
 * @param {ProductLike} p
 * @returns {Shape}
 */
export function shapeOf(p) {
  const name = String(p.name ?? '').toLowerCase();
  const cat = String(p.category ?? '').toLowerCase();
  const all = `${cat} ${name}`;
  const w = p.width, d = p.depth;
  const round = has(name, /\b(round|rund|circular|rond)/) || (has(all, /rug|tapis|lamp|light|stool/) && w === d && has(name, /round|rund/));
  const num = (/** @type {RegExp} */ re) => Number(re.exec(name)?.[1] ?? 0);
  /** @type {Kind} */
  let kind = 'box';
  let parts = 0;
  if (has(all, /\brug|carpet|tapis|runner/)) kind = 'rug';
  else if (has(all, /lamp|light|lumin|lampe/)) kind = 'lamp';
  else if (has(all, /\bbed|\bcot\b|daybed|\blit\b/) && !has(name, /bedside|sofa bed/)) { kind = 'bed'; parts = w >= 120 ? 2 : 1; }
  else if (has(all, /sofa|couch|canap|loveseat/)) { kind = 'sofa'; parts = num(/(\d)-seat/) || Math.max(1, Math.min(4, Math.round((w - 40) / 60))); }
  else if (has(all, /armchair|recliner|lounge chair|wingback|fauteuil|rocking|cocktail chair|swivel/)) { kind = 'armchair'; parts = 1; }
  else if (has(name, /stool|tabouret/)) kind = 'stool';
  else if (has(name, /bench|banc/)) kind = 'bench';
  else if (has(all, /chair|chaise/)) kind = 'chair';
  else if (has(all, /dining|salle à manger/) && has(all, /table/)) { kind = 'dining'; parts = num(/(\d+) seats/) || Math.max(2, Math.round(w / 60) * 2); }
  else if (has(all, /desk|bureau/) && !has(name, /drawer unit|pedestal/)) kind = 'desk';
  else if (has(all, /table/)) kind = 'table';
  else if (has(name, /sink|évier/)) kind = 'sink';
  else if (has(name, /island|îlot/)) kind = 'island';
  else if (has(all, /kitchen|cuisine/) && has(name, /tall|pantry|oven|hood|wall/)) kind = 'tall';
  else if (has(all, /kitchen|cuisine/)) kind = 'kitchen';
  else if (has(name, /wardrobe|armoire|closet/)) { kind = 'wardrobe'; parts = num(/(\d) doors/) || Math.max(1, Math.round(w / 50)); }
  else if (has(name, /bookcase|shelf|shelving|étagère/)) { kind = 'shelf'; parts = Math.max(1, Math.round(w / 40)); }
  else if (has(name, /drawer|chest|commode/)) { kind = 'drawers'; parts = Math.max(1, Math.round(w / 60)); }
  else if (has(all, /storage|cabinet|sideboard|highboard|bench|bedside|rangement/)) { kind = 'storage'; parts = Math.max(1, Math.round(w / 60)); }
  return { kind, round, parts };
}

/** f1 writes a number to one decimal place. @param {number} v */
const f1 = (v) => String(Math.round(v * 10) / 10);

/**
 * rr is a rounded rectangle's path data.
 * @param {number} x @param {number} y @param {number} w @param {number} h @param {number} r
 */
export function rr(x, y, w, h, r) {
  if (w <= 0 || h <= 0) return '';
  r = Math.max(0, Math.min(r, w / 2, h / 2));
  if (r === 0) return `M${f1(x)} ${f1(y)}h${f1(w)}v${f1(h)}h${f1(-w)}z`;
  return `M${f1(x + r)} ${f1(y)}h${f1(w - 2 * r)}a${f1(r)} ${f1(r)} 0 0 1 ${f1(r)} ${f1(r)}v${f1(h - 2 * r)}` +
    `a${f1(r)} ${f1(r)} 0 0 1 ${f1(-r)} ${f1(r)}h${f1(-(w - 2 * r))}a${f1(r)} ${f1(r)} 0 0 1 ${f1(-r)} ${f1(-r)}` +
    `v${f1(-(h - 2 * r))}a${f1(r)} ${f1(r)} 0 0 1 ${f1(r)} ${f1(-r)}z`;
}

/** ell is an ellipse's path data. @param {number} cx @param {number} cy @param {number} rx @param {number} ry */
export function ell(cx, cy, rx, ry) {
  if (rx <= 0 || ry <= 0) return '';
  return `M${f1(cx - rx)} ${f1(cy)}a${f1(rx)} ${f1(ry)} 0 1 0 ${f1(2 * rx)} 0a${f1(rx)} ${f1(ry)} 0 1 0 ${f1(-2 * rx)} 0z`;
}

/** line is a segment's path data. @param {number} x1 @param {number} y1 @param {number} x2 @param {number} y2 */
const line = (x1, y1, x2, y2) => `M${f1(x1)} ${f1(y1)}L${f1(x2)} ${f1(y2)}`;

/**
 * paths draws a shape in a w × d footprint centred on 0.
 * @param {Shape} sh
 * @param {number} w
 * @param {number} d
 * @returns {Paths}
 */
export function paths(sh, w, d) {
  const x0 = -w / 2, y0 = -d / 2;
  const small = Math.min(w, d);
  const p = { base: '', shade: '', light: '', lines: '' };
  const box = (r = Math.min(4, small / 8)) => (sh.round ? ell(0, 0, w / 2, d / 2) : rr(x0, y0, w, d, r));
  switch (sh.kind) {
    case 'sofa':
    case 'armchair': {
      const back = Math.min(d * 0.24, 22), arm = Math.min(w * 0.14, 18);
      p.base = rr(x0, y0, w, d, Math.min(8, small / 6));
      p.shade = rr(x0, y0, w, back, Math.min(8, small / 6)) + rr(x0, y0, arm, d, Math.min(8, small / 6)) + rr(w / 2 - arm, y0, arm, d, Math.min(8, small / 6));
      const n = Math.max(1, sh.parts), gap = 2, iw = w - 2 * arm, cw = (iw - gap * (n + 1)) / n;
      const chaise = sh.kind === 'sofa' && d > 130;
      const seatD = chaise ? Math.min(d - back - gap * 2, 70) : d - back - gap * 2;
      for (let i = 0; i < n; i++) {
        const cx = x0 + arm + gap + i * (cw + gap);
        const ch = chaise && i === n - 1 ? d - back - gap * 2 : seatD;
        p.light += rr(cx, y0 + back + gap, cw, ch, Math.min(5, cw / 5));
      }
      break;
    }
    case 'bed': {
      const head = Math.min(d * 0.06, 10), inset = Math.min(4, w * 0.04);
      p.base = rr(x0, y0, w, d, 3);
      p.shade = rr(x0, y0, w, head, 2);
      const cover = y0 + d * 0.3;
      p.light = rr(x0 + inset, cover, w - 2 * inset, y0 + d - inset - cover, 4);
      const n = Math.max(1, sh.parts), pw = (w - 2 * inset - 6 * (n + 1)) / n;
      for (let i = 0; i < n; i++) p.light += rr(x0 + inset + 6 + i * (pw + 6), y0 + head + 4, pw, Math.min(d * 0.14, 32), 6);
      p.lines = line(x0 + inset, cover + Math.min(d * 0.1, 22), w / 2 - inset, cover + Math.min(d * 0.1, 22));
      break;
    }
    case 'dining': {
      // The footprint is the table top; the chairs tuck half under it.
      p.base = box(3);
      p.lines = sh.round ? ell(0, 0, w / 2 - 4, d / 2 - 4) : rr(x0 + 4, y0 + 4, w - 8, d - 8, 2);
      const seat = Math.min(42, small * 0.45);
      if (sh.round) {
        const n = Math.max(3, Math.min(8, sh.parts || 4));
        for (let i = 0; i < n; i++) {
          const a = (i / n) * Math.PI * 2 - Math.PI / 2;
          const cx = Math.cos(a) * (w / 2), cy = Math.sin(a) * (d / 2);
          p.shade += rr(cx - seat / 2, cy - seat / 2, seat, seat, 5);
        }
      } else {
        const per = Math.max(1, Math.floor(Math.max(2, sh.parts) / 2));
        const step = w / per;
        for (let i = 0; i < per; i++) {
          const cx = x0 + step * (i + 0.5) - seat / 2;
          p.shade += rr(cx, y0 - seat * 0.45, seat, seat * 0.8, 5) + rr(cx, y0 + d - seat * 0.35, seat, seat * 0.8, 5);
        }
      }
      break;
    }
    case 'table':
      p.base = box(3);
      p.lines = sh.round ? ell(0, 0, w / 2 * 0.82, d / 2 * 0.82) : rr(x0 + small * 0.1, y0 + small * 0.1, w - small * 0.2, d - small * 0.2, 2);
      break;
    case 'desk':
      p.base = rr(x0, y0, w, d, 2);
      p.shade = rr(w / 2 - Math.min(42, w * 0.3), y0 + 3, Math.min(40, w * 0.3) - 3, d - 6, 2);
      p.lines = line(x0 + w * 0.2, y0 + d * 0.2, x0 + w * 0.55, y0 + d * 0.2);
      break;
    case 'chair': {
      p.base = rr(x0, y0, w, d, Math.min(8, small / 4));
      p.shade = rr(x0, y0, w, Math.min(d * 0.22, 10), Math.min(6, small / 5));
      p.light = rr(x0 + w * 0.12, y0 + d * 0.32, w * 0.76, d * 0.56, 5);
      break;
    }
    case 'stool':
      p.base = ell(0, 0, w / 2, d / 2);
      p.light = ell(0, 0, w * 0.32, d * 0.32);
      break;
    case 'bench': {
      p.base = rr(x0, y0, w, d, 3);
      const n = Math.max(2, Math.round(d / 9));
      for (let i = 1; i < n; i++) p.lines += line(x0 + 3, y0 + (d * i) / n, w / 2 - 3, y0 + (d * i) / n);
      break;
    }
    case 'wardrobe':
    case 'storage':
    case 'drawers':
    case 'shelf': {
      // The front is the bottom edge; doors (or sections) divide it.
      p.base = rr(x0, y0, w, d, 1.5);
      const front = Math.min(5, d * 0.12);
      p.shade = rr(x0, y0 + d - front, w, front, 1);
      const n = Math.max(1, sh.parts);
      for (let i = 1; i < n; i++) p.lines += line(x0 + (w * i) / n, y0 + 2, x0 + (w * i) / n, y0 + d - front);
      if (sh.kind === 'wardrobe') {
        for (let i = 0; i < n; i++) p.lines += line(x0 + (w * i) / n, y0 + d - front, x0 + (w * (i + 1)) / n, y0 + 3); // door leaves
      } else if (sh.kind === 'shelf') {
        p.lines += line(x0 + 2, 0, w / 2 - 2, 0);
      }
      break;
    }
    case 'kitchen':
    case 'sink':
    case 'island':
    case 'tall': {
      // A base unit under its worktop (lighter, with its front edge); a tall or wall unit crossed.
      p.base = rr(x0, y0, w, d, 1);
      if (sh.kind === 'tall') {
        p.lines = line(x0, y0, w / 2, d / 2) + line(w / 2, y0, x0, d / 2);
        break;
      }
      p.light = rr(x0 + 1, y0 + 1, w - 2, d - 2, 1);
      p.lines = line(x0 + 1, d / 2 - 3, w / 2 - 1, d / 2 - 3);
      if (sh.kind === 'sink') {
        p.shade = rr(-w * 0.3, y0 + d * 0.25, w * 0.6, d * 0.5, 5) + ell(0, y0 + d * 0.14, 2.5, 2.5);
      } else if (sh.kind === 'island') {
        p.lines += rr(x0 + 6, y0 + 6, w - 12, d - 12, 2);
      }
      break;
    }
    case 'lamp': {
      if (w > d * 2) { // an arc lamp: its foot, its arc, its shade
        const r = d / 2;
        p.shade = ell(x0 + r, 0, r * 0.9, r * 0.9);
        p.light = ell(w / 2 - r, 0, r, r);
        p.lines = `M${f1(x0 + r)} ${f1(0)}Q${f1(0)} ${f1(-d * 0.9)} ${f1(w / 2 - r)} ${f1(0)}`;
        break;
      }
      p.base = ell(0, 0, w / 2, d / 2);
      p.light = ell(0, 0, w * 0.34, d * 0.34);
      p.lines = line(-w * 0.34, 0, w * 0.34, 0) + line(0, -d * 0.34, 0, d * 0.34);
      break;
    }
    case 'rug': {
      p.base = box(1);
      const b = Math.min(8, small * 0.08);
      p.lines = sh.round ? ell(0, 0, w / 2 - b, d / 2 - b) + ell(0, 0, w / 2 - 2.5 * b, d / 2 - 2.5 * b)
        : rr(x0 + b, y0 + b, w - 2 * b, d - 2 * b, 0) + rr(x0 + 2.5 * b, y0 + 2.5 * b, w - 5 * b, d - 5 * b, 0);
      if (!sh.round) {
        // Fringes on the short ends.
        const long = d >= w;
        const n = Math.max(3, Math.round((long ? w : d) / 8));
        for (let i = 0; i <= n; i++) {
          if (long) { const x = x0 + (w * i) / n; p.lines += line(x, y0 - 3, x, y0) + line(x, y0 + d, x, y0 + d + 3); }
          else { const y = y0 + (d * i) / n; p.lines += line(x0 - 3, y, x0, y) + line(x0 + w, y, x0 + w + 3, y); }
        }
      }
      break;
    }
    default:
      p.base = rr(x0, y0, w, d, 2);
      p.shade = rr(x0, y0, w, Math.min(4, d * 0.1), 1);
  }
  return p;
}

/**
 * shadeOf mixes a "#rrggbb" colour toward black (k < 0) or white (k > 0).
 * @param {string} hex
 * @param {number} k -1..1
 */
export function shadeOf(hex, k) {
  if (!/^#[0-9a-fA-F]{6}$/.test(hex)) return hex;
  const n = parseInt(hex.slice(1), 16);
  const mix = (/** @type {number} */ c) => Math.round(k < 0 ? c * (1 + k) : c + (255 - c) * k);
  return '#' + [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(mix).map((c) => c.toString(16).padStart(2, '0')).join('');
}

/**
 * drawSymbol fills g (emptied first) with a product's symbol in a w × d
 * footprint, unrotated.
 * @param {SVGGElement} g
 * @param {ProductLike | null} p null: an unknown or loading product (a plain box)
 * @param {string} color "#rrggbb"
 * @param {number} w
 * @param {number} d
 * @returns {Shape}
 */
export function drawSymbol(g, p, color, w, d) {
  const sh = p ? shapeOf(p) : { kind: /** @type {Kind} */ ('box'), round: false, parts: 0 };
  const ps = paths(sh, w, d);
  const kids = [];
  if (ps.base) kids.push(s('path', { class: 'sym-base', d: ps.base, fill: color }));
  if (ps.shade) kids.push(s('path', { class: 'sym-shade', d: ps.shade, fill: shadeOf(color, -0.28) }));
  if (ps.light) kids.push(s('path', { class: 'sym-light', d: ps.light, fill: shadeOf(color, 0.35) }));
  if (ps.lines) kids.push(s('path', { class: 'sym-lines', d: ps.lines }));
  g.replaceChildren(...kids);
  g.setAttribute('class', `ed-sym sym-${sh.kind}`);
  return sh;
}

/**
 * thumbnail is a product's symbol as a small <svg> for a catalog card.
 * @param {ProductLike} p
 * @param {string} color
 */
export function thumbnail(p, color) {
  const w = Math.max(1, p.width), d = Math.max(1, p.depth);
  const m = Math.max(w, d) * 0.12;
  const g = s('g');
  drawSymbol(g, p, color || '#9aa3ad', w, d);
  return s('svg', { class: 'thumb', viewBox: `${f1(-w / 2 - m)} ${f1(-d / 2 - m)} ${f1(w + 2 * m)} ${f1(d + 2 * m)}`, 'aria-hidden': 'true', focusable: 'false' }, g);
}
