// saver.js: when and how the editor saves, free of the DOM.
//
// One save at a time: a change made while a save is in flight is saved after
// it, so a new project is created once however often Save is pressed. A guest
// pressing Save gets LoginRequired and the design stays in memory; the next
// Login saves it. Signed-in changes autosave AUTOSAVE_MS after the last one.
// A 409 stops autosave until the visitor picks reload or overwrite.

/**
 * @typedef {import('../api.js').Project} Project
 * @typedef {import('../api.js').ProjectDoc} ProjectDoc
 * @typedef {import('../clock.js').Clock} Clock
 * @typedef {'new' | 'dirty' | 'saving' | 'saved' | 'error' | 'conflict' | 'login'} SaveStatus
 *   new: nothing to save yet; login: waiting for the visitor to sign in
 * @typedef {{status: SaveStatus, message: string, projectId: string | null, version: number}} SaveState
 */

/** AUTOSAVE_MS: a signed-in change is saved this long after the last one. */
export const AUTOSAVE_MS = 2000;

/**
 * @param {object} o
 * @param {Clock} o.clock
 * @param {(doc: ProjectDoc, target?: {id: string, version: number}) => Promise<Project>} o.save
 * @param {() => boolean} o.signedIn
 * @param {() => ProjectDoc} o.doc the document to save now
 * @param {() => void} o.loginRequired
 * @param {(s: SaveState) => void} o.onState
 * @param {(p: Project) => void} [o.onSaved]
 * @param {number} [o.autosaveMs]
 */
export function createSaver({ clock, save, signedIn, doc, loginRequired, onState, onSaved = () => {}, autosaveMs = AUTOSAVE_MS }) {
  /** @type {SaveState} */
  let st = { status: 'new', message: '', projectId: null, version: 0 };
  let changes = 0; // bumped per change; a save is clean if none came during it
  let savedChanges = 0;
  let inFlight = false;
  let again = false;
  let pendingLogin = false;
  let gen = 0; // bumped by reset: answers of an older generation are dropped
  /** @type {unknown} */
  let timer = null;
  let conflictVersion = 0;
  /** @type {Promise<void>} the save in flight (resolved when none) */
  let flight = Promise.resolve();

  /** @param {Partial<SaveState>} next */
  const set = (next) => { st = { ...st, ...next }; onState({ ...st }); };
  const dirty = () => changes !== savedChanges;

  function cancel() {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
  }

  function schedule() {
    cancel();
    if (!signedIn() || st.status === 'conflict') return;
    timer = clock.setTimeout(() => { timer = null; void run(); }, autosaveMs);
  }

  /** @returns {Promise<void>} settles when this save (or the one in flight) is answered */
  function run() {
    cancel();
    if (inFlight) { again = true; return flight; }
    if (!signedIn()) return Promise.resolve();
    flight = runOnce();
    return flight;
  }

  async function runOnce() {
    inFlight = true;
    const g = gen;
    const at = changes;
    set({ status: 'saving', message: '' });
    try {
      const target = st.projectId ? { id: st.projectId, version: st.version } : undefined;
      const p = await save(doc(), target);
      if (g !== gen) return;
      savedChanges = at;
      set({ projectId: p.id, version: p.version, status: dirty() ? 'dirty' : 'saved' });
      onSaved(p);
      if (dirty()) schedule();
    } catch (err) {
      if (g !== gen) return;
      const e = /** @type {{code?: string, message?: string, currentVersion?: number}} */ (err ?? {});
      if (e.code === 'conflict') {
        conflictVersion = Number(e.currentVersion) || 0;
        set({ status: 'conflict', message: e.message || '' });
      } else {
        set({ status: 'error', message: e.message || String(err) });
      }
    } finally {
      if (g === gen) {
        inFlight = false;
        if (again) { again = false; if (dirty() && st.status !== 'conflict') void run(); }
      }
    }
  }

  return {
    get state() { return { ...st }; },
    get dirty() { return dirty(); },
    /** changed: the document changed; autosave when signed in. */
    changed() {
      changes++;
      if (st.status === 'conflict') return;
      if (!signedIn()) { if (st.status !== 'login') set({ status: 'dirty', message: '' }); return; }
      if (!inFlight) set({ status: 'dirty', message: '' });
      schedule();
    },
    /** saveNow: the Save button. */
    saveNow() {
      if (!signedIn()) {
        pendingLogin = true;
        set({ status: 'login', message: '' });
        loginRequired();
        return;
      }
      if (st.status === 'conflict') return;
      if (!dirty() && st.projectId) { set({ status: 'saved' }); return; }
      void run();
    },
    /** signedInNow: a user token was accepted; a pending guest Save goes out. */
    signedInNow() {
      // A guest's design kept across the sign-in is saved like any change,
      // whether or not it was ever saved (a new design has no project id yet).
      if (pendingLogin) { pendingLogin = false; void run(); }
      else if (dirty()) schedule();
    },
    /** signedOut: no more autosave (held writes fail in the gate anyway). */
    signedOut() { cancel(); },
    /**
     * overwrite answers a conflict by saving this document over the other tab's.
     */
    overwrite() {
      if (st.status !== 'conflict') return;
      st = { ...st, version: conflictVersion || st.version, status: 'dirty' };
      savedChanges = changes - 1;
      void run();
    },
    /**
     * remote: the project changed elsewhere (live channel) while edited here;
     * version is theirs (0: deleted, so keeping mine creates a new project).
     * @param {number} version
     */
    remote(version) {
      cancel();
      conflictVersion = version;
      if (version === 0) st = { ...st, projectId: null, version: 0 };
      set({ status: 'conflict', message: '' });
    },
    /**
     * reset starts over: a loaded project (or null for a new design).
     * @param {Project | null} project
     */
    reset(project) {
      cancel();
      gen++;
      inFlight = false;
      again = false;
      pendingLogin = false;
      changes = savedChanges = 0;
      set(project ? { status: 'saved', message: '', projectId: project.id, version: project.version }
        : { status: 'new', message: '', projectId: null, version: 0 });
    },
    /**
     * settle saves what is unsaved now, after any save in flight, and tells
     * whether nothing is left unsaved (before leaving the design). False when
     * a save failed, in a conflict, or signed out: the caller asks the
     * visitor before dropping the changes.
     * @returns {Promise<boolean>}
     */
    async settle() {
      const g = gen;
      // A few rounds: changes made while a save is in flight are saved after it.
      for (let i = 0; i < 4; i++) {
        if (g !== gen || !dirty()) return true;
        if (st.status === 'conflict' || !signedIn()) return false;
        await run();
        if (g !== gen) return true;
        // A failed save in flight is retried at once (run set again); a
        // failure with nothing after it is the answer.
        const now = /** @type {SaveStatus} */ (st.status); // run() changed it
        if (!inFlight && (now === 'error' || now === 'conflict')) return false;
      }
      return !dirty();
    },
    destroy() { cancel(); gen++; },
  };
}

/** @typedef {ReturnType<typeof createSaver>} Saver */
