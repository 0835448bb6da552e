// hold-queue.js: the calls the token gate holds while it has no usable token.
//
// Items wait in creation order (by seq, so a call held again after a refused
// attempt keeps its original place), each with its own deadline, and the
// queue has a bound, so nothing waits for ever and a host that never answers
// cannot make the planner pile up work. Every item that leaves the queue, by
// whatever way, has its deadline timer stopped.

/**
 * @typedef {import('./clock.js').Clock} Clock
 */

/**
 * @template T
 * @typedef {{item: T, timer: unknown}} Entry
 */

/**
 * createHoldQueue returns an empty queue.
 * @template {{seq: number}} T
 * @param {object} opts
 * @param {Clock} opts.clock arms the deadlines
 * @param {number} opts.deadlineMs how long an item may wait
 * @param {number} opts.max how many items may wait at once
 * @param {(item: T) => void} opts.onTimeout called with an item once its deadline passed; it is no longer held
 */
export function createHoldQueue({ clock, deadlineMs, max, onTimeout }) {
  /** @type {Entry<T>[]} by item.seq */
  const held = [];

  /** @param {Entry<T>[]} entries */
  function release(entries) {
    for (const e of entries) clock.clearTimeout(e.timer);
    return entries.map((e) => e.item);
  }

  return {
    /** length is the number of items waiting. */
    get length() { return held.length; },
    /**
     * add holds item in seq order and arms its deadline. It returns false, and
     * holds nothing, when max items already wait.
     * @param {T} item
     * @returns {boolean}
     */
    add(item) {
      if (held.length >= max) return false;
      let i = held.length;
      while (i > 0 && held[i - 1].item.seq > item.seq) i--;
      /** @type {Entry<T>} */
      const entry = { item, timer: null };
      held.splice(i, 0, entry);
      entry.timer = clock.setTimeout(() => {
        const at = held.indexOf(entry);
        if (at < 0) return;
        held.splice(at, 1);
        onTimeout(item);
      }, deadlineMs);
      return true;
    },
    /**
     * drain removes every item and returns them in order.
     * @returns {T[]}
     */
    drain() {
      return release(held.splice(0));
    },
    /**
     * removeWhere removes the items pick selects and returns them in order.
     * @param {(item: T) => boolean} pick
     * @returns {T[]}
     */
    removeWhere(pick) {
      const out = held.filter((e) => pick(e.item));
      for (const e of out) held.splice(held.indexOf(e), 1);
      return release(out);
    },
  };
}
