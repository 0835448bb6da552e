// layout.js: the planner page's panes at every frame size. Wide frames show
// the catalog rail (folded and unfolded with its toggle), the plan and the
// side panel side by side; narrower ones (planner.css decides where) turn the
// side panel, then the catalog, into drawers opened from the dock. One drawer
// is open at a time; Escape, its × or a tap on the plan closes it, and the
// focus goes back to the dock button that opened it.

import { byId, h } from './dom.js';

/** @typedef {'catalog' | 'side'} Drawer */

/**
 * attachLayout wires the dock, the drawers and the rail toggle.
 * @param {(key: string) => string} tr the current language's strings
 */
export function attachLayout(tr) {
  const app = byId('app');
  const panes = { catalog: byId('catalog-pane'), side: byId('side-pane') };
  const openers = { catalog: byId('open-catalog'), side: byId('open-side') };
  const closers = { catalog: byId('catalog-close'), side: byId('side-close') };
  const rail = h('button', { type: 'button', class: 'rail-toggle', 'data-testid': 'catalog-rail-toggle', 'aria-controls': 'catalog', 'aria-expanded': 'true' }, '‹');
  closers.catalog.before(rail);

  /** @param {Drawer} d */
  const isDrawer = (d) => getComputedStyle(panes[d]).position === 'absolute';
  /** @returns {Drawer | null} */
  const current = () => /** @type {Drawer | null} */ (app.dataset.drawer || null);

  /** @param {Drawer | null} d @param {boolean} [focus] */
  function show(d, focus = true) {
    const was = current();
    if (d) app.dataset.drawer = d;
    else delete app.dataset.drawer;
    for (const k of /** @type {Drawer[]} */ (['catalog', 'side'])) openers[k].setAttribute('aria-expanded', String(k === d));
    if (!focus) return;
    if (d) {
      const first = d === 'catalog' ? panes.catalog.querySelector('input[type="search"]') : closers.side;
      if (first instanceof HTMLElement) first.focus();
    } else if (was) openers[was].focus();
  }

  for (const k of /** @type {Drawer[]} */ (['catalog', 'side'])) {
    openers[k].addEventListener('click', () => show(current() === k ? null : k));
    closers[k].addEventListener('click', () => show(null));
  }
  rail.addEventListener('click', () => {
    const closed = app.classList.toggle('rail-closed');
    rail.setAttribute('aria-expanded', String(!closed));
    label();
  });
  document.addEventListener('keydown', (e) => {
    const d = current();
    if (e.key === 'Escape' && d && isDrawer(d) && !e.defaultPrevented) {
      e.preventDefault();
      show(null);
    }
  });
  // A tap on the plan closes a drawer over it.
  byId('editor-slot').addEventListener('pointerdown', () => {
    const d = current();
    if (d && isDrawer(d)) show(null, false);
  });

  // A product added from the catalog sheet: close it, so the visitor sees it on the plan.
  byId('catalog').addEventListener('click', (e) => {
    const card = e.target instanceof Element && e.target.closest('[data-product-id]');
    if (card && current() === 'catalog' && isDrawer('catalog')) show(null);
  });

  function label() {
    const closed = app.classList.contains('rail-closed');
    rail.textContent = closed ? '›' : '‹';
    rail.setAttribute('aria-label', tr(closed ? 'railShow' : 'railHide'));
    for (const c of Object.values(closers)) c.setAttribute('aria-label', tr('close'));
    openers.catalog.textContent = tr('catalog');
    openers.side.textContent = tr('summary');
    openers.side.setAttribute('aria-label', tr('summaryProjects'));
    byId('dock').setAttribute('aria-label', tr('panels'));
  }
  label();

  return { label };
}
