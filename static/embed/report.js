// report.js: what the SDK tells the host. Every protocol message in and out,
// and every error of the SDK itself, goes to the host's onEvent, with any
// token redacted first so a host's event log never holds a usable one. The
// sentences of the SDK's errors are made here too, short and never quoting a
// token.

import { isRecord } from './limits.js';

/**
 * @typedef {import('./planner-embed.js').PlannerEventRecord} PlannerEventRecord
 * @typedef {import('./planner-embed.js').PlannerStats} PlannerStats
 * @typedef {import('./pending.js').PlannerError} PlannerError
 */

/**
 * createReporter sends records to the host's onEvent. A throwing onEvent is
 * counted in stats.handlerErrors and surfaced with reportError, never thrown.
 * @param {((record: PlannerEventRecord) => void) | undefined} onEvent
 * @param {PlannerStats} stats
 */
export function createReporter(onEvent, stats) {
  /** @param {PlannerEventRecord} record */
  function report(record) {
    if (!onEvent) return;
    try {
      onEvent(record);
    } catch (err) {
      // The host's handler failing must not stop the protocol; surface it the
      // way an uncaught error in an event listener would be.
      stats.handlerErrors++;
      if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
    }
  }

  return {
    report,
    /**
     * emitError reports a problem of the SDK itself as an error event.
     * @param {PlannerError} err
     */
    emitError(err) {
      report({ event: 'error', content: { code: err.code, message: err.message } });
    },
  };
}

/**
 * redact copies content with any token replaced by a marker, so a host's
 * event log never holds a usable token.
 * @param {Record<string, unknown>} content
 * @returns {Record<string, unknown>}
 */
export function redact(content) {
  const out = { ...content };
  if (Object.prototype.hasOwnProperty.call(out, 'token')) {
    const t = out.token;
    // A JWT's first three characters are always "eyJ" and say nothing.
    out.token = typeof t === 'string' && t.startsWith('eyJ') ? 'eyJ…(redacted)' : '(redacted)';
  }
  return out;
}

/**
 * reasonOf turns a failure's content into a short sentence for an Error.
 * @param {Record<string, unknown> | undefined} content
 * @returns {string}
 */
export function reasonOf(content) {
  const r = content?.reason ?? content?.error ?? content?.message;
  if (typeof r === 'string' && r !== '') return r.slice(0, 200);
  if (isRecord(r)) {
    const m = r.message ?? r.code;
    if (typeof m === 'string' && m !== '') return m.slice(0, 200);
  }
  return 'no reason given';
}

/**
 * describe turns a thrown value into a short message.
 * @param {unknown} err
 * @returns {string}
 */
export function describe(err) {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === 'string' && err !== '') return err;
  return 'unknown error';
}
