// expiry-episode.js: how the token gate asks the host for a token.
//
// An expiry episode starts when a call is held for want of a usable token: the
// host is asked (TokenExpired) at once, then again after each backoff delay,
// the last repeating, for as long as calls wait. It ends when a usable token
// arrives, nothing waits any more or the gate closes; the next held call
// starts a new one. So a burst of calls asks once, and a host that missed the
// message is reminded without being flooded.

/**
 * @typedef {import('./clock.js').Clock} Clock
 */

/** DEFAULT_BACKOFF is the delays between asks when none are given, ms. */
export const DEFAULT_BACKOFF = Object.freeze([2000, 4000, 8000, 15000]);

/**
 * createExpiryEpisode returns the episode of a gate; none is running at first.
 * @param {object} opts
 * @param {Clock} opts.clock arms the re-ask timer
 * @param {readonly number[]} opts.backoffMs delays between asks, the last repeating; empty means DEFAULT_BACKOFF
 * @param {() => void} opts.ask asks the host for a token (posts TokenExpired)
 * @param {() => boolean} opts.settled true when asking again is pointless
 *   (nothing waits, or a usable token is there); checked before each re-ask
 */
export function createExpiryEpisode({ clock, backoffMs, ask, settled }) {
  const backoff = backoffMs.length > 0 ? [...backoffMs] : [...DEFAULT_BACKOFF];
  /** @type {{attempt: number, timer: unknown} | null} an expiry episode: TokenExpired posted */
  let episode = null;

  function scheduleRepost() {
    if (!episode) return;
    const ep = episode;
    const delay = backoff[Math.min(ep.attempt, backoff.length - 1)];
    ep.timer = clock.setTimeout(() => {
      if (episode !== ep) return;
      if (settled()) return end();
      ep.attempt++;
      ask();
      scheduleRepost();
    }, delay);
  }

  /** end stops the episode, if any, and its timer. */
  function end() {
    if (!episode) return;
    clock.clearTimeout(episode.timer);
    episode = null;
  }

  return {
    /** start asks at once and keeps re-asking; it does nothing while an episode runs. */
    start() {
      if (episode) return;
      episode = { attempt: 0, timer: null };
      ask();
      scheduleRepost();
    },
    end,
    /** active is true while an episode runs. */
    get active() { return episode !== null; },
  };
}
