import { shared } from '../shared.js';

/** view is only fetched when the page imports it. */
export function view() {
  return 'LAZY_VIEW ' + shared('lazy');
}
