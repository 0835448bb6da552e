import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiveClient, liveURL, BACKOFF_BASE_MS, BACKOFF_MAX_MS } from './live.js';
import { fakeClock } from '../testing/fake-clock.js';
import { fakeSockets } from '../testing/fake-socket.js';

/** @param {{random?: () => number}} [o] */
function setup(o = {}) {
  const clock = fakeClock();
  const { FakeSocket, opened } = fakeSockets();
  /** @type {Array<{type: string, [k: string]: unknown}>} */
  const calls = [];
  /** @type {string[]} */
  const warnings = [];
  const live = createLiveClient({
    url: 'ws://planner.test/ws?d=d_1',
    WebSocket: FakeSocket,
    clock,
    random: o.random ?? (() => 0.5),
    onEvent: (ev) => calls.push({ type: 'event', ev }),
    onResync: (why) => calls.push({ type: 'resync', why }),
    onTokenExpired: () => calls.push({ type: 'tokenExpired' }),
    logger: { warn: (msg) => warnings.push(msg) },
  });
  return { clock, opened, calls, live, warnings };
}

const ALICE = { kind: 'user', uid: 'alice' };
const BOB = { kind: 'user', uid: 'bob' };
const GUEST = { kind: 'legal-entity', uid: '' };

/** @param {ReturnType<typeof setup>} s @param {string} token @param {{kind: string, uid: string}} who */
function connectAs(s, token, who) {
  s.live.setToken(token, who);
  const sock = s.opened.at(-1);
  assert.ok(sock);
  sock.open();
  sock.receive({ type: 'authenticated', payload: { kind: who.kind, expiresAt: '2026-01-01T00:15:00Z' } });
  return sock;
}

test('liveURL adds the distribution', () => {
  assert.equal(liveURL('wss://planner.example/ws', 'd_1'), 'wss://planner.example/ws?d=d_1');
  assert.equal(liveURL('ws://localhost:8090/ws?d=old', 'd_2&x'), 'ws://localhost:8090/ws?d=d_2%26x');
});

test('connects only after the first token, then authenticates and subscribes', () => {
  const s = setup();
  assert.equal(s.opened.length, 0);
  assert.equal(s.live.state, 'idle');
  s.live.setToken('t1', ALICE);
  assert.equal(s.opened.length, 1);
  const sock = s.opened[0];
  assert.equal(sock.url, 'ws://planner.test/ws?d=d_1');
  assert.equal(s.live.state, 'connecting');
  sock.open();
  assert.deepEqual(sock.sent, [{ type: 'authenticate', payload: { token: 't1' } }]);
  sock.receive({ type: 'authenticated', payload: { kind: 'user', expiresAt: 'x' } });
  assert.deepEqual(sock.sentTypes, ['authenticate', 'subscribe:catalog', 'subscribe:projects']);
  assert.equal(s.live.state, 'open');
  assert.deepEqual(s.calls, [], 'no resync on the first connection');
});

test('a guest subscribes to the catalog only', () => {
  const s = setup();
  const sock = connectAs(s, 'le', GUEST);
  assert.deepEqual(sock.sentTypes, ['authenticate', 'subscribe:catalog']);
});

test('a new token re-authenticates on the same socket; the same user keeps its subscriptions', () => {
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  s.live.setToken('t2', ALICE);
  assert.equal(s.opened.length, 1, 'no second socket');
  assert.deepEqual(sock.sent.at(-1), { type: 'authenticate', payload: { token: 't2' } });
  sock.receive({ type: 'authenticated', payload: {} });
  assert.deepEqual(sock.sentTypes, ['authenticate', 'subscribe:catalog', 'subscribe:projects', 'authenticate']);
});

test('another user on the same socket subscribes afresh', () => {
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  s.live.setToken('tb', BOB);
  sock.receive({ type: 'authenticated', payload: {} });
  assert.deepEqual(sock.sentTypes.slice(3), ['authenticate', 'subscribe:catalog', 'subscribe:projects']);
});

test('events are handed to the app', () => {
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'p1', version: 3, name: 'Room' } });
  sock.receive({ type: 'event', payload: { event: 'no topic' } });
  sock.onmessage?.({ data: 'not json' });
  sock.receive({ type: 'subscribed', payload: { topic: 'projects' } });
  assert.deepEqual(s.calls, [{ type: 'event', ev: { topic: 'projects', event: 'project.updated', id: 'p1', version: 3, name: 'Room' } }]);
});

test('tokenExpired is reported once and the socket waits for the next token', () => {
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  sock.receive({ type: 'tokenExpired' });
  assert.deepEqual(s.calls, [{ type: 'tokenExpired' }]);
  assert.equal(s.live.state, 'expired');
  assert.equal(sock.closedWith, null, 'the socket stays open');
  // The new token resumes on the same socket; held events follow the answer.
  s.live.setToken('t2', ALICE);
  assert.deepEqual(sock.sent.at(-1), { type: 'authenticate', payload: { token: 't2' } });
  sock.receive({ type: 'authenticated', payload: {} });
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'p1', version: 2 } });
  assert.equal(s.live.state, 'open');
  assert.equal(s.calls.length, 2);
  assert.equal(s.opened.length, 1);
});

test('resync from the server is passed on', () => {
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  sock.receive({ type: 'tokenExpired' });
  s.live.setToken('t2', ALICE);
  sock.receive({ type: 'authenticated', payload: {} });
  sock.receive({ type: 'resync' });
  assert.deepEqual(s.calls, [{ type: 'tokenExpired' }, { type: 'resync', why: 'server' }]);
});

test('an authenticate refused as token_expired counts as tokenExpired; invalid_token is not looped on', () => {
  const s = setup();
  s.live.setToken('old', ALICE);
  const sock = s.opened[0];
  sock.open();
  sock.receive({ type: 'error', payload: { code: 'token_expired', message: 'x', request: 'authenticate' } });
  assert.deepEqual(s.calls, [{ type: 'tokenExpired' }]);
  s.live.setToken('bad', ALICE);
  sock.receive({ type: 'error', payload: { code: 'invalid_token', message: 'x', request: 'authenticate' } });
  assert.deepEqual(s.calls, [{ type: 'tokenExpired' }]);
  assert.equal(sock.sent.filter((m) => m.type === 'authenticate').length, 2, 'no retry of a refused token');
  assert.equal(s.warnings.length, 1);
});

test('a subscribe refused because the token ran out is sent again with the next token, and the app resyncs', () => {
  // A reconnect authenticates with a token that runs out before the
  // server reads the subscribes: it refuses projects as token_expired and
  // then says tokenExpired. Re-authenticating as the same user keeps the
  // (missing) subscriptions, so the client must subscribe again.
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  sock.receive({ type: 'subscribed', payload: { topic: 'catalog' } });
  sock.receive({ type: 'tokenExpired' });
  sock.receive({ type: 'error', payload: { code: 'token_expired', request: 'subscribe', message: 'the token has expired' } });
  assert.deepEqual(s.warnings, [], 'an expected refusal is not a warning');
  s.live.setToken('t2', ALICE);
  sock.receive({ type: 'authenticated', payload: {} });
  assert.deepEqual(sock.sentTypes, ['authenticate', 'subscribe:catalog', 'subscribe:projects', 'authenticate', 'subscribe:catalog', 'subscribe:projects']);
  assert.deepEqual(s.calls, [{ type: 'tokenExpired' }, { type: 'resync', why: 'resubscribed' }]);
  // Once: the next token re-authenticates only.
  s.live.setToken('t3', ALICE);
  sock.receive({ type: 'authenticated', payload: {} });
  assert.deepEqual(sock.sentTypes.slice(6), ['authenticate']);
  assert.equal(s.calls.length, 2);
});

test('a drop reconnects with exponential backoff and jitter, then asks for a resync', () => {
  const s = setup({ random: () => 0 });
  connectAs(s, 't1', ALICE);
  s.opened[0].drop(1006);
  assert.equal(s.live.state, 'waiting');
  // attempt 0: cap = base, delay = cap/2 with random() = 0
  assert.deepEqual(s.clock.pending, [BACKOFF_BASE_MS / 2]);
  s.clock.advanceSync(BACKOFF_BASE_MS / 2);
  assert.equal(s.opened.length, 2);
  s.opened[1].drop(1006); // failed before opening
  assert.deepEqual(s.clock.pending, [BACKOFF_BASE_MS]);
  s.clock.advanceSync(BACKOFF_BASE_MS);
  s.opened[2].drop(1006);
  assert.deepEqual(s.clock.pending, [2 * BACKOFF_BASE_MS]);
  s.clock.advanceSync(2 * BACKOFF_BASE_MS);
  const sock = s.opened[3];
  sock.open();
  assert.deepEqual(sock.sent, [{ type: 'authenticate', payload: { token: 't1' } }]);
  sock.receive({ type: 'authenticated', payload: {} });
  assert.deepEqual(sock.sentTypes, ['authenticate', 'subscribe:catalog', 'subscribe:projects']);
  assert.deepEqual(s.calls, [{ type: 'resync', why: 'reconnected' }]);
  // A successful connection resets the backoff.
  sock.drop(1001, 'server shutting down');
  assert.deepEqual(s.clock.pending, [BACKOFF_BASE_MS / 2]);
});

test('the backoff is capped and the jitter spreads delays', () => {
  const s = setup({ random: () => 0.999 });
  connectAs(s, 't1', ALICE);
  for (let i = 0; i < 12; i++) {
    s.opened.at(-1)?.drop(1006);
    const [d] = s.clock.pending;
    assert.ok(d <= BACKOFF_MAX_MS, `delay ${d} above the cap`);
    s.clock.advanceSync(d);
  }
  s.opened.at(-1)?.drop(1006);
  const [d] = s.clock.pending;
  assert.ok(d > BACKOFF_MAX_MS * 0.99 && d <= BACKOFF_MAX_MS, `delay ${d} at the cap`);
});

test('a token arriving while a reconnect is scheduled waits for it and is used', () => {
  const s = setup({ random: () => 0 });
  connectAs(s, 't1', ALICE);
  s.opened[0].drop(1006);
  s.live.setToken('t2', ALICE);
  assert.equal(s.opened.length, 1, 'the backoff is kept');
  s.clock.advanceSync(BACKOFF_BASE_MS);
  s.opened[1].open();
  assert.deepEqual(s.opened[1].sent, [{ type: 'authenticate', payload: { token: 't2' } }]);
});

test('after tokenExpired a reconnect does not resend the expired token', () => {
  const s = setup({ random: () => 0 });
  const sock = connectAs(s, 't1', ALICE);
  sock.receive({ type: 'tokenExpired' });
  sock.drop(1006);
  s.clock.advanceSync(BACKOFF_BASE_MS);
  s.opened[1].open();
  assert.deepEqual(s.opened[1].sent, [], 'waits for a new token');
  s.live.setToken('t2', ALICE);
  assert.deepEqual(s.opened[1].sent, [{ type: 'authenticate', payload: { token: 't2' } }]);
});

test('logout closes the socket; the next token opens a fresh one', () => {
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  s.live.logout();
  assert.deepEqual(sock.closedWith, { code: 1000, reason: 'signed out' });
  assert.equal(s.live.state, 'idle');
  sock.drop(1000); // the close event of our own close
  assert.deepEqual(s.clock.pending, [], 'no reconnect after logout');
  const fresh = connectAs(s, 'le', GUEST);
  assert.notEqual(fresh, sock);
  assert.deepEqual(fresh.sentTypes, ['authenticate', 'subscribe:catalog']);
  assert.deepEqual(s.calls, [], 'a new visitor is not a resync');
});

test('destroy stops everything', () => {
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  s.live.destroy();
  assert.equal(s.live.state, 'closed');
  assert.ok(sock.closedWith);
  s.live.setToken('t2', ALICE);
  assert.equal(s.opened.length, 1);
});

test('a throwing constructor is retried with backoff', () => {
  const clock = fakeClock();
  let n = 0;
  class Failing {
    constructor() {
      n++;
      throw new Error('blocked by CSP');
    }
  }
  const live = createLiveClient({
    url: 'ws://x/ws?d=d', WebSocket: /** @type {any} */ (Failing), clock, random: () => 0,
    onEvent() {}, onResync() {}, onTokenExpired() {},
  });
  live.setToken('t', ALICE);
  assert.equal(n, 1);
  assert.equal(live.state, 'waiting');
  clock.advanceSync(BACKOFF_BASE_MS / 2);
  assert.equal(n, 2);
});

// ---- answers belong to the authenticate they answer (FIFO) ----

test('a tokenExpired for the old token while the new one is on its way does not mark the new one expired', () => {
  const s = setup({ random: () => 0 });
  const sock = connectAs(s, 't1', ALICE);
  s.live.setToken('t2', ALICE);
  // The server's timer for t1 fired before it read t2's authenticate.
  sock.receive({ type: 'tokenExpired' });
  assert.deepEqual(s.calls, [], 'the app already has a newer token: nothing to ask for');
  sock.receive({ type: 'authenticated', payload: {} });
  assert.equal(s.live.state, 'open');
  sock.drop(1006);
  s.clock.advanceSync(BACKOFF_BASE_MS);
  s.opened[1].open();
  assert.deepEqual(s.opened[1].sent, [{ type: 'authenticate', payload: { token: 't2' } }], 'the valid token is sent again');
  s.opened[1].receive({ type: 'authenticated', payload: {} });
  assert.deepEqual(s.opened[1].sentTypes, ['authenticate', 'subscribe:catalog', 'subscribe:projects']);
  assert.deepEqual(s.calls, [{ type: 'resync', why: 'reconnected' }]);
});

test('a late token_expired answer to the old token\'s authenticate does not mark the new one expired', () => {
  const s = setup({ random: () => 0 });
  s.live.setToken('t1', ALICE);
  const sock = s.opened[0];
  sock.open();
  s.live.setToken('t2', ALICE);
  sock.receive({ type: 'error', payload: { code: 'token_expired', message: 'x', request: 'authenticate' } }); // t1's answer
  assert.deepEqual(s.calls, []);
  sock.receive({ type: 'authenticated', payload: {} }); // t2's answer
  assert.equal(s.live.state, 'open');
  sock.drop(1006);
  s.clock.advanceSync(BACKOFF_BASE_MS);
  s.opened[1].open();
  assert.deepEqual(s.opened[1].sent, [{ type: 'authenticate', payload: { token: 't2' } }]);
});

test('tokenExpired marks the last accepted token, which the next socket does not send again', () => {
  const s = setup({ random: () => 0 });
  const sock = connectAs(s, 't1', ALICE);
  s.live.setToken('t2', ALICE);
  sock.receive({ type: 'authenticated', payload: {} });
  sock.receive({ type: 'tokenExpired' }); // t2 ran out
  assert.deepEqual(s.calls, [{ type: 'tokenExpired' }]);
  sock.drop(1006);
  s.clock.advanceSync(BACKOFF_BASE_MS);
  s.opened[1].open();
  assert.deepEqual(s.opened[1].sent, [], 'waits for a new token');
});

test('the identity of an answer is the one of the token it answers', () => {
  const s = setup();
  const sock = connectAs(s, 'ta1', ALICE);
  s.live.setToken('ta2', ALICE);
  s.live.setToken('tb', BOB);
  sock.receive({ type: 'authenticated', payload: {} }); // ta2's answer: still alice
  assert.deepEqual(sock.sentTypes.slice(3), ['authenticate', 'authenticate'], 'no new subscriptions for alice');
  // alice's events are not bob's: the app, signed in as bob, does not see them.
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'pa', version: 2, name: 'Alice' } });
  assert.deepEqual(s.calls, []);
  sock.receive({ type: 'authenticated', payload: {} }); // tb's answer
  assert.deepEqual(sock.sentTypes.slice(5), ['subscribe:catalog', 'subscribe:projects']);
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'pb', version: 2, name: 'Bob' } });
  assert.deepEqual(s.calls.map((c) => /** @type {any} */ (c).ev?.id), ['pb']);
});

test('a switch the server refuses closes the socket: the old user\'s events never reach the new one', () => {
  const s = setup();
  const sock = connectAs(s, 'ta', ALICE);
  s.live.setToken('tb', BOB);
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'pa', version: 2, name: 'Alice' } });
  sock.receive({ type: 'error', payload: { code: 'invalid_token', message: 'x', request: 'authenticate' } });
  assert.ok(sock.closedWith, 'the socket still speaking for alice is closed');
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'pa', version: 3, name: 'Alice' } });
  assert.deepEqual(s.calls, [], 'no event of alice handed to bob');
  assert.equal(s.opened.length, 1, 'the refused token is not sent again');
  assert.deepEqual(s.clock.pending, [], 'no reconnect loop with a refused token');
  // The next token opens a fresh socket, which resyncs what was missed.
  s.live.setToken('tb2', BOB);
  assert.equal(s.opened.length, 2);
  const fresh = s.opened[1];
  fresh.open();
  assert.deepEqual(fresh.sent, [{ type: 'authenticate', payload: { token: 'tb2' } }]);
  fresh.receive({ type: 'authenticated', payload: {} });
  assert.deepEqual(fresh.sentTypes, ['authenticate', 'subscribe:catalog', 'subscribe:projects']);
  assert.deepEqual(s.calls, [{ type: 'resync', why: 'reconnected' }]);
});

test('a refused switch with a newer token already on its way reconnects with that token', () => {
  const s = setup();
  const sock = connectAs(s, 'ta', ALICE);
  s.live.setToken('tb1', BOB);
  s.live.setToken('tb2', BOB);
  sock.receive({ type: 'error', payload: { code: 'invalid_token', message: 'x', request: 'authenticate' } }); // tb1's
  assert.ok(sock.closedWith);
  assert.equal(s.opened.length, 2);
  s.opened[1].open();
  assert.deepEqual(s.opened[1].sent, [{ type: 'authenticate', payload: { token: 'tb2' } }]);
});

test('a refused token of the same user keeps the socket', () => {
  const s = setup();
  const sock = connectAs(s, 't1', ALICE);
  s.live.setToken('bad', ALICE);
  sock.receive({ type: 'error', payload: { code: 'invalid_token', message: 'x', request: 'authenticate' } });
  assert.equal(sock.closedWith, null);
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'p1', version: 2 } });
  assert.equal(s.calls.length, 1, 'alice\'s events still reach alice');
});

// ---- the app with the live channel plugged in ----

import { createApp } from './app.js';

const SHOP = 'https://shop.example';
const T0 = Date.parse('2026-03-01T12:00:00Z');
const MIN = 60_000;

/** appSetup runs the app on fakes: API, host window, sockets, clock. */
function appSetup() {
  const clock = fakeClock();
  clock.advanceSync(T0);
  const { FakeSocket, opened } = fakeSockets();
  /** @type {Map<string, {kind: string, uid: string, exp: number}>} */
  const tokens = new Map();
  /** @type {Map<string, any>} */
  const projects = new Map();
  let n = 0;
  // serverAhead: how far the API's clock runs ahead of the page's (a clock
  // jump after the gate learnt the offset from /v1/me).
  let serverAhead = 0;
  /** @type {string[]} paths of the API requests, in order */
  const requests = [];
  /** @type {Array<() => void> | null} requests parked by hold(), released by release() */
  let parked = null;
  /** @param {number} status @param {unknown} body */
  const reply = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  /** @param {string} url @param {{headers: Record<string, string>}} init */
  async function fetch(url, init) {
    const path = new URL(url).pathname;
    requests.push(path);
    if (parked !== null && path !== '/v1/me') {
      const queue = parked;
      await new Promise((resolve) => queue.push(() => resolve(undefined)));
    }
    const t = tokens.get((init.headers.Authorization ?? '').replace(/^Bearer /, ''));
    if (!t) return reply(401, { error: { code: 'invalid_token', message: 'no' } });
    if (clock.now() + serverAhead >= t.exp) return reply(401, { error: { code: 'token_expired', message: 'expired' } });
    if (path === '/v1/me') {
      return reply(200, {
        kind: t.kind, uid: t.uid, retailer: { id: 'r1', name: 'Shop', distributionId: 'd_1', plan: 'free' },
        scope: ['read', 'write'], expiresAt: new Date(t.exp).toISOString(), serverTime: new Date(clock.now() + serverAhead).toISOString(),
      });
    }
    if (path === '/v1/catalog/categories') return reply(200, { categories: [] });
    if (path === '/v1/catalog/products') return reply(200, { products: [], nextCursor: '' });
    if (path === '/v1/projects') return reply(200, { projects: [...projects.values()].map((p) => ({ ...p, itemCount: 0 })) });
    const p = projects.get(path.slice('/v1/projects/'.length));
    return p ? reply(200, p) : reply(404, { error: { code: 'not_found', message: 'no' } });
  }
  /** @type {any[]} */
  const posted = [];
  const parent = {
    /** @param {any} m */
    postMessage(m) { posted.push(structuredClone(m)); },
  };
  /** @type {Set<(ev: any) => void>} */
  const listeners = new Set();
  const win = {
    /** @param {'message'} _t @param {(ev: any) => void} fn */
    addEventListener(_t, fn) { listeners.add(fn); },
    /** @param {'message'} _t @param {(ev: any) => void} fn */
    removeEventListener(_t, fn) { listeners.delete(fn); },
  };
  /** @type {string[]} */
  const editorCalls = [];
  /** @type {any} */
  let ctx = null;
  /** @type {{status: string, alerts: string[]}} */
  const view = { status: '', alerts: [] };
  const app = createApp({
    config: { origins: [SHOP], apiBase: 'https://planner.test', distribution: 'd_1', retailerName: 'Shop', locale: 'en', liveUrl: 'wss://planner.test/ws' },
    view: {
      /** @param {string} text */
      status(text) { view.status = text; },
      /** @param {string | null} m */
      alert(m) { if (m !== null) view.alerts.push(m); },
      catalog() {},
      projects() {},
    },
    win, parent, clock, fetch, WebSocket: FakeSocket, random: () => 0,
  });
  app.mountEditor((c) => {
    ctx = c;
    return {
      /** @param {any} p */
      load(p) { editorCalls.push(`load:${p.id}@${p.version}`); },
      clear() { editorCalls.push('clear'); },
      destroy() {},
      /** @param {any} ch */
      remoteChange(ch) { editorCalls.push(`remote:${ch.type}:${ch.projectId}`); },
    };
  });
  return {
    clock, opened, app, posted, view, editorCalls, projects, requests,
    /** @param {string} path @returns {number} how many requests were made for path */
    count: (path) => requests.filter((r) => r === path).length,
    /** hold parks every API request but /v1/me until release(). */
    hold() { parked ??= []; },
    release() {
      const queue = parked ?? [];
      parked = null;
      for (const go of queue) go();
    },
    get ctx() { return ctx; },
    /** @param {number} ms */
    set serverAhead(ms) { serverAhead = ms; },
    /** @param {string} uid @param {number} [ttl] */
    issue(uid, ttl = 15 * MIN) {
      const tok = `tok${++n}`;
      tokens.set(tok, { kind: 'user', uid, exp: clock.now() + ttl });
      return tok;
    },
    /** @param {string} event @param {unknown} content */
    async send(event, content) {
      for (const fn of listeners) fn({ data: { event, content }, origin: SHOP, source: parent });
      await settle();
    },
    /** @param {string} name */
    events: (name) => posted.filter((m) => m.event === name),
  };
}

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** @param {ReturnType<typeof appSetup>} s */
function openSocket(s) {
  const sock = s.opened.at(-1);
  assert.ok(sock, 'a socket was opened');
  sock.open();
  sock.receive({ type: 'authenticated', payload: { kind: 'user', expiresAt: 'x' } });
  return sock;
}

test('app: the socket opens after the first accepted token and re-authenticates with each new one', async () => {
  const s = appSetup();
  assert.equal(s.opened.length, 0);
  const t1 = s.issue('alice');
  await s.send('Login', { token: t1 });
  assert.equal(s.opened.length, 1);
  assert.equal(s.opened[0].url, 'wss://planner.test/ws?d=d_1');
  const sock = openSocket(s);
  assert.deepEqual(sock.sent[0], { type: 'authenticate', payload: { token: t1 } });
  const t2 = s.issue('alice');
  await s.send('TokenRefreshed', { token: t2 });
  assert.deepEqual(sock.sent.at(-1), { type: 'authenticate', payload: { token: t2 } });
  assert.equal(s.opened.length, 1);
  assert.equal(s.app.debug.liveState, 'open');
  await s.send('Logout', {});
  assert.deepEqual(sock.closedWith, { code: 1000, reason: 'signed out' });
});

test('app: the server\'s tokenExpired goes through the gate: one TokenExpired however many calls wait', async () => {
  const s = appSetup();
  await s.send('Login', { token: s.issue('alice', 5 * MIN) });
  const sock = openSocket(s);
  s.clock.advanceSync(5 * MIN);
  void s.app.refreshProjects(); // an API call held by the gate at the same time
  sock.receive({ type: 'tokenExpired' });
  await settle();
  assert.equal(s.events('TokenExpired').length, 1);
  assert.deepEqual(s.events('TokenExpired')[0].content, { kind: 'user' });
  const fresh = s.issue('alice');
  await s.send('TokenRefreshed', { token: fresh });
  assert.deepEqual(sock.sent.at(-1), { type: 'authenticate', payload: { token: fresh } });
  assert.equal(s.events('TokenExpired').length, 1);
});

test('app: the server\'s tokenExpired alone asks the host once through the gate, which still trusted the token', async () => {
  const s = appSetup();
  await s.send('Login', { token: s.issue('alice', 5 * MIN) });
  const sock = openSocket(s);
  await settle();
  // The server's clock is past exp; the gate's idea of it is not, and no
  // API call is pending: only the live channel knows.
  s.serverAhead = 5 * MIN;
  assert.equal(s.app.debug.tokenUsable, true);
  assert.equal(s.app.debug.heldCount, 0);
  sock.receive({ type: 'tokenExpired' });
  await settle();
  assert.deepEqual(s.events('TokenExpired').map((m) => m.content), [{ kind: 'user' }]);
  assert.equal(s.app.debug.gateState, 'waiting', 'asked by the gate, which holds its read');
  const fresh = s.issue('alice', 15 * MIN);
  await s.send('TokenRefreshed', { token: fresh });
  assert.deepEqual(sock.sent.at(-1), { type: 'authenticate', payload: { token: fresh } });
  assert.equal(s.app.debug.heldCount, 0);
  assert.equal(s.app.debug.gateState, 'ok');
  assert.equal(s.events('TokenExpired').length, 1);
});

test('app: a resync reloads the catalog too', async () => {
  const s = appSetup();
  await s.send('Login', { token: s.issue('alice') });
  const sock = openSocket(s);
  await settle();
  const before = s.count('/v1/catalog/products');
  // Held premium catalog events overflowed, or catalog.imported was lost in a drop.
  sock.receive({ type: 'resync' });
  await settle();
  assert.equal(s.count('/v1/catalog/products'), before + 1);
  assert.equal(s.count('/v1/catalog/categories'), before + 1);
  sock.drop(1006);
  s.clock.advanceSync(BACKOFF_BASE_MS);
  openSocket(s);
  await settle();
  assert.equal(s.count('/v1/catalog/products'), before + 2, 'after a reconnect too');
});

test('app: a burst of live events makes one fetch per view in flight, plus one trailing', async () => {
  const s = appSetup();
  s.projects.set('p1', { id: 'p1', name: 'Room', room: { width: 400, depth: 300 }, items: [], version: 1 });
  await s.send('Login', { token: s.issue('alice') });
  const sock = openSocket(s);
  await s.send('LoadProject', { projectId: 'p1' });
  const list = s.count('/v1/projects');
  const open = s.count('/v1/projects/p1');
  const products = s.count('/v1/catalog/products');
  s.projects.set('p1', { ...s.projects.get('p1'), version: 41 });
  s.hold();
  // A replay of held events after re-authentication.
  for (let v = 2; v <= 41; v++) {
    sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'p1', version: v, name: 'Room' } });
    sock.receive({ type: 'event', payload: { topic: 'catalog', event: 'catalog.imported', products: v, categories: 1 } });
  }
  await settle();
  assert.equal(s.count('/v1/projects') - list, 1, 'one project list read in flight');
  assert.equal(s.count('/v1/projects/p1') - open, 1, 'one open-project read in flight');
  assert.equal(s.count('/v1/catalog/products') - products, 1, 'one catalog read in flight');
  s.release();
  await settle();
  await settle();
  assert.equal(s.count('/v1/projects') - list, 2, 'then one trailing read of the list');
  assert.ok(s.count('/v1/projects/p1') - open <= 2);
  assert.equal(s.count('/v1/catalog/products') - products, 2);
  assert.deepEqual(s.editorCalls.filter((c) => c.startsWith('load:')), ['load:p1@1', 'load:p1@41'], 'loaded once, at the newest version');
});

test('app: live events during a token renewal are held once per view, never failed as queue_full', async () => {
  const s = appSetup();
  await s.send('Login', { token: s.issue('alice', 5 * MIN) });
  const sock = openSocket(s);
  await settle();
  s.clock.advanceSync(5 * MIN);
  sock.receive({ type: 'tokenExpired' });
  await settle();
  assert.equal(s.events('TokenExpired').length, 1);
  // Catalog events keep coming on the free plan while the host renews the token.
  for (let i = 0; i < 150; i++) sock.receive({ type: 'event', payload: { topic: 'catalog', event: 'catalog.imported', products: i, categories: 1 } });
  await settle();
  assert.ok(s.app.debug.heldCount <= 4, `held ${s.app.debug.heldCount} calls`);
  const fresh = s.issue('alice');
  await s.send('TokenRefreshed', { token: fresh });
  await settle();
  assert.deepEqual(s.view.alerts, [], 'nothing failed in front of the visitor');
  assert.equal(s.app.debug.catalogStatus, 'ready');
});

test('app: a save of the open project elsewhere reloads it, or is offered when there are unsaved changes', async () => {
  const s = appSetup();
  s.projects.set('p1', { id: 'p1', name: 'Room', room: { width: 400, depth: 300 }, items: [], version: 1 });
  await s.send('Login', { token: s.issue('alice') });
  const sock = openSocket(s);
  s.editorCalls.length = 0; // the sign-in's clear
  await s.send('LoadProject', { projectId: 'p1' });
  assert.deepEqual(s.editorCalls, ['load:p1@1']);

  // Unchanged here: loaded at once. An event for another project or an old version: nothing.
  s.projects.set('p1', { ...s.projects.get('p1'), version: 2 });
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'p1', version: 2, name: 'Room' } });
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'p9', version: 5, name: 'Other' } });
  await settle();
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'p1', version: 2, name: 'Room' } });
  await settle();
  assert.deepEqual(s.editorCalls, ['load:p1@1', 'load:p1@2']);

  // Unsaved changes here: offered, not loaded; accepting reloads.
  s.ctx.onChange({ type: 'edited' });
  s.projects.set('p1', { ...s.projects.get('p1'), version: 3 });
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.updated', id: 'p1', version: 3, name: 'Room' } });
  await settle();
  assert.deepEqual(s.editorCalls.slice(2), ['remote:updated:p1']);
  assert.equal(await s.ctx.reloadOpenProject(), true);
  assert.deepEqual(s.editorCalls.slice(3), ['load:p1@3']);

  // After a reconnect the open project is checked again.
  s.projects.set('p1', { ...s.projects.get('p1'), version: 4 });
  sock.drop(1006);
  s.clock.advanceSync(BACKOFF_BASE_MS);
  openSocket(s);
  await settle();
  await settle();
  assert.deepEqual(s.editorCalls.slice(4), ['load:p1@4']);

  // Deleted elsewhere with nothing unsaved: cleared, and said.
  s.projects.delete('p1');
  s.opened.at(-1)?.receive({ type: 'event', payload: { topic: 'projects', event: 'project.deleted', id: 'p1', version: 4 } });
  await settle();
  assert.deepEqual(s.editorCalls.slice(5), ['clear']);
  assert.match(s.view.alerts.at(-1) ?? '', /deleted in another tab/);
});
