// remote-changes.js: changes made elsewhere (another tab, another device,
// the retailer's catalog). The live channel's events trigger coalesced
// refetches of the catalog, "My projects" and the open project; a newer
// version of the open project is loaded at once when nothing is unsaved
// here, and offered otherwise (the editor's remoteChange, else an alert).

import { createLiveClient, liveURL } from './live.js';
import { isCode } from './format.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Project} Project
 * @typedef {import('./app.js').Identity} Identity
 * @typedef {import('./clock.js').Clock} Clock
 * @typedef {import('./editor-host.js').EditorHandle} EditorHandle
 * @typedef {import('./editor-host.js').OpenProject} OpenProject
 * @typedef {import('./editor-host.js').RemoteChange} RemoteChange
 * @typedef {import('./live.js').LiveEvent} LiveEvent
 * @typedef {import('./live.js').SocketConstructor} SocketConstructor
 * @typedef {import('./log.js').Logger} Logger
 * @typedef {import('./status.js').Status} Status
 */

/**
 * RemoteChangesContext is what createRemoteChanges needs.
 * @typedef {object} RemoteChangesContext
 * @property {{liveUrl?: string, distribution: string}} config
 * @property {SocketConstructor} [WebSocket] without it, or without config.liveUrl, nothing is followed
 * @property {Clock} clock
 * @property {() => number} random jitter of the live channel's reconnects
 * @property {Logger} logger
 * @property {Api} api
 * @property {{kind: () => Identity['kind'] | null, readonly epoch: number}} session
 * @property {OpenProject} open the project the editor shows
 * @property {() => EditorHandle | null} editor the mounted editor
 * @property {Pick<Status, 'showAlert' | 'reportError'>} status
 * @property {(key: string, ...args: (string | number)[]) => string} tr text in the current locale
 * @property {(what: string, fn: () => void) => boolean} safely runs an editor callback
 * @property {() => boolean} isDestroyed
 * @property {() => Promise<void>} loadCatalog must not reject
 * @property {() => Promise<void>} loadProjects must not reject
 */

/**
 * coalesced returns a trigger for load that keeps at most one run in
 * flight: triggers while it runs ask for a single trailing run, however
 * many there are. Live events come in bursts (a replay of up to 256 held
 * events after re-authentication); one fetch per event would flood the
 * API, and during a token renewal the gate's bounded hold queue.
 * @param {() => Promise<unknown>} load must not reject
 * @param {() => boolean} isDestroyed ends the trailing runs
 * @returns {() => void}
 */
export function coalesced(load, isDestroyed) {
  let running = false;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          await load();
        } while (again && !isDestroyed());
      } finally {
        running = false;
      }
    })();
  };
}

/**
 * createRemoteChanges opens the live channel (when configured); it
 * authenticates once the session hands it a token.
 * @param {RemoteChangesContext} ctx
 */
export function createRemoteChanges({
  config, WebSocket: socketConstructor, clock, random, logger, api, session, open, editor, status, tr, safely,
  isDestroyed, loadCatalog, loadProjects,
}) {
  // saving counts saves in flight; a live event for the open project that
  // arrives meanwhile may be our own save's, so it waits for the answer.
  let saving = 0;
  /** @type {RemoteChange | null} */
  let deferredChange = null;

  // The live channel follows the visitor's projects and the catalog. It
  // authenticates with every token the session accepts; its tokenExpired goes
  // through the gate (see liveTokenExpired), never straight to the host.
  const live = socketConstructor && config.liveUrl ? createLiveClient({
    url: liveURL(config.liveUrl, config.distribution),
    WebSocket: socketConstructor,
    clock,
    random,
    logger,
    onEvent: onLiveEvent,
    onResync: onLiveResync,
    onTokenExpired: liveTokenExpired,
  }) : null;

  // The live channel's refetches: one in flight (plus one trailing) for each
  // of the catalog, the project list and the open project.
  const liveCatalog = coalesced(() => loadCatalog(), isDestroyed);
  const liveProjects = coalesced(() => loadProjects(), isDestroyed);
  const liveOpenProject = coalesced(() => checkOpenProject(), isDestroyed);

  /**
   * liveTokenExpired: the server's clock says the token ran out. A read
   * through the gate makes the gate notice (held, or 401 token_expired) and
   * post TokenExpired on its single path, once per expiry however many
   * calls wait; the live client re-authenticates when the session installs
   * the answer.
   */
  function liveTokenExpired() {
    api.me().catch(() => {
      // held calls that time out are the gate's to report
    });
  }

  /** @param {LiveEvent} ev */
  function onLiveEvent(ev) {
    if (isDestroyed()) return;
    if (ev.topic === 'catalog') {
      liveCatalog();
      return;
    }
    if (ev.topic !== 'projects' || session.kind() !== 'user') return;
    liveProjects();
    const shown = open.project;
    if (!shown || ev.id !== shown.id) return;
    if (ev.event === 'project.deleted') changedElsewhere({ type: 'deleted', projectId: shown.id });
    else if (typeof ev.version === 'number' && ev.version > shown.version) {
      changedElsewhere({ type: 'updated', projectId: shown.id, version: ev.version });
    }
  }

  /**
   * onLiveResync refetches what is shown after events may have been missed
   * (a reconnect, or the server's resync: held events overflowed, which
   * includes premium catalog events).
   */
  function onLiveResync() {
    if (isDestroyed()) return;
    liveCatalog();
    if (session.kind() !== 'user') return;
    liveProjects();
    liveOpenProject();
  }

  /**
   * checkOpenProject fetches the open project and hands a newer version, or
   * its deletion, to changedElsewhere along with what was fetched (so
   * loading it takes no second fetch).
   */
  async function checkOpenProject() {
    const shown = open.project;
    if (!shown || session.kind() !== 'user' || isDestroyed()) return;
    const e = session.epoch;
    /** @type {Project} */
    let p;
    try {
      p = await api.project(shown.id);
    } catch (err) {
      if (e !== session.epoch || open.project?.id !== shown.id) return;
      if (isCode(err, 'not_found')) changedElsewhere({ type: 'deleted', projectId: shown.id });
      else status.reportError(err);
      return;
    }
    if (e !== session.epoch || open.project?.id !== shown.id) return;
    changedElsewhere({ type: 'updated', projectId: shown.id, version: p.version }, p);
  }

  /**
   * changedElsewhere shows another tab's or device's change of the open
   * project: loaded at once when nothing is unsaved here, offered otherwise.
   * @param {RemoteChange} change
   * @param {Project} [fetched] the open project as just fetched, when the news came from that fetch
   */
  function changedElsewhere(change, fetched) {
    if (saving > 0) {
      deferredChange = change;
      return;
    }
    if (open.project?.id !== change.projectId) return;
    if (change.type === 'updated' && open.project.version >= change.version) return;
    if (!open.edited) {
      if (change.type === 'updated') {
        if (fetched && fetched.id === change.projectId && fetched.version === change.version) {
          open.project = fetched;
          safely('editor.load', () => editor()?.load(fetched));
        } else {
          liveOpenProject();
        }
        return;
      }
      open.project = null;
      if (editor()) safely('editor.clear', () => editor()?.clear());
      status.showAlert(tr('aDeletedThere'));
      return;
    }
    const handle = editor();
    if (handle?.remoteChange) {
      safely('editor.remoteChange', () => editor()?.remoteChange?.(change));
      return;
    }
    status.showAlert(tr(change.type === 'updated' ? 'aChangedKept' : 'aDeletedKept'));
  }

  /**
   * reloadOpenProject fetches the open project and hands it to the editor,
   * replacing what is shown (and any unsaved changes).
   * @returns {Promise<boolean>} whether a newer or equal version was loaded
   */
  async function reloadOpenProject() {
    const shown = open.project;
    if (!shown || session.kind() !== 'user' || isDestroyed()) return false;
    const e = session.epoch;
    /** @type {Project} */
    let project;
    try {
      project = await api.project(shown.id);
    } catch (err) {
      if (e !== session.epoch) return false;
      if (isCode(err, 'not_found') && open.project?.id === shown.id) {
        open.edited = false;
        changedElsewhere({ type: 'deleted', projectId: shown.id });
        return false;
      }
      status.reportError(err);
      return false;
    }
    if (e !== session.epoch || open.project?.id !== shown.id) return false;
    open.project = project;
    open.edited = false;
    safely('editor.load', () => editor()?.load(project));
    return true;
  }

  return {
    live,
    changedElsewhere,
    reloadOpenProject,

    /** saveStarted counts a save (or delete) in flight. */
    saveStarted() {
      saving++;
    },

    /** saveSettled ends one; news held back meanwhile is shown once none is left. */
    saveSettled() {
      saving--;
      if (saving > 0 || deferredChange === null) return;
      const change = deferredChange;
      deferredChange = null;
      changedElsewhere(change);
    },

    /** liveState is the live channel's state, 'off' when it is not configured. */
    get liveState() { return live ? live.state : 'off'; },
  };
}

/** @typedef {ReturnType<typeof createRemoteChanges>} RemoteChanges */
