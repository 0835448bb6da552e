// guards.js: the checks a message from the planner passes before the SDK
// trusts it, in this order (house rule: guards before trust):
//
//  1. source: event.source is this planner's own iframe window, checked first
//     so several planners on one page never see each other's messages;
//  2. shape: the data is an {event, content} envelope;
//  3. origin: event.origin is exactly the planner's origin.
//
// A message failing one is dropped (and counted by the caller) for the first
// reason it fails; nothing of it is read further.

import { isRecord, ownValue } from './limits.js';

/** MAX_EVENT_NAME_LENGTH bounds an inbound event name; the planner's are far shorter. */
export const MAX_EVENT_NAME_LENGTH = 64;

/**
 * DropReason is the first guard a message failed.
 * @typedef {'source' | 'shape' | 'origin'} DropReason
 */

/**
 * Verdict is what guardMessage makes of a message: its validated event and
 * content, or the reason it is dropped.
 * @typedef {{ok: true, event: string, content: Record<string, unknown> | undefined}
 *   | {ok: false, reason: DropReason}} Verdict
 */

/**
 * guardMessage runs the three guards on one message event.
 * @param {MessageEvent | null | undefined} ev
 * @param {unknown} frameWindow the planner iframe's contentWindow, null when detached
 * @param {string} plannerOrigin the exact origin messages must come from
 * @returns {Verdict}
 */
export function guardMessage(ev, frameWindow, plannerOrigin) {
  // A null contentWindow (iframe detached) must not match a null source.
  if (!ev || frameWindow === null || ev.source !== frameWindow) return { ok: false, reason: 'source' };
  const data = ev.data;
  if (!isRecord(data)) return { ok: false, reason: 'shape' };
  const event = ownValue(data, 'event');
  const content = ownValue(data, 'content');
  if (typeof event !== 'string' || event === '' || event.length > MAX_EVENT_NAME_LENGTH) return { ok: false, reason: 'shape' };
  if (content !== undefined && !isRecord(content)) return { ok: false, reason: 'shape' };
  if (ev.origin !== plannerOrigin) return { ok: false, reason: 'origin' };
  return { ok: true, event, content };
}
