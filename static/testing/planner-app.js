// planner-app.js: createApp on fakes, for the shell's tests (static/planner/
// app.test.js, session.test.js, catalog.test.js, ...): a fake planner API on
// the fake clock, a fake host window, view, editor and live sockets. setup()
// wires them and returns what a test drives and inspects.

import { createApp } from '../planner/app.js';
import * as eventsModule from '../planner/events.js';
import { fakeClock } from './fake-clock.js';
import { fakeSockets as fakeLiveSockets } from './fake-socket.js';
/**
 * @typedef {import('../planner/app.js').CatalogView} CatalogView
 * @typedef {import('../planner/app.js').ProjectsView} ProjectsView
 * @typedef {import('../planner/app.js').EditorContext} EditorContext
 */

export const T0 = Date.parse('2026-03-01T12:00:00Z');
export const MIN = 60_000;
export const SHOP = 'https://shop.example';
export const DIST = 'd_home';
export const CONFIG = Object.freeze({
  origins: [SHOP], apiBase: 'https://planner.example', distribution: DIST, retailerName: 'Home Shop', locale: 'en',
});

/**
 * fakeServer models the planner API on the fake clock: issued tokens, a
 * catalog and per-user projects. hold() parks matching requests until released.
 * @param {ReturnType<typeof fakeClock>} clock
 */
export function fakeServer(clock) {
  /** @type {Map<string, {kind: 'legal-entity' | 'user', uid: string, dist: string, exp: number, scope: string[]}>} */
  const tokens = new Map();
  /** @type {Array<{method: string, path: string, token: string, ifMatch?: string}>} */
  const requests = [];
  /** @type {Map<string, Array<any>>} uid -> projects */
  const projects = new Map();
  /** @type {Array<{match: (path: string, search: string, method: string) => boolean, waiting: Array<() => void>}>} */
  const holds = [];
  /** @type {Array<(path: string, search: string, method: string) => boolean>} answered 503 once each */
  const failures = [];
  /** @type {Array<{load: string, events: Array<{type: string}>}>} metrics batches posted (POST /v1/events) */
  const batches = [];
  let nextToken = 0;
  let nextProject = 0;
  const products = Array.from({ length: 3 }, (_, i) => ({
    id: `p${i + 1}`, name: `Product ${i + 1}`, category: 'sofas', description: '', width: 200 + i, depth: 90,
    height: 80, price: 129900 + i, currency: 'EUR', color: '#336699',
  }));

  /** @param {number} status @param {unknown} body */
  const reply = (status, body) => new Response(body === undefined ? null : JSON.stringify(body), {
    status, headers: { 'Content-Type': 'application/json' },
  });
  /** @param {number} status @param {string} code @param {string} message */
  const error = (status, code, message) => reply(status, { error: { code, message } });

  /**
   * @param {string} url
   * @param {{method: string, headers: Record<string, string>, body?: string}} init
   */
  async function fetch(url, init) {
    const u = new URL(url);
    const path = u.pathname;
    const auth = init.headers.Authorization ?? '';
    const token = auth.replace(/^Bearer /, '');
    requests.push({ method: init.method, path: u.pathname + u.search, token, ifMatch: init.headers['If-Match'] });
    for (const h of holds) {
      if (h.match(path, u.search, init.method)) await new Promise((resolve) => h.waiting.push(() => resolve(undefined)));
    }
    const failing = failures.findIndex((f) => f(path, u.search, init.method));
    if (failing >= 0) {
      failures.splice(failing, 1);
      return error(503, 'unavailable', 'try again');
    }
    const t = tokens.get(token);
    if (!t) return error(401, 'invalid_token', 'the token is not valid');
    if (clock.now() >= t.exp) return error(401, 'token_expired', 'the token expired');
    if (path === '/v1/events' && init.method === 'POST') {
      batches.push(JSON.parse(init.body ?? '{}'));
      return reply(202, undefined);
    }
    if (path === '/v1/me') {
      return reply(200, {
        kind: t.kind, ...(t.kind === 'user' ? { uid: t.uid } : {}),
        retailer: { id: 'r1', name: 'Home Shop', distributionId: t.dist, plan: 'free' },
        scope: t.scope, expiresAt: new Date(t.exp).toISOString(), serverTime: new Date(clock.now()).toISOString(),
      });
    }
    if (path === '/v1/catalog/categories') return reply(200, { categories: [{ id: 'sofas', name: 'Sofas', count: 3 }] });
    if (path === '/v1/catalog/products') {
      const q = (u.searchParams.get('q') ?? '').toLowerCase();
      const category = u.searchParams.get('category');
      const found = products.filter((p) => p.name.toLowerCase().includes(q) && (!category || p.category === category));
      return u.searchParams.get('cursor') === 'page2'
        ? reply(200, { products: found.slice(2), nextCursor: '' })
        : reply(200, { products: found.slice(0, 2), nextCursor: found.length > 2 ? 'page2' : '' });
    }
    if (path.startsWith('/v1/projects')) {
      if (t.kind !== 'user') return error(403, 'forbidden', 'sign in to use projects');
      const mine = projects.get(t.uid) ?? [];
      if (path === '/v1/projects' && init.method === 'GET') {
        return reply(200, {
          projects: mine.map((p) => ({
            id: p.id, name: p.name, room: p.room, itemCount: p.items.length, version: p.version, updatedAt: p.updatedAt,
          })),
        });
      }
      if (path === '/v1/projects' && init.method === 'POST') {
        if (!t.scope.includes('write')) return error(403, 'insufficient_scope', 'this token may only read');
        const doc = JSON.parse(init.body ?? '{}');
        const now = new Date(clock.now()).toISOString();
        const p = { ...doc, id: `prj${++nextProject}`, version: 1, createdAt: now, updatedAt: now };
        projects.set(t.uid, [...mine, p]);
        return reply(201, p);
      }
      const id = decodeURIComponent(path.slice('/v1/projects/'.length));
      const p = mine.find((x) => x.id === id);
      if (!p) return error(404, 'not_found', `no project ${id}`);
      if (init.method === 'DELETE') {
        if (!t.scope.includes('write')) return error(403, 'insufficient_scope', 'this token may only read');
        if (init.headers['If-Match'] !== `"${p.version}"`) return error(409, 'conflict', 'the project was changed since');
        projects.set(t.uid, mine.filter((x) => x !== p));
        return reply(204, undefined);
      }
      if (init.method === 'PUT') {
        if (!t.scope.includes('write')) return error(403, 'insufficient_scope', 'this token may only read');
        if (init.headers['If-Match'] !== `"${p.version}"`) return error(409, 'conflict', 'the project was changed since');
        Object.assign(p, JSON.parse(init.body ?? '{}'), { version: p.version + 1, updatedAt: new Date(clock.now()).toISOString() });
        return reply(200, p);
      }
      return reply(200, p);
    }
    return error(404, 'not_found', 'no such route');
  }

  return {
    fetch,
    requests,
    batches,
    /**
     * issue registers a token and returns it.
     * With jwt, the token is shaped like the API's (its payload carries kind,
     * le, uid and exp; claims overrides them, as a host could); otherwise it
     * is opaque.
     * @param {{kind?: 'legal-entity' | 'user', uid?: string, dist?: string, ttlMs?: number, write?: boolean,
     *   jwt?: boolean, claims?: Record<string, unknown>}} [o]
     */
    issue({ kind = 'legal-entity', uid = '', dist = DIST, ttlMs = 15 * MIN, write = kind === 'user', jwt = false, claims = {} } = {}) {
      const n = ++nextToken;
      const payload = { kind, le: 'r1', ...(uid ? { uid } : {}), exp: Math.floor((clock.now() + ttlMs) / 1000), jti: String(n), ...claims };
      const token = jwt
        ? `eyJhbGciOiJFZERTQSJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig${n}`
        : `tok${n}.${kind}.${uid}`;
      tokens.set(token, { kind, uid, dist, exp: clock.now() + ttlMs, scope: write ? ['read', 'write'] : ['read'] });
      return token;
    },
    /**
     * addProject stores a project for uid.
     * @param {string} uid
     * @param {string} name
     * @param {number} [items]
     */
    addProject(uid, name, items = 0) {
      const p = {
        id: `prj${++nextProject}`, name, room: { width: 400, depth: 300 },
        items: Array.from({ length: items }, (_, i) => ({ id: `i${i}`, productId: 'p1', x: 50, y: 50, rotation: 0 })),
        version: 1, createdAt: '2026-02-01T10:00:00Z', updatedAt: '2026-02-03T10:00:00Z',
      };
      projects.set(uid, [...(projects.get(uid) ?? []), p]);
      return p;
    },
    /**
     * hold parks requests whose path (and query, method) matches until the returned release() is called.
     * @param {(path: string, search: string, method: string) => boolean} match
     */
    hold(match) {
      /** @type {{match: (path: string, search: string, method: string) => boolean, waiting: Array<() => void>}} */
      const h = { match, waiting: [] };
      holds.push(h);
      return () => {
        holds.splice(holds.indexOf(h), 1);
        for (const w of h.waiting.splice(0)) w();
      };
    },
    /**
     * failOnce answers the next request that matches 503, once.
     * @param {(path: string, search: string, method: string) => boolean} match
     */
    failOnce(match) { failures.push(match); },
    /** revoke makes the server refuse token from now on. @param {string} token */
    revoke(token) { tokens.delete(token); },
    /** @param {string} prefix */
    count: (prefix) => requests.filter((r) => r.path.startsWith(prefix)).length,
  };
}

/** fakeParent records what the planner posts to its host. */
export function fakeParent() {
  /** @type {Array<{event: string, content: any, targetOrigin: string}>} */
  const posted = [];
  return {
    posted,
    /** @param {any} message @param {string} targetOrigin */
    postMessage(message, targetOrigin) {
      // Structured clone, as the browser does: later changes must not show.
      posted.push({ ...structuredClone(message), targetOrigin });
    },
  };
}

/**
 * fakeWindow delivers host messages to the bridge's listener.
 * @param {unknown} parent
 */
export function fakeWindow(parent) {
  /** @type {Set<(ev: any) => void>} */
  const listeners = new Set();
  return {
    /** @param {'message'} _type @param {(ev: any) => void} fn */
    addEventListener(_type, fn) { listeners.add(fn); },
    /** @param {'message'} _type @param {(ev: any) => void} fn */
    removeEventListener(_type, fn) { listeners.delete(fn); },
    /** @param {unknown} data @param {{origin?: string, source?: unknown}} [from] */
    dispatch(data, { origin = SHOP, source = parent } = {}) {
      for (const fn of listeners) fn({ data, origin, source });
    },
  };
}

/** fakeView keeps the last state the app drew. */
export function fakeView() {
  const v = {
    status: '',
    /** @type {string | null} */
    alert: null,
    /** @type {string[]} */
    alerts: [],
    /** @type {CatalogView | null} */
    catalog: null,
    /** @type {ProjectsView | null} */
    projects: null,
    lang: '',
  };
  return {
    state: v,
    view: {
      /** @param {string} text */
      status(text) { v.status = text; },
      /** @param {string | null} m */
      alert(m) {
        v.alert = m;
        if (m !== null) v.alerts.push(m);
      },
      /** @param {CatalogView} c */
      catalog(c) { v.catalog = c; },
      /** @param {ProjectsView} p */
      projects(p) { v.projects = p; },
      /** @param {string} l */
      lang(l) { v.lang = l; },
    },
  };
}

/** fakeEditor records what the app asks of the editor. */
export function fakeEditor() {
  /** @type {string[]} */
  const calls = [];
  /** @type {EditorContext | null} */
  let ctx = null;
  return {
    calls,
    get ctx() { return /** @type {EditorContext} */ (ctx); },
    /** @param {EditorContext} c */
    factory(c) {
      ctx = c;
      return {
        /** @param {any} p */
        load(p) { calls.push(`load:${p.id}`); },
        clear() { calls.push('clear'); },
        destroy() { calls.push('destroy'); },
        /** @param {any} id */
        identityChanged(id) { calls.push(`identity:${id ? `${id.kind}/${id.uid}` : 'none'}`); },
        /** @param {any} s @param {any} sent */
        settingsChanged(s, sent) { calls.push(`settings:${s.locale}/${s.units}:${Object.keys(sent).join(',')}`); },
      };
    },
  };
}

/**
 * fakeSockets is the shared fake WebSocket whose open() also answers the
 * client's authenticate: the shell's tests drive events, not the handshake.
 */
export const fakeSockets = () => fakeLiveSockets({ authenticated: true });

/**
 * @param {Partial<Omit<typeof CONFIG, "locale">> & {locale?: string, liveUrl?: string}} [configOverrides]
 * @param {{WebSocket?: any, noEditor?: boolean, reportEvents?: boolean, loadEvents?: () => Promise<any>}} [opts]
 *   noEditor: no editor mounted (the page's is a chunk that may arrive late; mount editor.factory then).
 *   reportEvents: the app reports its metrics (server.batches); loadEvents: how its chunk arrives (default at once)
 */
export function setup(configOverrides = {}, opts = {}) {
  const clock = fakeClock(T0);
  const server = fakeServer(clock);
  const parent = fakeParent();
  const win = fakeWindow(parent);
  const { view, state } = fakeView();
  const editor = fakeEditor();
  let uuid = 0;
  const app = createApp({
    config: { ...CONFIG, ...configOverrides },
    view, win, parent, clock,
    fetch: server.fetch,
    editorSlot: 'slot',
    gateOptions: { randomUUID: () => `uuid-${++uuid}` },
    WebSocket: opts.WebSocket,
    random: () => 0,
    // The metrics reporter is a chunk the page fetches; here it is handed
    // over at once, unless the test holds it.
    loadEvents: opts.loadEvents ?? (async () => eventsModule),
    reportEvents: opts.reportEvents ? (a) => a.fill(7) : undefined,
  });
  if (!opts.noEditor) app.mountEditor(editor.factory);
  /** @param {string} event @param {unknown} [content] */
  const send = (event, content) => win.dispatch({ event, content });
  /** @param {string} name */
  const events = (name) => parent.posted.filter((m) => m.event === name);
  const names = () => parent.posted.map((m) => m.event);
  return { clock, server, parent, win, state, editor, app, send, events, names };
}
