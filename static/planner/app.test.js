import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp, formatPrice, AUTH_REQUIRED_AFTER_MS, MAX_PROJECT_NAME_LENGTH } from './app.js';
import { fakeClock, flush } from '../testing/fake-clock.js';

/**
 * @typedef {import('./app.js').CatalogView} CatalogView
 * @typedef {import('./app.js').ProjectsView} ProjectsView
 * @typedef {import('./app.js').EditorContext} EditorContext
 */

const T0 = Date.parse('2026-03-01T12:00:00Z');
const MIN = 60_000;
const SHOP = 'https://shop.example';
const DIST = 'd_home';
const CONFIG = Object.freeze({
  origins: [SHOP], apiBase: 'https://planner.example', distribution: DIST, retailerName: 'Home Shop', locale: 'en',
});

/** flush lets pending promise chains (fake fetch, response parsing) settle; no real time passes. */
/**
 * fakeServer models the planner API on the fake clock: issued tokens, a
 * catalog and per-user projects. hold() parks matching requests until released.
 * @param {ReturnType<typeof fakeClock>} clock
 */
function fakeServer(clock) {
  /** @type {Map<string, {kind: 'legal-entity' | 'user', uid: string, dist: string, exp: number, scope: string[]}>} */
  const tokens = new Map();
  /** @type {Array<{method: string, path: string, token: string, ifMatch?: string}>} */
  const requests = [];
  /** @type {Map<string, Array<any>>} uid -> projects */
  const projects = new Map();
  /** @type {Array<{match: (path: string, search: string, method: string) => boolean, waiting: Array<() => void>}>} */
  const holds = [];
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
    const t = tokens.get(token);
    if (!t) return error(401, 'invalid_token', 'the token is not valid');
    if (clock.now() >= t.exp) return error(401, 'token_expired', 'the token expired');
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
    /**
     * issue registers a token and returns it.
     * @param {{kind?: 'legal-entity' | 'user', uid?: string, dist?: string, ttlMs?: number, write?: boolean}} [o]
     */
    issue({ kind = 'legal-entity', uid = '', dist = DIST, ttlMs = 15 * MIN, write = kind === 'user' } = {}) {
      const token = `tok${++nextToken}.${kind}.${uid}`;
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
    /** revoke makes the server refuse token from now on. @param {string} token */
    revoke(token) { tokens.delete(token); },
    /** @param {string} prefix */
    count: (prefix) => requests.filter((r) => r.path.startsWith(prefix)).length,
  };
}

/** fakeParent records what the planner posts to its host. */
function fakeParent() {
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
function fakeWindow(parent) {
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
function fakeView() {
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
function fakeEditor() {
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
      };
    },
  };
}

/** fakeSockets records the live channel's sockets; the test drives them. */
function fakeSockets() {
  /** @type {FakeSocket[]} */
  const opened = [];
  class FakeSocket {
    /** @param {string} url */
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      /** @type {any[]} */
      this.sent = [];
      /** @type {((ev: any) => void) | null} */
      this.onopen = null;
      /** @type {((ev: any) => void) | null} */
      this.onmessage = null;
      /** @type {((ev: any) => void) | null} */
      this.onclose = null;
      /** @type {((ev: any) => void) | null} */
      this.onerror = null;
      opened.push(this);
    }
    /** @param {string} data */
    send(data) { this.sent.push(JSON.parse(data)); }
    close() { this.readyState = 3; }
    /** open opens the socket and answers its authenticate. */
    open() {
      this.readyState = 1;
      this.onopen?.({});
      this.receive({ type: 'authenticated', payload: {} });
    }
    /** @param {unknown} msg */
    receive(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  }
  return { FakeSocket, opened };
}

/**
 * @param {Partial<Omit<typeof CONFIG, "locale">> & {locale?: string, liveUrl?: string}} [configOverrides]
 * @param {{WebSocket?: any}} [opts]
 */
function setup(configOverrides = {}, opts = {}) {
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
  });
  app.mountEditor(editor.factory);
  /** @param {string} event @param {unknown} [content] */
  const send = (event, content) => win.dispatch({ event, content });
  /** @param {string} name */
  const events = (name) => parent.posted.filter((m) => m.event === name);
  const names = () => parent.posted.map((m) => m.event);
  return { clock, server, parent, win, state, editor, app, send, events, names };
}

test('Ready is posted to the exact allowed origin, never "*"', () => {
  const { parent } = setup();
  assert.deepEqual(parent.posted.map((m) => [m.event, m.targetOrigin]), [['Ready', SHOP]]);
});

test('Authentication with a legal-entity token of this distribution is accepted and loads the catalog', async () => {
  const { server, send, events, state, clock } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  const ok = events('AuthenticationSucceeded');
  assert.equal(ok.length, 1);
  assert.equal(ok[0].content.kind, 'legal-entity');
  assert.equal(ok[0].content.expiresAt, new Date(T0 + 15 * MIN).toISOString());
  assert.equal(ok[0].content.uid, undefined);
  assert.equal(ok[0].targetOrigin, SHOP);
  assert.equal(state.status, 'Browsing as guest');
  const catalog = /** @type {CatalogView} */ (state.catalog);
  assert.equal(catalog.status, 'ready');
  assert.deepEqual(catalog.products.map((p) => [p.name, p.size, p.price]), [
    ['Product 1', '200 × 90 cm', '€1,299.00'],
    ['Product 2', '201 × 90 cm', '€1,299.01'],
  ]);
  assert.equal(catalog.hasMore, true);
  assert.deepEqual(catalog.categories.map((c) => c.id), ['sofas']);
  assert.deepEqual(state.projects, { signedIn: false, loading: false, items: [] });
  assert.equal(server.count('/v1/projects'), 0, 'guests never ask for projects');
});

test('tokens of another distribution or of the wrong kind are refused', async (t) => {
  /** @type {Array<{name: string, event: string, token: (s: ReturnType<typeof fakeServer>) => string, want: string, reason: string}>} */
  const cases = [
    { name: 'Authentication, other distribution', event: 'Authentication', token: (s) => s.issue({ dist: 'd_other' }), want: 'AuthenticationFailed', reason: 'wrong_distribution' },
    { name: 'Login, other distribution', event: 'Login', token: (s) => s.issue({ kind: 'user', uid: 'bob', dist: 'd_other' }), want: 'LoginFailed', reason: 'wrong_distribution' },
    { name: 'Authentication with a user token', event: 'Authentication', token: (s) => s.issue({ kind: 'user', uid: 'bob' }), want: 'AuthenticationFailed', reason: 'wrong_kind' },
    { name: 'Login with a legal-entity token', event: 'Login', token: (s) => s.issue(), want: 'LoginFailed', reason: 'wrong_kind' },
    { name: 'Login with an unknown token', event: 'Login', token: () => 'not.a.token', want: 'LoginFailed', reason: 'invalid_token' },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const { server, send, events, state, clock, app } = setup();
      send(tc.event, { token: tc.token(server) });
      await clock.advance(0);
      const failed = events(tc.want);
      assert.equal(failed.length, 1, `${tc.want} posted`);
      assert.equal(failed[0].content.reason, tc.reason);
      assert.equal(events('AuthenticationSucceeded').length + events('LoginSucceeded').length, 0);
      assert.equal(app.debug.identity, null);
      assert.equal(app.debug.tokenUsable, false);
      assert.equal(server.count('/v1/catalog'), 0, 'nothing is read with a refused token');
      assert.notEqual(state.alert, null, 'the refusal is shown');
      assert.equal(state.status, 'Not connected to Home Shop');
    });
  }
});

test('a refused Login keeps the guest session', async () => {
  const { server, send, events, state, clock, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  send('Login', { token: server.issue({ kind: 'user', uid: 'bob', dist: 'd_other' }) });
  await clock.advance(0);
  assert.equal(events('LoginFailed').length, 1);
  assert.deepEqual(app.debug.identity, { kind: 'legal-entity', uid: '' });
  assert.equal(app.debug.tokenUsable, true);
  assert.equal(state.status, 'Browsing as guest');
});

test('Login shows the user\'s projects and TokenRefreshed keeps the same session', async () => {
  const { server, send, events, state, clock, editor } = setup();
  server.addProject('alice', 'Alice kitchen', 3);
  server.addProject('bob', 'Bob lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  assert.deepEqual(events('LoginSucceeded').map((m) => [m.content.kind, m.content.uid]), [['user', 'alice']]);
  assert.equal(state.status, 'Signed in as alice');
  const projects = /** @type {ProjectsView} */ (state.projects);
  assert.equal(projects.signedIn, true);
  assert.deepEqual(projects.items.map((p) => [p.name, p.items, p.updated]), [['Alice kitchen', '3 items', 'Feb 3, 2026']]);
  assert.ok(editor.calls.includes('identity:user/alice'));

  const before = server.count('/v1/projects');
  send('TokenRefreshed', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  assert.equal(events('LoginSucceeded').length, 2);
  assert.equal(server.count('/v1/projects'), before, 'same user: the list is not reloaded');
  assert.equal(state.projects?.items.length, 1);
});

test('TokenRefreshed must keep the kind in use', async () => {
  const { server, send, events, clock, app } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  send('TokenRefreshed', { token: server.issue() });
  await clock.advance(0);
  const failed = events('LoginFailed');
  assert.equal(failed.length, 1, 'refused by the kind in use');
  assert.equal(failed[0].content.reason, 'wrong_kind');
  assert.deepEqual(app.debug.identity, { kind: 'user', uid: 'alice' });
});

test('TokenRefreshed before any token accepts either kind', async () => {
  const { server, send, events, clock } = setup();
  send('TokenRefreshed', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  assert.equal(events('LoginSucceeded').length, 1);
});

test('a failed TokenRefreshed is reported by the kind in use', async () => {
  const { server, send, events, clock } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  send('TokenRefreshed', { token: 'unknown.token' });
  await clock.advance(0);
  assert.deepEqual(events('AuthenticationFailed').map((m) => m.content.reason), ['invalid_token']);
  assert.equal(events('LoginFailed').length, 0);
});

test('AuthenticationRequired is posted once when no token arrives in time', async () => {
  const { send, events, clock, state, server } = setup();
  await clock.advance(AUTH_REQUIRED_AFTER_MS - 1);
  assert.equal(events('AuthenticationRequired').length, 0);
  await clock.advance(1);
  assert.equal(events('AuthenticationRequired').length, 1);
  assert.equal(events('AuthenticationRequired')[0].targetOrigin, SHOP);
  assert.match(state.status, /Waiting for Home Shop/);
  await clock.advance(60_000);
  assert.equal(events('AuthenticationRequired').length, 1, 'posted once');
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  assert.equal(state.status, 'Browsing as guest');
});

test('AuthenticationRequired is not posted when a token arrived in time', async () => {
  const { send, events, clock, server } = setup();
  await clock.advance(1000);
  send('Authentication', { token: server.issue() });
  await clock.advance(60_000);
  assert.equal(events('AuthenticationRequired').length, 0);
});

test('AuthenticationRequired is posted after a refused token once the deadline passed', async () => {
  const { send, events, clock, server } = setup();
  const release = server.hold((p) => p === '/v1/me');
  send('Authentication', { token: server.issue({ dist: 'd_other' }) });
  await clock.advance(AUTH_REQUIRED_AFTER_MS + 1000);
  assert.equal(events('AuthenticationRequired').length, 0, 'not while the token is being checked');
  release();
  await clock.advance(0);
  assert.deepEqual(events('AuthenticationFailed').map((m) => m.content.reason), ['wrong_distribution']);
  assert.equal(events('AuthenticationRequired').length, 1);
});

test('Logout removes the user\'s data at once; status is guest again after Authentication', async () => {
  const { server, send, state, clock, editor, app, events } = setup();
  server.addProject('alice', 'Alice kitchen');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  const id = /** @type {ProjectsView} */ (state.projects).items[0].id;
  send('LoadProject', { projectId: id });
  await clock.advance(0);
  assert.equal(events('ProjectLoadingSucceeded').length, 1);
  editor.calls.length = 0;

  send('Logout', {});
  // Synchronously: no await between the message and the check.
  assert.deepEqual(state.projects, { signedIn: false, loading: false, items: [] });
  assert.ok(!JSON.stringify(state).includes('Alice kitchen'), 'no project name left on screen');
  assert.deepEqual(editor.calls, ['clear', 'identity:none']);
  assert.equal(state.status, 'Signed out');
  assert.equal(app.debug.identity, null);
  assert.equal(app.debug.tokenUsable, false);

  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  assert.equal(state.status, 'Browsing as guest');
  assert.deepEqual(state.projects, { signedIn: false, loading: false, items: [] });
});

test('a projects answer that arrives after Logout is not shown', async () => {
  const { server, send, state, clock } = setup();
  server.addProject('alice', 'Alice kitchen');
  const release = server.hold((p) => p === '/v1/projects');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  assert.equal(state.projects?.loading, true);
  send('Logout', {});
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  release();
  await clock.advance(0);
  assert.ok(!JSON.stringify(state).includes('Alice kitchen'));
  assert.equal(state.projects?.signedIn, false);
  assert.equal(state.alert, null, 'the dropped answer raises no alert');
});

test('a Login still being checked when Logout arrives is never installed', async () => {
  const { server, send, events, clock, app, state } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  const release = server.hold((p) => p === '/v1/me');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  send('Logout', {});
  release();
  await clock.advance(0);
  assert.deepEqual(events('LoginFailed').map((m) => m.content.reason), ['superseded']);
  assert.equal(events('LoginSucceeded').length, 0);
  assert.equal(app.debug.identity, null);
  assert.equal(state.status, 'Signed out');
});

test('LoadProject answers ProjectLoadingSucceeded and hands the project to the editor', async () => {
  const { server, send, events, clock, editor } = setup();
  const p = server.addProject('alice', 'Alice kitchen', 2);
  // Login and LoadProject back to back, as the SDK sends them after Ready.
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  assert.deepEqual(events('ProjectLoadingSucceeded').map((m) => m.content.projectId), [p.id]);
  assert.equal(events('ProjectLoadingFailed').length, 0);
  assert.ok(editor.calls.includes(`load:${p.id}`));
});

test('LoadProject asks the editor to leave first: it opens after, or answers unsaved_changes when the visitor stays', async () => {
  const { server, send, events, clock, app } = setup();
  const a = server.addProject('alice', 'Kitchen');
  const b = server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  /** @type {string[]} */
  const calls = [];
  /** @type {(ok: boolean) => void} */
  let answer = () => {};
  app.mountEditor(() => ({
    load: (/** @type {any} */ x) => calls.push(`load:${x.id}`), clear() {}, destroy() {},
    leave: () => { calls.push('leave'); return new Promise((r) => { answer = r; }); },
  }));
  send('LoadProject', { projectId: a.id });
  await clock.advance(0);
  assert.deepEqual(calls, ['leave'], 'nothing replaces the design before it is saved or given up');
  answer(false);
  await clock.advance(0);
  assert.deepEqual(events('ProjectLoadingFailed').map((m) => m.content), [{ projectId: a.id, error: 'the open project has unsaved changes the visitor kept', code: 'unsaved_changes' }]);
  send('LoadProject', { projectId: b.id });
  await clock.advance(0);
  answer(true);
  await clock.advance(0);
  assert.deepEqual(calls, ['leave', 'leave', `load:${b.id}`]);
  assert.deepEqual(events('ProjectLoadingSucceeded').map((m) => m.content.projectId), [b.id]);
});

test('LoadProject failures answer ProjectLoadingFailed with the project id', async (t) => {
  await t.test('unknown project', async () => {
    const { server, send, events, clock, state, editor } = setup();
    send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
    await clock.advance(0);
    send('LoadProject', { projectId: 'nope' });
    await clock.advance(0);
    const failed = events('ProjectLoadingFailed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].content.projectId, 'nope');
    assert.equal(failed[0].content.error, 'no project nope');
    assert.equal(failed[0].content.code, 'not_found');
    assert.equal(state.alert, 'no project nope');
    assert.ok(!editor.calls.some((c) => c.startsWith('load:')));
  });
  await t.test('another user\'s project', async () => {
    const { server, send, events, clock } = setup();
    const bobs = server.addProject('bob', 'Bob lounge');
    send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
    await clock.advance(0);
    send('LoadProject', { projectId: bobs.id });
    await clock.advance(0);
    assert.deepEqual(events('ProjectLoadingFailed').map((m) => m.content.projectId), [bobs.id]);
  });
  await t.test('guest', async () => {
    const { server, send, events, clock } = setup();
    send('Authentication', { token: server.issue() });
    await clock.advance(0);
    send('LoadProject', { projectId: 'prj1' });
    await clock.advance(0);
    assert.deepEqual(events('ProjectLoadingFailed').map((m) => m.content), [{ projectId: 'prj1', error: 'sign in required', code: 'login_required' }]);
    assert.equal(server.count('/v1/projects'), 0, 'not even asked');
  });
});

test('an expired token posts TokenExpired once however many calls wait, then resumes them', async () => {
  const { server, send, events, clock, state, app } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice', ttlMs: 5 * MIN }) });
  await clock.advance(0);
  await clock.advance(5 * MIN);
  const reads = server.count('/v1/catalog');
  void app.refreshCatalog();
  void app.refreshCatalog();
  void app.refreshCatalog();
  void app.refreshProjects();
  await clock.advance(0);
  assert.equal(server.count('/v1/catalog'), reads, 'held, not sent with the expired token');
  assert.deepEqual(events('TokenExpired').map((m) => [m.content, m.targetOrigin]), [[{ kind: 'user' }, SHOP]]);
  assert.equal(state.status, 'Waiting for the site to renew your session…');
  assert.equal(app.debug.gateState, 'waiting');
  assert.equal(app.debug.heldCount, 7);

  send('TokenRefreshed', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  assert.equal(events('TokenExpired').length, 1, 'forwarded once');
  assert.equal(app.debug.heldCount, 0);
  assert.equal(state.status, 'Signed in as alice');
  assert.equal(state.catalog?.status, 'ready');
  assert.equal(state.alert, null);
  assert.equal(events('LoginFailed').length, 0);
});

test('a catalog failure\'s alert goes once the catalog loads again; a write\'s failure stays', async () => {
  const { server, send, clock, state, app, editor } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice', ttlMs: MIN }) });
  await clock.advance(0);
  await clock.advance(MIN);
  void app.refreshCatalog();
  await clock.advance(31_000); // no token within the hold deadline
  assert.equal(state.catalog?.status, 'error');
  assert.match(String(state.alert), /did not renew your session in time/);

  // The session is renewed: the app reloads the failed catalog, and the
  // alert about it no longer says anything true.
  send('TokenRefreshed', { token: server.issue({ kind: 'user', uid: 'alice', ttlMs: MIN }) });
  await clock.advance(0);
  assert.equal(state.catalog?.status, 'ready');
  assert.equal(state.alert, null);

  // A write that timed out is not redone by the app: its alert stays.
  await clock.advance(MIN);
  const saving = editor.ctx.createProject('Held too long');
  saving.catch(() => {});
  await clock.advance(31_000);
  await assert.rejects(saving, { code: 'hold_timeout' });
  send('TokenRefreshed', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  await app.refreshCatalog();
  assert.equal(state.catalog?.status, 'ready');
  assert.match(String(state.alert), /did not renew your session in time/);
});

test('New project saves through the gate, posts ProjectSavingSucceeded and refreshes the list', async () => {
  const { server, send, events, clock, state, editor } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  const project = await editor.ctx.createProject('  Study  ');
  await clock.advance(0);
  assert.equal(project.name, 'Study');
  assert.deepEqual(project.room, { width: 400, depth: 300 });
  assert.deepEqual(events('ProjectSavingSucceeded').map((m) => m.content.projectId), [project.id]);
  assert.deepEqual(state.projects?.items.map((p) => p.name), ['Study']);
  // The API's limit, the editor's rename's too: 120 characters.
  assert.equal(MAX_PROJECT_NAME_LENGTH, 120);
  assert.equal((await editor.ctx.createProject('n'.repeat(120))).name.length, 120);
  await assert.rejects(editor.ctx.createProject('n'.repeat(121)));
});

test('saving as a guest asks the host for a login', async () => {
  const { server, send, events, clock, editor } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  await assert.rejects(editor.ctx.createProject('Study'));
  assert.equal(events('LoginRequired').length, 1);
  assert.deepEqual(events('ProjectSavingFailed').map((m) => m.content.error), ['sign in required']);
  assert.equal(server.count('/v1/projects'), 0);
});

test('a write held across a sign-out fails with identity_changed, never replayed as the next visitor', async () => {
  const { server, send, events, clock, state, editor } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice', ttlMs: MIN }) });
  await clock.advance(0);
  await clock.advance(MIN);
  const saving = editor.ctx.createProject('Held');
  saving.catch(() => {});
  await clock.advance(0);
  assert.equal(events('TokenExpired').length, 1);
  send('Logout', {});
  await assert.rejects(saving, { code: 'identity_changed' });
  send('Login', { token: server.issue({ kind: 'user', uid: 'bob' }) });
  await clock.advance(0);
  assert.equal(server.requests.filter((r) => r.method === 'POST').length, 0);
  assert.deepEqual(events('ProjectSavingFailed').map((m) => m.content.code), ['identity_changed']);
  assert.deepEqual(state.projects?.items, []);
});

test('a token the API stops accepting is reported once, by its kind, and shown', async () => {
  const { server, send, events, clock, state, app } = setup();
  const token = server.issue();
  send('Authentication', { token });
  await clock.advance(0);
  server.revoke(token);
  await app.refreshCatalog().catch(() => {});
  await app.refreshCatalog().catch(() => {});
  await clock.advance(0);
  assert.deepEqual(events('AuthenticationFailed').map((m) => m.content.reason), ['invalid_token']);
  assert.equal(events('LoginFailed').length, 0);
  assert.notEqual(state.alert, null);
  assert.equal(app.debug.gateState, 'failed');
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  assert.equal(app.debug.gateState, 'ok');
  assert.equal(state.catalog?.status, 'ready', 'a fresh token reloads a failed catalog');
});

test('SetUpSettings re-renders prices and dates for the new locale', async () => {
  const { server, send, clock, state, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  send('SetUpSettings', { locale: 'fr-FR', currency: 'EUR' });
  assert.equal(state.catalog?.products[0].price, formatPrice(129900, 'EUR', 'fr-FR'));
  assert.match(state.catalog?.products[0].price ?? '', /^1\s299,00\s€$/);
  assert.equal(state.lang, 'fr-FR');
  assert.deepEqual(app.debug.settings, { locale: 'fr-FR', currency: 'EUR' });
});

test('Load more appends the next page', async () => {
  const { server, send, clock, state, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  await app.loadMore();
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p1', 'p2', 'p3']);
  assert.equal(state.catalog?.hasMore, false);
});

test('messages from other origins or windows change nothing', async () => {
  const { server, win, events, clock, app, parent } = setup();
  win.dispatch({ event: 'Login', content: { token: server.issue({ kind: 'user', uid: 'eve' }) } }, { origin: 'https://evil.example' });
  win.dispatch({ event: 'Login', content: { token: server.issue({ kind: 'user', uid: 'eve' }) } }, { source: {} });
  await clock.advance(0);
  assert.equal(server.requests.length, 0);
  assert.equal(events('LoginSucceeded').length + events('LoginFailed').length, 0);
  assert.equal(app.debug.bridgeStats.dropped.origin, 1);
  assert.equal(app.debug.bridgeStats.dropped.source, 1);
  assert.ok(parent.posted.every((m) => m.targetOrigin === SHOP));
});

test('the debug view holds no token', async () => {
  const { server, send, clock, app } = setup();
  const token = server.issue({ kind: 'user', uid: 'alice' });
  send('Login', { token });
  await clock.advance(0);
  const dump = JSON.stringify(Object.fromEntries(Object.keys(Object.getOwnPropertyDescriptors(app.debug))
    .map((k) => [k, /** @type {any} */ (app.debug)[k]])));
  assert.ok(dump.includes('alice'));
  assert.ok(!dump.includes(token));
  assert.throws(() => { /** @type {any} */ (app.debug).gateState = 'x'; });
});

test('mountEditor hands the open project to a newly mounted editor and destroys the old one', async () => {
  const { server, send, clock, app, editor, events } = setup();
  const p = server.addProject('alice', 'Alice kitchen');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  assert.equal(events('ProjectLoadingSucceeded').length, 1);
  const second = fakeEditor();
  const unmount = app.mountEditor(second.factory);
  assert.ok(editor.calls.includes('destroy'));
  assert.deepEqual(second.calls, ['identity:user/alice', `load:${p.id}`]);
  unmount();
  assert.ok(second.calls.includes('destroy'));
  assert.throws(() => app.mountEditor(/** @type {any} */ (() => ({ load() {} }))), /no clear/);
});

test('formatPrice uses the currency\'s minor units', () => {
  assert.equal(formatPrice(129900, 'EUR', 'en'), '€1,299.00');
  assert.equal(formatPrice(1299, 'JPY', 'en'), '¥1,299');
  assert.equal(formatPrice(500, 'EUR', 'xx-invalid-locale-tag-that-is-long'), '€5.00');
});

// ---- catalog search, the editor's product lookup and delete ----

/** @param {ReturnType<typeof fakeServer>} server @returns {URLSearchParams} the query of the last products request */
function lastProductsQuery(server) {
  const r = server.requests.filter((x) => x.path.startsWith('/v1/catalog/products')).at(-1);
  return new URL(`https://x${r?.path ?? ''}`).searchParams;
}

test('setQuery searches the catalog by name from the first page; "" shows everything again', async () => {
  const { server, send, clock, state, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  await app.setQuery('  product 3 ');
  assert.equal(lastProductsQuery(server).get('q'), 'product 3', 'trimmed');
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p3']);
  assert.equal(state.catalog?.hasMore, false);
  assert.equal(state.catalog?.status, 'ready');

  await app.setQuery('');
  assert.equal(lastProductsQuery(server).has('q'), false);
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p1', 'p2']);

  await app.setQuery('x'.repeat(150));
  assert.equal(lastProductsQuery(server).get('q'), 'x'.repeat(100), 'bounded to 100 characters');
  assert.equal(state.catalog?.products.length, 0);

  // With a category and over pages: the search is kept.
  await app.setCategory('sofas');
  await app.setQuery('Product');
  assert.equal(lastProductsQuery(server).get('category'), 'sofas');
  await app.loadMore();
  const more = lastProductsQuery(server);
  assert.deepEqual([more.get('q'), more.get('category'), more.get('cursor')], ['Product', 'sofas', 'page2']);
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p1', 'p2', 'p3']);
});

test('a slow answer to an earlier search never replaces a later one', async () => {
  const { server, send, clock, state, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  const release = server.hold((path, search) => path === '/v1/catalog/products' && new URLSearchParams(search).get('q') === 'Product');
  const first = app.setQuery('Product');
  await clock.advance(0);
  await app.setQuery('Product 2');
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p2']);
  release();
  await first;
  await clock.advance(0);
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p2'], 'still the later search');
  assert.equal(state.catalog?.status, 'ready');
});

test('ctx.product gives the editor a loaded catalog product with its price, undefined otherwise', async () => {
  const { server, send, clock, app, editor } = setup();
  assert.equal(editor.ctx.product?.('p1'), undefined, 'nothing before the catalog loads');
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  const p1 = editor.ctx.product?.('p1');
  assert.deepEqual(p1 && [p1.name, p1.price, p1.currency, p1.width, p1.depth], ['Product 1', 129900, 'EUR', 200, 90]);
  assert.equal(editor.ctx.product?.('p3'), undefined, 'not on a loaded page: the editor fetches it');
  assert.equal(editor.ctx.product?.('nope'), undefined);
  await app.loadMore();
  assert.equal(editor.ctx.product?.('p3')?.name, 'Product 3');
});

test('ctx.deleteProject deletes at the given version and refreshes the list; a stale version is refused and shown', async () => {
  const { server, send, clock, state, app, editor } = setup();
  const gone = server.addProject('alice', 'Old kitchen');
  const kept = server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: gone.id });
  await clock.advance(0);
  assert.deepEqual(app.debug.openProject, { id: gone.id, version: 1 });
  const deleteProject = /** @type {NonNullable<EditorContext['deleteProject']>} */ (editor.ctx.deleteProject);
  await deleteProject(gone.id, 1);
  await clock.advance(0);
  const del = server.requests.filter((r) => r.method === 'DELETE');
  assert.deepEqual(del.map((r) => [r.path, r.ifMatch]), [[`/v1/projects/${gone.id}`, '"1"']]);
  assert.deepEqual(state.projects?.items.map((p) => p.name), ['Lounge'], 'the list is refreshed');
  assert.equal(app.debug.openProject, null, 'the deleted project is no longer the open one');

  await assert.rejects(deleteProject(kept.id, 7), { code: 'conflict' });
  await clock.advance(0);
  assert.equal(state.alert, 'the project was changed since');
  assert.deepEqual(state.projects?.items.map((p) => p.name), ['Lounge']);
});

test('the live echo of one\'s own delete is not shown as another tab\'s change', async () => {
  const { FakeSocket, opened } = fakeSockets();
  const { server, send, clock, state, editor } = setup({ liveUrl: 'wss://planner.example/ws' }, { WebSocket: FakeSocket });
  const p = server.addProject('alice', 'Old kitchen');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  const sock = opened[0];
  sock.open();
  editor.calls.length = 0;
  const release = server.hold((path, _search, method) => method === 'DELETE');
  const deleting = /** @type {NonNullable<EditorContext['deleteProject']>} */ (editor.ctx.deleteProject)(p.id, 1);
  await clock.advance(0);
  // The server publishes the delete before our answer arrives.
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.deleted', id: p.id, version: 1 } });
  await clock.advance(0);
  release();
  await deleting;
  await clock.advance(0);
  assert.ok(!state.alerts.some((a) => /another tab/.test(a)), `alerts: ${JSON.stringify(state.alerts)}`);
  assert.ok(!editor.calls.includes('clear'), 'the editor, which deleted it, is not cleared behind its back');
});

test('a row of "My projects" renames at the version it showed; a stale version is refused, explained and refreshed', async () => {
  const { server, send, clock, state, app, editor, events } = setup();
  const p = server.addProject('alice', 'Kitchen', 2);
  const other = server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  editor.calls.length = 0;
  assert.equal(state.projects?.items[0].version, 1);

  assert.equal(await app.renameListedProject(p.id, 1, '  Big kitchen '), true);
  await clock.advance(0);
  const put = server.requests.filter((r) => r.method === 'PUT');
  assert.deepEqual(put.map((r) => [r.path, r.ifMatch]), [[`/v1/projects/${p.id}`, '"1"']]);
  assert.equal(p.name, 'Big kitchen');
  assert.equal(p.items.length, 2, 'the rest of the project is kept');
  assert.deepEqual(state.projects?.items.map((x) => x.name), ['Big kitchen', 'Lounge']);
  assert.deepEqual(editor.calls, [`load:${p.id}`], 'the open, unedited project is shown renamed');
  assert.deepEqual(app.debug.openProject, { id: p.id, version: 2 });
  assert.deepEqual(events('ProjectSavingSucceeded').at(-1)?.content, { projectId: p.id, version: 2 });

  // Changed elsewhere since the list was drawn: nothing is overwritten.
  other.version = 5;
  assert.equal(await app.renameListedProject(other.id, 1, 'Den'), false);
  await clock.advance(0);
  assert.equal(other.name, 'Lounge');
  assert.match(state.alert ?? '', /^“Lounge” was changed in another tab or on another device, so nothing was done\. The list is up to date now: try again\.$/);
  assert.equal(state.projects?.items.find((x) => x.id === other.id)?.version, 5, 'the list was refreshed');

  assert.equal(await app.renameListedProject(other.id, 5, '   '), false);
  assert.equal(state.alert, 'A project name is 1 to 120 characters.');
  assert.equal(await app.renameListedProject(other.id, 5, 'x'.repeat(121)), false, 'the API\'s limit');
});

test('renaming the open project from the list while it has unsaved changes offers the change, never loads over them', async () => {
  const { server, send, clock, app, editor } = setup();
  const p = server.addProject('alice', 'Kitchen');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  /** @type {any[]} */
  const offers = [];
  app.mountEditor((ctx) => ({
    load: (/** @type {any} */ x) => offers.push(`load:${x.id}`), clear() {}, destroy() {},
    remoteChange: (/** @type {any} */ c) => offers.push(c),
  }));
  offers.length = 0;
  editor.ctx.onChange({ type: 'edited' });
  assert.equal(await app.renameListedProject(p.id, 1, 'Big kitchen'), true);
  await clock.advance(0);
  assert.deepEqual(offers, [{ type: 'updated', projectId: p.id, version: 2 }]);
  assert.deepEqual(app.debug.openProject, { id: p.id, version: 1 }, 'the editor still holds version 1');
});

test('deleting the open project from the list leaves the editor with a new, untitled room; a stale version deletes nothing', async () => {
  const { server, send, clock, state, app, editor } = setup();
  const open = server.addProject('alice', 'Kitchen');
  const other = server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: open.id });
  await clock.advance(0);
  editor.calls.length = 0;

  other.version = 3;
  assert.equal(await app.deleteListedProject(other.id, 1), false);
  await clock.advance(0);
  assert.deepEqual(state.projects?.items.map((x) => x.name), ['Kitchen', 'Lounge']);
  assert.match(state.alert ?? '', /^“Lounge” was changed in another tab/);
  assert.deepEqual(editor.calls, []);

  assert.equal(await app.deleteListedProject(open.id, 1), true);
  await clock.advance(0);
  const del = server.requests.filter((r) => r.method === 'DELETE');
  assert.deepEqual(del.map((r) => [r.path, r.ifMatch]), [[`/v1/projects/${other.id}`, '"1"'], [`/v1/projects/${open.id}`, '"1"']]);
  assert.deepEqual(state.projects?.items.map((x) => x.name), ['Lounge']);
  assert.deepEqual(editor.calls, ['clear']);
  assert.equal(app.debug.openProject, null);
  assert.equal(state.alert, '“Kitchen” was deleted; the editor shows a new, untitled room.');

  // Deleting a project that is not open leaves the editor alone.
  editor.calls.length = 0;
  assert.equal(await app.deleteListedProject(other.id, 3), true);
  await clock.advance(0);
  assert.deepEqual(editor.calls, []);
  assert.deepEqual(state.projects?.items, []);
});

test('the shell speaks the locale: status, item counts and alerts follow SetUpSettings; English is unchanged', async () => {
  const { server, send, clock, state, app } = setup({ locale: 'fr' });
  assert.equal(state.status, '');
  assert.equal(state.lang, 'fr');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  server.addProject('alice', 'Cuisine', 1);
  await clock.advance(0);
  assert.equal(state.status, 'Connecté en tant que alice');
  assert.equal(state.projects?.items[0].items, '1 élément');
  send('SetUpSettings', { locale: 'en' });
  assert.equal(state.status, 'Signed in as alice');
  assert.equal(state.projects?.items[0].items, '1 item');
  send('Logout', {});
  assert.equal(state.status, 'Signed out');
  send('SetUpSettings', { locale: 'fr-FR' });
  assert.equal(state.status, 'Déconnecté');
  await assert.rejects(app.createProject(''));
  assert.equal(state.alert, 'Un nom de projet compte de 1 à 120 caractères.');
});
