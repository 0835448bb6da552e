// catalog-dnd.js: the shell's catalog list as a source of products for the
// editor. A click (or Enter on a card's Add button) adds a product at a free
// spot; dragging a card with any pointer (mouse, pen, touch moving sideways)
// and releasing it over the plan places it there.

/**
 * @typedef {{add(id: string): boolean, drop(id: string, x: number, y: number): boolean, over(x: number, y: number): boolean}} Target
 */

/**
 * attachCatalog wires list (the #catalog element) to target.
 * @param {HTMLElement} list
 * @param {() => Target | null} target
 * @returns {() => void} detaches
 */
export function attachCatalog(list, target) {
  /** @type {null | {id: string, pid: number, sx: number, sy: number, ghost: HTMLElement | null, card: HTMLElement}} */
  let drag = null;
  let suppressClick = false;

  /** @param {EventTarget | null} t */
  const cardOf = (t) => (t instanceof Element ? /** @type {HTMLElement | null} */ (t.closest('[data-product-id]')) : null);

  /** @param {MouseEvent} e */
  const onClick = (e) => {
    if (suppressClick) { suppressClick = false; return; }
    const id = cardOf(e.target)?.dataset.productId;
    if (id) target()?.add(id);
  };

  /** @param {PointerEvent} e */
  const onDown = (e) => {
    const card = cardOf(e.target);
    if (!card || e.button !== 0 || drag) return;
    drag = { id: card.dataset.productId ?? '', pid: e.pointerId, sx: e.clientX, sy: e.clientY, ghost: null, card };
  };

  /** @param {PointerEvent} e */
  const onMove = (e) => {
    if (!drag || e.pointerId !== drag.pid) return;
    if (!drag.ghost) {
      if (Math.hypot(e.clientX - drag.sx, e.clientY - drag.sy) < 8) return;
      drag.ghost = document.createElement('div');
      drag.ghost.className = 'drag-ghost';
      drag.ghost.setAttribute('aria-hidden', 'true');
      drag.ghost.textContent = drag.card.querySelector('.product-name')?.textContent ?? drag.id;
      document.body.append(drag.ghost);
      try { drag.card.setPointerCapture(e.pointerId); } catch { /* already released */ }
    }
    // CSSOM writes are allowed by style-src 'self'; style attributes in markup are not.
    drag.ghost.style.transform = `translate(${e.clientX + 8}px, ${e.clientY + 8}px)`;
    drag.ghost.classList.toggle('over', target()?.over(e.clientX, e.clientY) ?? false);
    e.preventDefault();
  };

  /** @param {PointerEvent} e */
  const onUp = (e) => {
    if (!drag || e.pointerId !== drag.pid) return;
    const d = drag;
    drag = null;
    if (!d.ghost) return;
    d.ghost.remove();
    suppressClick = true;
    setTimeout(() => { suppressClick = false; }, 0);
    if (e.type === 'pointerup') target()?.drop(d.id, e.clientX, e.clientY);
  };

  list.addEventListener('click', onClick);
  list.addEventListener('pointerdown', onDown);
  list.addEventListener('pointermove', onMove);
  list.addEventListener('pointerup', onUp);
  list.addEventListener('pointercancel', onUp);
  return () => {
    list.removeEventListener('click', onClick);
    list.removeEventListener('pointerdown', onDown);
    list.removeEventListener('pointermove', onMove);
    list.removeEventListener('pointerup', onUp);
    list.removeEventListener('pointercancel', onUp);
  };
}
