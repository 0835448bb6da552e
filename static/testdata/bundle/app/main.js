// A fixture page: a static import, a lazily imported view, and a regular
// expression literal that a line stripper took for a comment. No DOM, so
// node can run the bundle too.
import { shared } from './shared.js';

const slashOrStar = /[/*]/;
export const kept = 'KEPT_AFTER_REGEXP';

/** @returns {string} what the page shows */
export function page() {
  return shared('main') + ' ' + String(slashOrStar.test('a/b')) + ' ' + kept;
}

/** @returns {Promise<string>} what the lazily loaded view shows */
export async function openLazy() {
  const { view } = await import('./lazy/view.js');
  return view();
}
