// status.js: the status line and the alert. The status line says who the
// planner speaks for (or why nobody yet); the alert shows what went wrong,
// and remembers which read it is about so that read's success can take it
// away again.

import { isCode, messageOf } from './format.js';

/**
 * @typedef {import('./app.js').View} View
 * @typedef {import('./app.js').Identity} Identity
 * @typedef {import('./token-gate.js').GateState} GateState
 */

/**
 * AlertOwner names the read whose failure the alert shows, '' for anything else.
 * @typedef {'' | 'catalog' | 'projects'} AlertOwner
 */

/**
 * StatusFacts is what the status line is made of, as the session knows it.
 * @typedef {object} StatusFacts
 * @property {Identity | null} identity who the last accepted token speaks for
 * @property {boolean} signedOut the host sent Logout (and no token since)
 * @property {boolean} connectError the last token was refused while none is accepted
 * @property {boolean} authRequiredPosted AuthenticationRequired went to the host
 */

/**
 * StatusContext is what createStatus needs.
 * @typedef {object} StatusContext
 * @property {View} view
 * @property {(key: string, ...args: (string | number)[]) => string} tr text in the current locale
 * @property {() => string} retailerName the shop's name for the visitor
 * @property {(what: string, fn: () => void) => boolean} safely runs a view callback
 * @property {() => boolean} isDestroyed
 * @property {() => StatusFacts} facts
 */

/**
 * createStatus draws the status line and the alert.
 * @param {StatusContext} ctx
 */
export function createStatus({ view, tr, retailerName, safely, isDestroyed, facts }) {
  /** @type {GateState} */
  let gateState = 'ok';
  // alertOwner names the read whose failure the alert shows ('catalog',
  // 'projects'), '' for anything else. When that read succeeds again (e.g.
  // reloaded after the session was renewed) the alert is stale and goes;
  // a write's failure stays until dismissed or replaced.
  /** @type {AlertOwner} */
  let alertOwner = '';

  function statusText() {
    if (gateState === 'waiting') return tr('stWaiting');
    const { identity, signedOut, connectError, authRequiredPosted } = facts();
    if (identity !== null) return identity.kind === 'user' ? tr('stUser', identity.uid) : tr('stGuest');
    if (signedOut) return tr('stSignedOut');
    if (connectError) return tr('stNotConnected', retailerName());
    if (authRequiredPosted) return tr('stAuthWait', retailerName());
    return tr('stConnecting', retailerName());
  }

  function render() {
    if (isDestroyed()) return;
    safely('view.status', () => view.status(statusText()));
  }

  /**
   * @param {string | null} message
   * @param {AlertOwner} [owner] the read this message is about
   */
  function showAlert(message, owner = '') {
    if (isDestroyed()) return;
    alertOwner = message === null ? '' : owner;
    safely('view.alert', () => view.alert(message));
  }

  return {
    render,
    showAlert,

    /**
     * setGateState follows the token gate ('waiting' while calls are held).
     * @param {GateState} state
     */
    setGateState(state) {
      gateState = state;
      render();
    },

    /**
     * clearAlertOf hides the alert if it reports owner's failure: owner has
     * just succeeded, so the alert no longer says anything true.
     * @param {'catalog' | 'projects'} owner
     */
    clearAlertOf(owner) {
      if (alertOwner === owner) showAlert(null);
    },

    /**
     * reportError shows a failed call's message; a closed gate is no news.
     * @param {unknown} err
     * @param {AlertOwner} [owner]
     */
    reportError(err, owner = '') {
      if (isCode(err, 'closed')) return;
      showAlert(messageOf(err), owner);
    },
  };
}

/** @typedef {ReturnType<typeof createStatus>} Status */
