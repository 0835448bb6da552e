// A fixture page: a static import, a lazily imported view, and a regular
// expression literal that a line stripper took for a comment.
import { shared } from './shared.js';

const slashOrStar = /[/*]/;
export const kept = 'KEPT_AFTER_REGEXP';

document.body.dataset.shared = shared('main');
document.body.dataset.match = String(slashOrStar.test('a/b')) + kept;

export async function openLazy() {
  const { view } = await import('./lazy/view.js');
  return view();
}
