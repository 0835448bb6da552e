/**
 * shared is used by the page and by the lazy view, so it becomes a chunk of its own.
 * @param {string} who
 */
export function shared(who) {
  return `SHARED_CODE for ${who}`;
}
