// DOM helpers shared by the shell's view and the editor. Text always goes in
// as text nodes, never as HTML.

const SVG = 'http://www.w3.org/2000/svg';

/**
 * byId returns the page element with id; the template guarantees it.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`planner: the page has no #${id}`);
  return el;
}

/**
 * h creates an HTML element with attributes (true: present, false: absent) and
 * children (strings become text nodes, never HTML).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | boolean>} [attrs]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  el.append(...children);
  return el;
}

/**
 * setAttrs sets SVG attributes; numbers are written to one decimal place,
 * enough for centimetres on screen and short in the DOM.
 * @template {Element} E
 * @param {E} el
 * @param {Record<string, string | number>} attrs
 * @returns {E}
 */
export function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    el.setAttribute(name, typeof value === 'number' ? String(Math.round(value * 10) / 10) : value);
  }
  return el;
}

/**
 * s creates an SVG element with attributes (as setAttrs writes them) and children.
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {...Node} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attrs = {}, ...children) {
  const el = setAttrs(document.createElementNS(SVG, tag), attrs);
  el.append(...children);
  return el;
}
