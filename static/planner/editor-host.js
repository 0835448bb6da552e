// editor-host.js: where the shell meets the editor. It mounts an editor
// factory in the slot, hands it an EditorContext, and keeps the open
// project: the one the editor shows, and whether it has unsaved changes
// there (the live channel then offers a change made elsewhere instead of
// loading it).

import { formatPrice } from './format.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Product} Product
 * @typedef {import('./api.js').Project} Project
 * @typedef {import('./api.js').ProjectDoc} ProjectDoc
 * @typedef {import('./app.js').Identity} Identity
 * @typedef {import('./app.js').Settings} Settings
 * @typedef {import('./protocol.js').PlannerEvent} PlannerEvent
 */

/**
 * EditorContext is what an editor factory receives.
 * @typedef {object} EditorContext
 * @property {unknown} slot where the editor draws (#editor-slot in the browser)
 * @property {Api} api the planner API; every call goes through the token gate
 * @property {{post: (event: PlannerEvent, content?: unknown) => boolean}} bridge posts to the host
 *   (AddToBasket, LoginRequired, ...)
 * @property {Readonly<Settings>} settings a live read-only view of the settings
 * @property {() => Identity | null} identity who is signed in, null when nobody (or before the first token)
 * @property {(doc: ProjectDoc, target?: {id: string, version: number}) => Promise<Project>} saveProject
 *   creates (no target) or updates a project, posts ProjectSavingSucceeded / ProjectSavingFailed (and
 *   LoginRequired when anonymous), shows failures, refreshes "My projects"; rejects on failure
 * @property {(name: string) => Promise<Project>} createProject saveProject of an empty 400 × 300 cm room,
 *   which becomes the open project (the editor shows it)
 * @property {(minor: number, currency?: string) => string} formatPrice formats minor units for the current locale
 * @property {(productId: string) => Product | undefined} [product] a product of the catalog pages loaded so far
 * @property {(id: string, version: number) => Promise<void>} [deleteProject] deletes a project (If-Match version),
 *   shows failures, refreshes "My projects"; rejects on failure
 * @property {(change: EditorChange) => void} onChange tells the app the editor changed something
 * @property {() => Promise<boolean>} reloadOpenProject fetches the open project again and loads it
 *   (discarding unsaved changes): the answer to an offer made through EditorHandle.remoteChange
 * @property {import('./clock.js').Clock} [clock] the app's clock (default systemClock): the editor's timers (autosave, product
 *   retries) run on it, so tests on a fake clock drive them too
 */

/**
 * EditorChange: saved / deleted make the app refresh "My projects".
 * @typedef {{type: 'saved', project: Project} | {type: 'deleted', projectId: string} | {type: 'edited'}} EditorChange
 */

/**
 * EditorHandle is what an editor factory returns.
 * @typedef {object} EditorHandle
 * @property {(project: Project) => void} load shows a project (LoadProject, or picked in "My projects")
 * @property {() => void} clear forgets the shown project (sign-out, another user)
 * @property {() => Promise<boolean>} [leave] called before another project is opened: saves unsaved
 *   changes first, or asks the visitor; resolves false to stay (the open is then refused)
 * @property {() => void} destroy removes the editor from its slot
 * @property {() => boolean} [isBlank] the editor shows nothing of the visitor's (no project, no
 *   changes): after a sign-in the project changed last may replace it
 * @property {(identity: Identity | null) => void} [identityChanged] called on every identity change
 * @property {(settings: Settings, sent: import('./protocol.js').SettingsContent) => void} [settingsChanged] called
 *   after SetUpSettings; sent is what that message set (units sent again apply again, over the visitor's choice)
 * @property {(change: RemoteChange) => void} [remoteChange] the open project was changed or deleted in
 *   another tab or device while it has unsaved changes here: offer ctx.reloadOpenProject(); without this
 *   method the app shows the offer as an alert. Unchanged projects are reloaded with load() at once.
 */

/**
 * RemoteChange is a change of the open project made elsewhere (live channel).
 * @typedef {{type: 'updated', projectId: string, version: number} | {type: 'deleted', projectId: string}} RemoteChange
 */

/**
 * EditorFactory builds the editor in ctx.slot.
 * @typedef {(ctx: EditorContext) => EditorHandle} EditorFactory
 */

/**
 * OpenProject is the project handed to the editor (null when none) and
 * whether the editor reported changes to it that are not saved yet.
 * @typedef {{project: Project | null, edited: boolean}} OpenProject
 */

/**
 * EditorHostContext is what createEditorHost needs; the project calls are
 * the ones the editor's context forwards to.
 * @typedef {object} EditorHostContext
 * @property {unknown} slot handed to editor factories as ctx.slot
 * @property {Api} api
 * @property {(event: PlannerEvent, content?: unknown) => boolean} post posts to the host
 * @property {Readonly<Settings>} settings a live read-only view of the settings
 * @property {() => Identity | null} identity
 * @property {(what: string, fn: () => void) => boolean} safely runs an editor callback
 * @property {EditorContext['saveProject']} saveProject
 * @property {EditorContext['createProject']} createProject
 * @property {(id: string, version: number) => Promise<void>} deleteProject
 * @property {(productId: string) => Product | undefined} product
 * @property {() => Promise<boolean>} reloadOpenProject
 * @property {import('./clock.js').Clock} clock
 * @property {() => Promise<void>} loadProjects refreshes "My projects"
 */

/**
 * createEditorHost holds the editor slot; no editor is mounted yet.
 * @param {EditorHostContext} ctx
 */
export function createEditorHost({
  slot, api, post, settings, identity, safely, saveProject, createProject, deleteProject, product,
  reloadOpenProject, loadProjects, clock,
}) {
  /** @type {OpenProject} */
  const open = { project: null, edited: false };
  /** @type {EditorHandle | null} */
  let editor = null;

  /** @type {EditorContext} */
  const editorContext = Object.freeze({
    slot,
    api,
    bridge: Object.freeze({ post: (/** @type {PlannerEvent} */ event, /** @type {unknown} */ content) => post(event, content) }),
    settings,
    identity,
    saveProject,
    createProject,
    product,
    deleteProject,
    formatPrice: (/** @type {number} */ minor, /** @type {string | undefined} */ currency) =>
      formatPrice(minor, currency || settings.currency || 'EUR', settings.locale),
    reloadOpenProject,
    clock,
    onChange: (/** @type {EditorChange} */ change) => {
      if (change?.type === 'edited') open.edited = true;
      // The editor saves and deletes only the project it shows: that is the
      // open project from now on (or none), so live news of it is tracked and
      // the echo of its own delete is not reported as someone else's.
      if (change?.type === 'saved') {
        open.edited = false;
        open.project = change.project;
      }
      if (change?.type === 'deleted' && open.project?.id === change.projectId) open.project = null;
      if (change?.type === 'saved' || change?.type === 'deleted') void loadProjects();
    },
  });

  function notifyIdentity() {
    if (editor?.identityChanged) {
      const id = identity();
      safely('editor.identityChanged', () => editor?.identityChanged?.(id));
    }
  }

  /**
   * mount replaces the editor in the slot with factory's. The open project
   * (if any) and identity are handed to it at once.
   * @param {EditorFactory} factory
   * @returns {() => void} unmounts this editor
   */
  function mount(factory) {
    if (typeof factory !== 'function') throw new TypeError('mountEditor: factory must be a function');
    if (editor) {
      const old = editor;
      editor = null;
      safely('editor.destroy', () => old.destroy());
    }
    const handle = factory(editorContext);
    for (const m of /** @type {const} */ (['load', 'clear', 'destroy'])) {
      if (!handle || typeof handle[m] !== 'function') throw new TypeError(`mountEditor: the editor has no ${m}()`);
    }
    editor = handle;
    notifyIdentity();
    if (open.project) {
      const p = open.project;
      safely('editor.load', () => handle.load(p));
    }
    return () => {
      if (editor !== handle) return;
      editor = null;
      safely('editor.destroy', () => handle.destroy());
    };
  }

  return {
    open,
    mount,
    notifyIdentity,
    /** editor is the mounted editor, null when none. */
    get editor() { return editor; },

    /** destroy removes the editor without a word: the app is leaving anyway. */
    destroy() {
      if (!editor) return;
      const old = editor;
      editor = null;
      try { old.destroy(); } catch { /* leaving anyway */ }
    },
  };
}

/** @typedef {ReturnType<typeof createEditorHost>} EditorHost */
