// broken-gate.mjs: deliberately broken token gates, harness-only, so that
// soak.test.js can show the soak's ledger catches what it is meant to catch.
// Never used by the product.
//
//  - drop-held: a call made while no token is usable is never sent nor failed
//    (a lost call);
//  - replay-held: a write made while no token is usable is kept out of the
//    real gate's reach (so Logout cannot fail it) and sent once the next token,
//    whoever it speaks for, is installed (a write under another identity).

import { createTokenGate } from '../../static/planner/token-gate.js';

/**
 * @param {string} mode
 * @returns {typeof createTokenGate}
 */
export function brokenGate(mode) {
  return (opts) => {
    const gate = createTokenGate(opts);
    /** @type {Array<() => void>} */
    let parked = [];
    const request = gate.request;
    /** @param {import('../../static/planner/token-gate.js').GateRequest} req */
    const broken = (req) => {
      const write = req.write || (req.method !== undefined && req.method !== 'GET');
      if (gate.currentToken() !== null) return request(req);
      if (mode === 'drop-held') return new Promise(() => {});
      if (mode === 'replay-held' && write) {
        return new Promise((resolve, reject) => {
          parked.push(() => { request(req).then(resolve, reject); });
          opts.postTokenExpired({ kind: gate.identity?.kind ?? 'legal-entity' });
        });
      }
      return request(req);
    };
    /** @param {import('../../static/planner/token-gate.js').TokenInfo} info */
    const setToken = (info) => {
      const ok = gate.setToken(info);
      if (ok) {
        const run = parked;
        parked = [];
        for (const fn of run) fn();
      }
      return ok;
    };
    return {
      request: broken, setToken, logout: gate.logout, destroy: gate.destroy,
      currentToken: gate.currentToken, serverNow: gate.serverNow,
      get state() { return gate.state; },
      get heldCount() { return gate.heldCount; },
      get identity() { return gate.identity; },
      get clockOffsetMs() { return gate.clockOffsetMs; },
    };
  };
}
