// Logging helpers shared by the planner's modules.

/**
 * Logger is where modules report what they recovered from; every method is optional.
 * @typedef {{warn?: (msg: string, data?: Record<string, unknown>) => void}} Logger
 */

/**
 * safely runs a callback that belongs to someone else (a view, the host's
 * handler, an editor hook): one that throws is logged as "<what> failed" and
 * must not stop the caller.
 * @param {Logger} logger
 * @param {string} what
 * @param {() => void} fn
 * @returns {boolean} false when fn threw
 */
export function safely(logger, what, fn) {
  try {
    fn();
    return true;
  } catch (err) {
    logger.warn?.(`${what} failed`, { error: String(err) });
    return false;
  }
}
