// projects.js: the signed-in user's projects. It reads "My projects",
// opens, saves, creates and deletes projects (for the host's LoadProject,
// the editor and the list's own rename and delete), and answers the host
// for each. Answers that arrive after the identity epoch changed are dropped.

import { codeOf, formatDate, isCode, messageOf } from './format.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Project} Project
 * @typedef {import('./api.js').ProjectDoc} ProjectDoc
 * @typedef {import('./api.js').ProjectSummary} ProjectSummary
 * @typedef {import('./app.js').View} View
 * @typedef {import('./app.js').Settings} Settings
 * @typedef {import('./editor-host.js').EditorHandle} EditorHandle
 * @typedef {import('./editor-host.js').OpenProject} OpenProject
 * @typedef {import('./editor-host.js').RemoteChange} RemoteChange
 * @typedef {import('./log.js').Logger} Logger
 * @typedef {import('./protocol.js').PlannerEvent} PlannerEvent
 * @typedef {import('./status.js').Status} Status
 */

/**
 * ProjectView is one row of "My projects"; version is the one a rename or
 * delete from the row sends as If-Match.
 * @typedef {{id: string, name: string, version: number, items: string, updated: string, updatedAt: string, room: unknown}} ProjectView
 */

/**
 * ProjectsView is the projects pane's state; signedIn false means the
 * visitor is anonymous (the hint shows, the list is empty).
 * @typedef {{signedIn: boolean, loading: boolean, items: ProjectView[]}} ProjectsView
 */

/**
 * ProjectsContext is what createProjects needs.
 * @typedef {object} ProjectsContext
 * @property {Api} api
 * @property {View} view
 * @property {Readonly<Settings>} settings read at every render
 * @property {Pick<Status, 'showAlert' | 'clearAlertOf' | 'reportError'>} status
 * @property {(key: string, ...args: (string | number)[]) => string} tr text in the current locale
 * @property {(event: PlannerEvent, content: unknown) => boolean} post posts to the host
 * @property {(what: string, fn: () => void) => boolean} safely runs a view or editor callback
 * @property {Logger} logger
 * @property {() => boolean} isDestroyed
 * @property {{isUser: () => boolean, readonly epoch: number, settled: () => Promise<void>}} session
 * @property {OpenProject} open the project the editor shows
 * @property {() => EditorHandle | null} editor the mounted editor
 * @property {{saveStarted: () => void, saveSettled: () => void,
 *   changedElsewhere: (change: RemoteChange, fetched?: Project) => void}} remote
 *   told of every save in flight (its live echo is not news), and of renames it must offer
 */

/** NEW_PROJECT_ROOM is the room of a project made with createProject, in cm. */
export const NEW_PROJECT_ROOM = Object.freeze({ width: 400, depth: 300 });

/**
 * MAX_PROJECT_NAME_LENGTH bounds names typed in the planner: the API's
 * (web/project.go MaxProjectName), the editor's MAX_NAME too. Its own
 * constant, not an import of editor/model.js, which would bring the model
 * into the page's first load (projects.test.js checks the two agree).
 */
export const MAX_PROJECT_NAME_LENGTH = 120;

/**
 * nextRoomName is a name no project in names has: "Room N" (in the
 * locale's words), N from one more than the number of projects upward, so a
 * second project is "Room 2".
 * @param {string[]} names
 * @param {(n: number) => string} word "Room {0}" in the current locale
 */
export function nextRoomName(names, word) {
  const taken = new Set(names.map((n) => n.trim().toLowerCase()));
  let n = names.length + 1;
  while (taken.has(word(n).toLowerCase())) n++;
  return word(n);
}

/**
 * createProjects holds "My projects"; nothing is read before a user signs in.
 * @param {ProjectsContext} ctx
 */
export function createProjects({
  api, view, settings, status, tr, post, safely, logger, isDestroyed, session, open, editor, remote,
}) {
  const projects = {
    /** @type {ProjectSummary[]} */
    items: [],
    loaded: false,
    loading: false,
    seq: 0,
  };
  let openSeq = 0; // bumped by each openProject: an older one still waiting gives way

  /**
   * load reads the signed-in user's projects. With reopen (a sign-in), the
   * project changed last opens when the editor shows nothing of the visitor's.
   * @param {{reopen?: boolean}} [opts]
   */
  async function load({ reopen = false } = {}) {
    if (!session.isUser()) {
      render();
      return;
    }
    const e = session.epoch;
    const seq = ++projects.seq;
    projects.loading = true;
    render();
    try {
      const list = await api.projects();
      if (e !== session.epoch || seq !== projects.seq) return;
      projects.items = Array.isArray(list) ? list : [];
      projects.loaded = true;
      status.clearAlertOf('projects');
    } catch (err) {
      if (e !== session.epoch || seq !== projects.seq) return;
      status.reportError(err, 'projects');
    }
    projects.loading = false;
    render();
    // The list is ordered by last change (the API's order): the first one.
    const last = projects.items[0];
    // No editor yet (its chunk is still on its way) shows nothing of the
    // visitor's either: the project opens in it when it arrives.
    const blank = editor() === null || editor()?.isBlank?.() === true;
    if (reopen && last && e === session.epoch && !open.project && blank) void openProject(String(last.id));
  }

  /** freshName is a new project's distinct name, from the list (read first when it was not). */
  async function freshName() {
    if (!projects.loaded) await load();
    return nextRoomName(projects.items.map((p) => String(p.name ?? '')), (n) => tr('roomN', n));
  }

  /** @param {ProjectSummary} p @returns {ProjectView} */
  function projectView(p) {
    const n = Number(p.itemCount) || 0;
    return {
      id: String(p.id),
      name: String(p.name ?? ''),
      version: Number(p.version) || 0,
      items: n === 0 ? tr('items0') : n === 1 ? tr('items1') : tr('itemsN', n),
      updated: formatDate(p.updatedAt, settings.locale),
      updatedAt: typeof p.updatedAt === 'string' ? p.updatedAt : '',
      room: p.room, // for the row's preview (project-preview.js checks it)
    };
  }

  function render() {
    if (isDestroyed()) return;
    const signedIn = session.isUser();
    /** @type {ProjectsView} */
    const v = {
      signedIn,
      loading: signedIn && projects.loading,
      items: signedIn ? projects.items.map(projectView) : [],
    };
    safely('view.projects', () => view.projects(v));
  }

  /** clear forgets the visitor's projects and the open one (a new identity epoch began). */
  function clear() {
    projects.items = [];
    projects.loaded = false;
    projects.loading = false;
    projects.seq++;
    open.project = null;
    if (editor()) safely('editor.clear', () => editor()?.clear());
    render();
  }

  /**
   * openProject reads a project and hands it to the editor. With announce
   * (the host's LoadProject) it answers ProjectLoadingSucceeded / Failed.
   * @param {string} projectId
   * @param {{announce?: boolean}} [opts]
   * @returns {Promise<boolean>} whether the project is now in the editor
   */
  async function openProject(projectId, { announce = false } = {}) {
    /** @param {string} error @param {string} [code] */
    const failed = (error, code) => {
      if (announce) post('ProjectLoadingFailed', code ? { projectId, error, code } : { projectId, error });
      return false;
    };
    await session.settled();
    if (isDestroyed()) return false;
    if (!session.isUser()) {
      status.showAlert(tr('aOpenSignIn'));
      return failed('sign in required', 'login_required');
    }
    const e = session.epoch;
    const seq = ++openSeq;
    // Unsaved work is saved (or the visitor chooses) before another project
    // replaces it; never dropped without a word.
    const handle = editor();
    if (handle?.leave) {
      let go = false;
      try {
        go = await handle.leave();
      } catch (err) {
        logger.warn?.('planner: editor.leave failed', { error: String(err) });
      }
      if (e !== session.epoch) return failed('signed out before the project was loaded', 'identity_changed');
      if (seq !== openSeq) return failed('another project was opened meanwhile', 'superseded');
      if (!go) return failed('the open project has unsaved changes the visitor kept', 'unsaved_changes');
    }
    /** @type {Project} */
    let project;
    try {
      project = await api.project(projectId);
    } catch (err) {
      if (e !== session.epoch) return failed('signed out before the project was loaded', 'identity_changed');
      status.reportError(err);
      return failed(messageOf(err), codeOf(err));
    }
    if (e !== session.epoch) return failed('signed out before the project was loaded', 'identity_changed');
    open.project = project;
    open.edited = false;
    const shown = editor() === null || safely('editor.load', () => editor()?.load(project));
    if (!shown) {
      status.showAlert(tr('aEditorFailed'));
      return failed('the editor could not open this project', 'editor_failed');
    }
    if (announce) post('ProjectLoadingSucceeded', { projectId, name: project.name, version: project.version });
    return true;
  }

  /**
   * save creates (no target) or replaces a project of the signed-in user.
   * @param {ProjectDoc} doc
   * @param {{id: string, version: number}} [target]
   * @returns {Promise<Project>}
   */
  async function save(doc, target) {
    if (!session.isUser()) {
      post('LoginRequired', { reason: 'save' });
      post('ProjectSavingFailed', target ? { projectId: target.id, error: 'sign in required' } : { error: 'sign in required' });
      status.showAlert(tr('aSaveSignIn'));
      throw new Error('sign in required');
    }
    // A new design without a name of its own gets a distinct one ("Room 2").
    if (!target && (!doc.name || doc.name === tr('untitled'))) doc = { ...doc, name: await freshName() };
    /** @type {Project} */
    let project;
    remote.saveStarted();
    try {
      project = target ? await api.updateProject(target.id, target.version, doc) : await api.createProject(doc);
    } catch (err) {
      remote.saveSettled();
      const code = codeOf(err);
      /** @type {Record<string, unknown>} */
      const content = { error: messageOf(err) };
      if (code) content.code = code;
      if (target) content.projectId = target.id;
      post('ProjectSavingFailed', content);
      status.reportError(err);
      throw err;
    }
    post('ProjectSavingSucceeded', { projectId: project.id, version: project.version });
    if (open.project?.id === project.id) {
      open.project = project;
      open.edited = false;
    }
    remote.saveSettled();
    void load();
    return project;
  }

  /**
   * remove deletes a project of the signed-in user (the editor's Delete). It
   * counts as a save in flight, so the live channel's news of this very
   * delete is not reported as another tab's.
   * @param {string} id
   * @param {number} version
   * @returns {Promise<void>}
   */
  async function remove(id, version) {
    remote.saveStarted();
    try {
      await api.deleteProject(id, version);
      if (open.project?.id === id) open.project = null;
    } catch (err) {
      status.reportError(err);
      throw err;
    } finally {
      remote.saveSettled();
    }
    void load();
  }

  /**
   * create saves a new, empty project named name.
   * @param {string} name
   * @returns {Promise<Project>}
   */
  function create(name) {
    const n = typeof name === 'string' ? name.trim() : '';
    // No name typed: save() gives it a distinct one.
    if (n.length > MAX_PROJECT_NAME_LENGTH) {
      const message = tr('aNameLength', MAX_PROJECT_NAME_LENGTH);
      status.showAlert(message);
      return Promise.reject(new Error(message));
    }
    return save({ name: n, room: { ...NEW_PROJECT_ROOM }, items: [] }).then((project) => {
      // The editor's New project shows what it created: that is the open
      // project from now on (live news of it, a delete from the list).
      open.project = project;
      open.edited = false;
      return project;
    });
  }

  // ---- "My projects": rename and delete from a row ----

  /**
   * renameListed renames a project from its row in "My projects". It reads
   * the project and saves it under the new name at version, the one the row
   * showed (If-Match): a change made elsewhere since is refused (409), never
   * overwritten, and shows a message and a refreshed list. When it is the
   * open project, the editor gets the renamed version if nothing is unsaved
   * there; unsaved changes are kept and offered like another tab's change
   * (load theirs, or keep mine).
   * @param {string} id
   * @param {number} version
   * @param {string} name
   * @returns {Promise<boolean>} whether the project was renamed
   */
  async function renameListed(id, version, name) {
    const n = typeof name === 'string' ? name.trim() : '';
    if (n === '' || n.length > MAX_PROJECT_NAME_LENGTH) {
      status.showAlert(tr('aNameLength', MAX_PROJECT_NAME_LENGTH));
      return false;
    }
    if (!session.isUser()) {
      status.showAlert(tr('aSaveSignIn'));
      return false;
    }
    const e = session.epoch;
    const label = listedName(id, n);
    /** @type {Project} */
    let stored;
    try {
      stored = await api.project(id);
    } catch (err) {
      if (e === session.epoch) listFailure(err, label);
      return false;
    }
    if (e !== session.epoch) return false;
    const wasOpen = open.project?.id === id ? open.project : null;
    const edited = open.edited;
    /** @type {Project} */
    let project;
    try {
      project = await save({ name: n, room: stored.room, items: stored.items }, { id, version });
    } catch (err) {
      if (e === session.epoch) listFailure(err, label);
      return false;
    }
    if (e !== session.epoch || !wasOpen || open.project?.id !== id) return true;
    if (!edited) {
      open.project = project;
      open.edited = false;
      safely('editor.load', () => editor()?.load(project));
    } else {
      // save took the renamed version as the open one; the editor still
      // holds the older one with its unsaved changes.
      open.project = wasOpen;
      open.edited = true;
      remote.changedElsewhere({ type: 'updated', projectId: id, version: project.version }, project);
    }
    return true;
  }

  /**
   * deleteListed deletes a project from its row in "My projects" (the row
   * asked for confirmation) at the version the row showed. Deleting the
   * open project leaves the editor with a new, untitled room: the visitor
   * asked for that design to be gone, so none of it stays on screen.
   * @param {string} id
   * @param {number} version
   * @returns {Promise<boolean>} whether the project was deleted
   */
  async function deleteListed(id, version) {
    if (!session.isUser()) {
      status.showAlert(tr('aOpenSignIn'));
      return false;
    }
    const e = session.epoch;
    const label = listedName(id, '');
    const wasOpen = open.project?.id === id;
    try {
      await remove(id, version);
    } catch (err) {
      if (e === session.epoch) listFailure(err, label);
      return false;
    }
    if (e === session.epoch && wasOpen && open.project === null) {
      open.edited = false;
      if (editor()) safely('editor.clear', () => editor()?.clear());
      status.showAlert(tr('aOpenDeleted', label || tr('untitled')));
    }
    return true;
  }

  /**
   * listedName is the name "My projects" shows for id.
   * @param {string} id
   * @param {string} fallback
   */
  function listedName(id, fallback) {
    const p = projects.items.find((x) => String(x.id) === id);
    return p && typeof p.name === 'string' ? p.name : fallback;
  }

  /**
   * listFailure shows why a rename or delete from the list failed. A stale
   * version (409) or a project gone meanwhile (404) means the list was out
   * of date: it says so plainly and reloads the list.
   * @param {unknown} err
   * @param {string} name
   */
  function listFailure(err, name) {
    if (isCode(err, 'conflict')) status.showAlert(tr('aListConflict', name));
    else if (isCode(err, 'not_found')) status.showAlert(tr('aListGone', name));
    else {
      status.reportError(err);
      return;
    }
    void load();
  }

  return {
    load,
    render,
    clear,
    openProject,
    save,
    remove,
    create,
    renameListed,
    deleteListed,
    /** idle tells whether the list was neither loaded nor is loading. */
    idle: () => !projects.loaded && !projects.loading,
    get count() { return projects.items.length; },
  };
}

/** @typedef {ReturnType<typeof createProjects>} Projects */
