// bridge.js: the planner's end of window.postMessage.
//
// Guards before trust: every inbound message is checked for event.source (the
// real parent window), then shape (parseEnvelope), then event.origin (exact
// string equality against the retailer's registered origins). Anything else is
// dropped and counted, never thrown. Outbound messages always name an exact
// targetOrigin, never "*".
//
// Hello is the bridge's own: a host page that made the iframe in its HTML may
// start listening after our Ready was posted, so it asks for Ready again. The
// answer goes to that host's exact origin only, marked {repeat: true}, so the
// host can tell it from the Ready of a page reloaded inside the iframe.

import { CAPABILITIES, PLANNER_EVENTS, PROTOCOL_VERSION, parseEnvelope } from './protocol.js';

/**
 * @typedef {import('./protocol.js').HostMessage} HostMessage
 * @typedef {import('./protocol.js').PlannerEvent} PlannerEvent
 */

/**
 * MessageEventLike is the part of a MessageEvent the bridge reads.
 * @typedef {{data: unknown, origin: string, source: unknown}} MessageEventLike
 */

/**
 * WindowLike is the part of the planner's own window the bridge uses.
 * @typedef {object} WindowLike
 * @property {(type: 'message', listener: (ev: MessageEventLike) => void) => void} addEventListener
 * @property {(type: 'message', listener: (ev: MessageEventLike) => void) => void} removeEventListener
 */

/**
 * ParentLike is window.parent: something that can be posted to.
 * @typedef {object} ParentLike
 * @property {(message: unknown, targetOrigin: string) => void} postMessage
 */

/**
 * Logger receives diagnostics; never tokens.
 * @typedef {{warn?: (msg: string, data?: Record<string, unknown>) => void,
 *   debug?: (msg: string, data?: Record<string, unknown>) => void}} Logger
 */

/**
 * BridgeStats counts what the bridge saw. dropped is by reason: source (not
 * from the parent window), shape (not a valid envelope), origin (origin not
 * allowed, or not the host origin already established).
 * @typedef {{received: number, accepted: number, posted: number, postErrors: number,
 *   handlerErrors: number, dropped: {source: number, shape: number, origin: number}}} BridgeStats
 */

/**
 * @typedef {object} BridgeOptions
 * @property {WindowLike} win the planner's window (message listener target)
 * @property {ParentLike} parent window.parent; the only accepted event.source
 * @property {readonly string[]} allowedOrigins the retailer's registered embedding origins, exact
 *   ("https://shop.example"); "*" or anything that is not a bare origin throws
 * @property {(msg: HostMessage, meta: {origin: string}) => void} onMessage called for each accepted message
 * @property {Logger} [logger] diagnostics; default silent
 * @property {readonly string[]} [capabilities] announced in Ready; default the host events understood
 */

const ORIGIN_RE = /^https?:\/\/[^/\s*?#@]+$/;

/**
 * createBridge starts listening for host messages and posts Ready to each
 * allowed origin (the browser delivers it only to the parent's real origin).
 * @param {BridgeOptions} opts
 */
export function createBridge({ win, parent, allowedOrigins, onMessage, logger = {}, capabilities = CAPABILITIES }) {
  if (!parent || typeof parent.postMessage !== 'function') throw new TypeError('createBridge: parent must have postMessage');
  const origins = [...new Set(allowedOrigins)];
  for (const o of origins) {
    // "*" would let any embedder read what the planner posts; refuse to start.
    if (typeof o !== 'string' || !ORIGIN_RE.test(o)) {
      throw new TypeError(`createBridge: ${JSON.stringify(o)} is not an exact origin like https://shop.example`);
    }
  }
  if (origins.length === 0) logger.warn?.('bridge: no allowed origins; no host can talk to the planner');

  /** @type {BridgeStats} */
  const stats = {
    received: 0, accepted: 0, posted: 0, postErrors: 0, handlerErrors: 0,
    dropped: { source: 0, shape: 0, origin: 0 },
  };
  /** @type {string | null} the parent's origin, known once a valid message arrived from it */
  let hostOrigin = null;
  let destroyed = false;

  /**
   * @param {'source' | 'shape' | 'origin'} reason
   * @param {MessageEventLike} ev
   */
  function drop(reason, ev) {
    stats.dropped[reason]++;
    logger.debug?.('bridge: message dropped', { reason, origin: String(ev?.origin) });
  }

  /** @param {MessageEventLike} ev */
  function onWindowMessage(ev) {
    stats.received++;
    try {
      if (!ev || ev.source !== parent) return drop('source', ev);
      const msg = parseEnvelope(ev.data);
      if (!msg) return drop('shape', ev);
      const origin = ev.origin;
      if (typeof origin !== 'string' || !origins.includes(origin)) return drop('origin', ev);
      // The parent cannot change origin without reloading us; a second allowed
      // origin mid-session means something is off, so keep the first.
      if (hostOrigin !== null && origin !== hostOrigin) return drop('origin', ev);
      hostOrigin = origin;
      stats.accepted++;
      if (msg.event === 'Hello') {
        post('Ready', ready(true));
        return;
      }
      try {
        onMessage(msg, { origin });
      } catch (err) {
        stats.handlerErrors++;
        logger.warn?.('bridge: message handler failed', { event: msg.event, error: String(err) });
      }
    } catch (err) {
      // Reading a hostile event must never break the planner.
      stats.handlerErrors++;
      logger.warn?.('bridge: message guard failed', { error: String(err) });
    }
  }

  /**
   * post sends {event, content} to the host origin if known, else to each
   * allowed origin. It returns false when nothing could be posted.
   * @param {PlannerEvent} event
   * @param {unknown} [content]
   * @returns {boolean}
   */
  function post(event, content) {
    if (!PLANNER_EVENTS.has(event)) throw new TypeError(`bridge.post: unknown planner event ${JSON.stringify(event)}`);
    if (destroyed) return false;
    const message = { event, content: content === undefined ? {} : content };
    const targets = hostOrigin !== null ? [hostOrigin] : origins;
    let ok = false;
    for (const targetOrigin of targets) {
      try {
        parent.postMessage(message, targetOrigin);
        stats.posted++;
        ok = true;
      } catch (err) {
        stats.postErrors++;
        logger.warn?.('bridge: postMessage failed', { event, targetOrigin, error: String(err) });
      }
    }
    return ok;
  }

  /**
   * ready is Ready's content; repeat marks the answer to a Hello.
   * @param {boolean} repeat
   */
  function ready(repeat) {
    const content = { protocol: PROTOCOL_VERSION, capabilities: [...capabilities] };
    return repeat ? { ...content, repeat: true } : content;
  }

  win.addEventListener('message', onWindowMessage);
  post('Ready', ready(false));

  return {
    post,
    /** destroy stops listening; later posts are no-ops. */
    destroy() {
      if (destroyed) return;
      destroyed = true;
      win.removeEventListener('message', onWindowMessage);
    },
    /** stats counts received, accepted and dropped messages. */
    get stats() { return stats; },
    /** hostOrigin is the parent's origin once a valid message arrived, else null. */
    get hostOrigin() { return hostOrigin; },
  };
}

/** @typedef {ReturnType<typeof createBridge>} Bridge */
