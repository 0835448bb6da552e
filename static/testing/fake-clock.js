// fake-clock.js: the manual clock the browser code's unit tests share. Not
// served (static/static.go embeds embed/, planner/ and host/ only).

/** flush lets pending promise chains (fake fetch, response parsing) settle; no real time passes. */
export async function flush() {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/**
 * fakeClock is manual time with timers, shaped like the Clock the planner's
 * modules take (now, setTimeout, clearTimeout).
 * @param {number} [start] the initial now(), in ms
 */
export function fakeClock(start = 0) {
  let now = start;
  let nextId = 0;
  /** @type {Map<number, {at: number, fn: () => void, id: number}>} */
  const timers = new Map();
  const nextDue = (/** @type {number} */ end) =>
    [...timers.values()].filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
  return {
    now: () => now,
    /** @param {() => void} fn @param {number} ms */
    setTimeout(fn, ms) {
      const id = ++nextId;
      timers.set(id, { at: now + ms, fn, id });
      return id;
    },
    /** @param {any} id */
    clearTimeout(id) { timers.delete(id); },
    /** jump moves the clock without firing timers (a user fixing the system clock). @param {number} ms */
    jump(ms) { now += ms; },
    /** advanceSync moves time forward, firing due timers in order (also those they set that fall due). @param {number} ms */
    advanceSync(ms) {
      const end = now + ms;
      for (let due = nextDue(end); due; due = nextDue(end)) {
        timers.delete(due.id);
        now = due.at;
        due.fn();
      }
      now = end;
    },
    /** advance is advanceSync that also lets promise chains settle before and after each timer. @param {number} ms */
    async advance(ms) {
      const end = now + ms;
      await flush();
      for (let due = nextDue(end); due; due = nextDue(end)) {
        timers.delete(due.id);
        now = due.at;
        due.fn();
        await flush();
      }
      now = end;
      await flush();
    },
    /** pending lists the delays of the timers still set, from now. */
    get pending() { return [...timers.values()].map((t) => t.at - now); },
    /** pendingTimers counts the timers still set. */
    get pendingTimers() { return timers.size; },
  };
}
