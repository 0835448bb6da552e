import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenGate, GateError } from './token-gate.js';
import { fakeClock, flush } from '../testing/fake-clock.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

/** flush lets pending promise chains (fake fetch, response parsing) settle; no real time passes. */
/**
 * fakeClock is the browser clock: manual time and timers.
 * @param {number} start
 */
/**
 * @typedef {{url: string, method: string, headers: Record<string, string>, body?: string, at: number}} SeenRequest
 */

/**
 * fakeServer models the API: it knows the tokens it issued and its own clock,
 * which is the browser clock minus skewMs (skewMs > 0: browser clock ahead).
 * @param {ReturnType<typeof fakeClock>} clock
 * @param {{skewMs?: number}} [opts]
 */
function fakeServer(clock, { skewMs = 0 } = {}) {
  let skew = skewMs;
  /** @type {Map<string, {exp: number, kind: string, uid: string}>} */
  const tokens = new Map();
  /** @type {SeenRequest[]} */
  const requests = [];
  /** @type {((req: SeenRequest) => Response | undefined) | null} */
  let override = null;
  const serverNow = () => clock.now() - skew;

  /**
   * @param {number} status
   * @param {unknown} body
   * @param {Record<string, string>} [headers]
   */
  function reply(status, body, headers = {}) {
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', Date: new Date(serverNow()).toUTCString(), ...headers },
    });
  }

  /** @type {import('./token-gate.js').FetchLike} */
  async function fetch(url, init) {
    /** @type {SeenRequest} */
    const req = { url, method: init.method, headers: { ...init.headers }, body: init.body, at: clock.now() };
    requests.push(req);
    await Promise.resolve();
    const o = override?.(req);
    if (o) return o;
    const auth = req.headers.Authorization ?? '';
    const t = tokens.get(auth.replace(/^Bearer /, ''));
    if (!auth) return reply(401, { error: { code: 'missing_token', message: 'no token' } });
    if (!t) return reply(401, { error: { code: 'invalid_token', message: 'token is not valid' } });
    if (serverNow() >= t.exp) return reply(401, { error: { code: 'token_expired', message: 'token expired' } });
    return reply(200, { path: url.replace(/^.*?\/v1/, '/v1'), uid: t.uid, n: requests.length });
  }

  return {
    fetch,
    requests,
    serverNow,
    /** @param {number} ms */
    setSkew(ms) { skew = ms; },
    /** @param {((req: SeenRequest) => Response | undefined) | null} fn */
    setOverride(fn) { override = fn; },
    reply,
    /**
     * issue returns what the app passes to gate.setToken after /v1/me.
     * @param {string} token
     * @param {{kind?: string, uid?: string, ttlMs?: number}} [o]
     */
    issue(token, { kind = 'user', uid = 'alice', ttlMs = 15 * MIN } = {}) {
      const exp = serverNow() + ttlMs;
      tokens.set(token, { exp, kind, uid });
      return { token, kind, uid, expiresAt: exp, serverTime: serverNow() };
    },
    /** expireNow makes the server consider token expired although it told otherwise. @param {string} token */
    expireNow(token) {
      const t = tokens.get(token);
      if (t) t.exp = serverNow();
    },
  };
}

/**
 * setup wires a gate to a fake clock and server and records its callbacks.
 * @param {{skewMs?: number, gate?: Partial<import('./token-gate.js').TokenGateOptions>}} [o]
 */
function setup({ skewMs = 0, gate: gateOpts = {} } = {}) {
  const clock = fakeClock(T0);
  const server = fakeServer(clock, { skewMs });
  /** @type {{kind: string | null, at: number}[]} */
  const expiredPosts = [];
  /** @type {string[]} */
  const states = [];
  /** @type {string[]} */
  const authFailures = [];
  let uuid = 0;
  const gate = createTokenGate({
    fetch: server.fetch,
    apiBase: 'https://planner.example/',
    clock,
    postTokenExpired: ({ kind }) => { expiredPosts.push({ kind, at: clock.now() - T0 }); },
    onState: (s) => { states.push(s); },
    onAuthFailure: (reason) => { authFailures.push(reason); },
    randomUUID: () => `uuid-${++uuid}`,
    ...gateOpts,
  });
  return { clock, server, gate, expiredPosts, states, authFailures };
}

/**
 * settle records how a promise ended without letting a rejection go unhandled.
 * @template T
 * @param {Promise<T>} p
 */
function settle(p) {
  /** @type {{done: boolean, value?: T, error?: any}} */
  const out = { done: false };
  p.then((v) => { out.done = true; out.value = v; }, (e) => { out.done = true; out.error = e; });
  return out;
}

test('a usable token is sent as a Bearer header to apiBase + path', async () => {
  const { gate, server, expiredPosts } = setup();
  gate.setToken(server.issue('tok-1'));
  const res = await gate.request({ path: '/v1/projects' });
  assert.equal(res.status, 200);
  assert.equal(res.body.path, '/v1/projects');
  assert.equal(server.requests[0].url, 'https://planner.example/v1/projects');
  assert.equal(server.requests[0].headers.Authorization, 'Bearer tok-1');
  assert.equal(server.requests[0].headers['Idempotency-Key'], undefined, 'reads carry no Idempotency-Key');
  assert.equal(expiredPosts.length, 0);
  assert.equal(gate.state, 'ok');
});

test('paths that could leave apiBase are refused before any fetch', async () => {
  const { gate, server } = setup();
  gate.setToken(server.issue('tok-1'));
  for (const path of ['//evil.example/v1/me', 'https://evil.example/v1/me', 'v1/me', '/\\evil.example']) {
    await assert.rejects(gate.request({ path }), TypeError, path);
  }
  assert.equal(server.requests.length, 0);
});

test('five calls while expired: one TokenExpired, all complete in order after setToken', async () => {
  const { gate, server, clock, expiredPosts, states } = setup();
  gate.setToken(server.issue('tok-1', { ttlMs: 5 * MIN }));
  await clock.advance(5 * MIN);

  /** @type {number[]} */
  const order = [];
  const calls = [1, 2, 3, 4, 5].map((i) =>
    gate.request({ path: `/v1/catalog/products/p${i}` }).then((r) => { order.push(i); return r; }));
  await flush();
  assert.equal(server.requests.length, 0, 'no call may go out with the expired token');
  assert.deepEqual(expiredPosts, [{ kind: 'user', at: 5 * MIN }]);
  assert.equal(gate.heldCount, 5);
  assert.equal(gate.state, 'waiting');

  assert.equal(gate.setToken(server.issue('tok-2')), true);
  const results = await Promise.all(calls);
  assert.deepEqual(order, [1, 2, 3, 4, 5]);
  assert.deepEqual(server.requests.map((r) => r.url.split('/').pop()), ['p1', 'p2', 'p3', 'p4', 'p5']);
  assert.ok(server.requests.every((r) => r.headers.Authorization === 'Bearer tok-2'));
  assert.ok(results.every((r) => r.status === 200));
  assert.equal(expiredPosts.length, 1, 'exactly one TokenExpired for the episode');
  assert.equal(gate.heldCount, 0);
  assert.deepEqual(states, ['waiting', 'ok']);
});

test('the token counts as expired 2 s before its exp', async () => {
  const { gate, server, clock, expiredPosts } = setup();
  gate.setToken(server.issue('tok-1', { ttlMs: MIN }));
  await clock.advance(MIN - 2001);
  await gate.request({ path: '/v1/me' });
  assert.equal(server.requests.length, 1);
  await clock.advance(1);
  const held = settle(gate.request({ path: '/v1/me' }));
  await flush();
  assert.equal(held.done, false);
  assert.equal(server.requests.length, 1);
  assert.equal(expiredPosts.length, 1);
});

test('calls before any token are held and ask for a token with kind null', async () => {
  const { gate, server, expiredPosts } = setup();
  const p = gate.request({ path: '/v1/catalog/categories' });
  await flush();
  assert.deepEqual(expiredPosts.map((e) => e.kind), [null]);
  assert.equal(server.requests.length, 0);
  gate.setToken(server.issue('le-1', { kind: 'legal-entity', uid: '' }));
  assert.equal((await p).status, 200);
});

test('401 token_expired: held, one TokenExpired, retried once with the new token, same Idempotency-Key', async () => {
  const { gate, server, expiredPosts, states } = setup();
  gate.setToken(server.issue('tok-1'));
  server.expireNow('tok-1'); // the API disagrees with the exp it told us (clock skew, leeway)

  const save = gate.request({ method: 'PUT', path: '/v1/projects/p1', body: { name: 'x' }, headers: { 'If-Match': '"3"' } });
  await flush();
  assert.equal(server.requests.length, 1);
  assert.equal(gate.heldCount, 1);
  assert.equal(expiredPosts.length, 1);

  // A call made now is held too: the token is known to be stale.
  const read = gate.request({ path: '/v1/projects' });
  await flush();
  assert.equal(server.requests.length, 1, 'no second call with the stale token');
  assert.equal(expiredPosts.length, 1, 'still one TokenExpired');

  gate.setToken(server.issue('tok-2'));
  const [s, r] = await Promise.all([save, read]);
  assert.equal(s.status, 200);
  assert.equal(r.status, 200);
  const puts = server.requests.filter((q) => q.method === 'PUT');
  assert.equal(puts.length, 2);
  assert.deepEqual(puts.map((q) => q.headers.Authorization), ['Bearer tok-1', 'Bearer tok-2']);
  assert.equal(puts[0].headers['Idempotency-Key'], 'uuid-1');
  assert.equal(puts[1].headers['Idempotency-Key'], 'uuid-1', 'Idempotency-Key is reused on retry');
  assert.equal(puts[1].headers['If-Match'], '"3"');
  assert.equal(puts[1].body, JSON.stringify({ name: 'x' }));
  assert.deepEqual(states, ['waiting', 'ok']);
});

test('a second 401 token_expired for the same call fails it, with no loop', async () => {
  const { gate, server, clock, expiredPosts } = setup();
  server.setOverride(() => server.reply(401, { error: { code: 'token_expired', message: 'token expired' } }));
  gate.setToken(server.issue('tok-1'));
  const p = gate.request({ path: '/v1/projects' });
  await flush();
  assert.equal(expiredPosts.length, 1);
  gate.setToken(server.issue('tok-2'));
  const res = await p;
  assert.equal(res.status, 401);
  assert.equal(res.body.error.code, 'token_expired');
  assert.equal(gate.state, 'failed');
  await clock.advance(10 * MIN);
  assert.equal(server.requests.length, 2, 'exactly one retry');
  assert.equal(expiredPosts.length, 1, 'nothing waits, so nothing re-posted');
});

for (const code of ['invalid_token', 'missing_token']) {
  test(`401 ${code}: reported once via onAuthFailure, never retried`, async () => {
    const { gate, server, clock, expiredPosts, authFailures } = setup();
    server.setOverride(() => server.reply(401, { error: { code, message: 'bad token' } }));
    gate.setToken(server.issue('tok-1'));
    const [a, b] = await Promise.all([gate.request({ path: '/v1/me' }), gate.request({ path: '/v1/projects' })]);
    assert.equal(a.status, 401);
    assert.equal(b.status, 401);
    assert.deepEqual(authFailures, [code], 'reported once per token');
    assert.equal(expiredPosts.length, 0, 'an invalid token is not an expired one');
    assert.equal(gate.state, 'failed');

    // Later calls with the refused token fail at once rather than hammering the API.
    await assert.rejects(gate.request({ path: '/v1/me' }), (e) => e instanceof GateError && e.code === 'auth_failed');
    await clock.advance(10 * MIN);
    assert.equal(server.requests.length, 2);

    // A new token starts over.
    server.setOverride(null);
    gate.setToken(server.issue('tok-2'));
    assert.equal((await gate.request({ path: '/v1/me' })).status, 200);
    assert.equal(gate.state, 'ok');
  });
}

for (const [name, skewMs] of /** @type {const} */ ([['ahead', HOUR], ['behind', -HOUR]])) {
  test(`browser clock 1 h ${name}: serverTime offset prevents loops and stale use`, async () => {
    const { gate, server, clock, expiredPosts } = setup({ skewMs });
    assert.equal(gate.setToken(server.issue('tok-1', { ttlMs: 15 * MIN })), true);
    assert.equal(gate.clockOffsetMs, -skewMs);

    // Fresh token: used straight away, no TokenExpired (a clock 1 h ahead would otherwise loop).
    await gate.request({ path: '/v1/me' });
    await clock.advance(14 * MIN);
    await gate.request({ path: '/v1/me' });
    assert.equal(server.requests.length, 2);
    assert.equal(expiredPosts.length, 0);

    // Past exp by the server's clock: held, never sent stale (a clock 1 h behind would otherwise send it).
    await clock.advance(MIN);
    const p = gate.request({ path: '/v1/projects' });
    await flush();
    assert.equal(server.requests.length, 2);
    assert.equal(expiredPosts.length, 1);

    gate.setToken(server.issue('tok-2', { ttlMs: 15 * MIN }));
    assert.equal((await p).status, 200);
    await clock.advance(60_000);
    assert.equal(expiredPosts.length, 1);
    assert.ok(server.requests.every((r) => r.headers.Authorization !== 'Bearer tok-1' || r.at - T0 < 15 * MIN));
    assert.equal(server.requests.filter((r) => r.headers.Authorization === 'Bearer tok-2').length, 1);
  });
}

test('a token already expired by serverTime is refused and the gate keeps waiting', async () => {
  const { gate, server, expiredPosts } = setup({ skewMs: -HOUR });
  const p = settle(gate.request({ path: '/v1/me' }));
  await flush();
  const stale = server.issue('tok-old', { ttlMs: 1000 });
  assert.equal(gate.setToken(stale), false);
  await flush();
  assert.equal(p.done, false);
  assert.equal(server.requests.length, 0);
  assert.equal(expiredPosts.length, 1);
  gate.setToken(server.issue('tok-new'));
  await flush();
  assert.equal(p.done, true);
});

test('a Date header that disagrees by more than 2 s corrects the clock offset', async () => {
  const { gate, server } = setup();
  gate.setToken(server.issue('tok-1', { ttlMs: 15 * MIN }));
  assert.equal(gate.clockOffsetMs, 0);
  server.setSkew(1000); // within tolerance (Date has 1 s resolution)
  await gate.request({ path: '/v1/me' });
  assert.equal(gate.clockOffsetMs, 0);
  server.setSkew(10 * MIN); // the browser clock jumped 10 min ahead of the server
  await gate.request({ path: '/v1/me' });
  assert.ok(Math.abs(gate.clockOffsetMs + 10 * MIN) <= 1000, `offset = ${gate.clockOffsetMs}`);
});

test('held calls reject with hold_timeout at their own deadline; re-posts stop', async () => {
  const { gate, clock, server, expiredPosts, states } = setup({ gate: { holdDeadlineMs: 30_000 } });
  const first = settle(gate.request({ path: '/v1/me' }));
  await clock.advance(10_000);
  const second = settle(gate.request({ path: '/v1/projects' }));
  await clock.advance(19_999);
  assert.equal(first.done, false);
  await clock.advance(1);
  assert.ok(first.error instanceof GateError);
  assert.equal(first.error.code, 'hold_timeout');
  assert.match(first.error.message, /session/);
  assert.equal(second.done, false);
  assert.equal(gate.heldCount, 1);
  await clock.advance(10_000);
  assert.equal(second.error.code, 'hold_timeout');
  assert.equal(gate.heldCount, 0);
  assert.equal(gate.state, 'failed');
  assert.deepEqual(states, ['waiting', 'failed']);
  const posts = expiredPosts.length;
  await clock.advance(5 * MIN);
  assert.equal(expiredPosts.length, posts, 'no TokenExpired re-posts while nothing waits');
  assert.equal(clock.pendingTimers, 0);
  assert.equal(server.requests.length, 0);

  // The next call starts a new episode; a token brings the gate back to ok.
  const third = gate.request({ path: '/v1/me' });
  await flush();
  assert.equal(expiredPosts.length, posts + 1);
  gate.setToken(server.issue('tok-1'));
  await third;
  assert.equal(gate.state, 'ok');
});

test('the queue bound rejects extra calls with queue_full; the rest are released', async () => {
  const { gate, server } = setup({ gate: { maxHeld: 3 } });
  const held = [1, 2, 3].map((i) => gate.request({ path: `/v1/catalog/products/p${i}` }));
  const extra = settle(gate.request({ path: '/v1/catalog/products/p4' }));
  await flush();
  assert.ok(extra.error instanceof GateError, 'the call over the bound fails at once');
  assert.equal(extra.error.code, 'queue_full');
  assert.match(extra.error.message, /Too many actions/);
  assert.equal(gate.heldCount, 3);
  assert.equal(gate.state, 'waiting');
  gate.setToken(server.issue('tok-1'));
  assert.deepEqual((await Promise.all(held)).map((r) => r.status), [200, 200, 200]);
  assert.equal(server.requests.length, 3);
});

test('TokenExpired is re-posted with backoff while calls wait, and stops on a new token', async () => {
  const { gate, clock, server, expiredPosts } = setup({ gate: { holdDeadlineMs: 10 * MIN } });
  const p = gate.request({ path: '/v1/me' });
  await clock.advance(45_000);
  assert.deepEqual(expiredPosts.map((e) => e.at), [0, 2000, 6000, 14000, 29000, 44000]);
  gate.setToken(server.issue('tok-1'));
  await p;
  await clock.advance(5 * MIN);
  assert.equal(expiredPosts.length, 6);
});

test('held write as user A, then logout: write rejected identity_changed, read replayed as legal entity', async () => {
  const { gate, server, clock } = setup();
  gate.setToken(server.issue('a-1', { uid: 'alice', ttlMs: MIN }));
  assert.deepEqual(gate.identity, { kind: 'user', uid: 'alice' });
  await clock.advance(MIN);
  const write = settle(gate.request({ method: 'POST', path: '/v1/projects', body: { name: 'A' } }));
  const read = gate.request({ path: '/v1/catalog/categories' });
  await flush();
  gate.logout();
  await flush();
  assert.equal(gate.identity, null);
  assert.ok(write.error instanceof GateError);
  assert.equal(write.error.code, 'identity_changed');
  assert.equal(write.error.message, 'You were signed out before this change could be saved.');
  gate.setToken(server.issue('le-1', { kind: 'legal-entity', uid: '' }));
  assert.equal((await read).status, 200);
  assert.deepEqual(server.requests.map((r) => [r.method, r.headers.Authorization]), [['GET', 'Bearer le-1']]);
});

test('held write as user A, then user B signs in: write rejected, read replayed under B', async () => {
  const { gate, server, clock } = setup();
  gate.setToken(server.issue('a-1', { uid: 'alice', ttlMs: MIN }));
  await clock.advance(MIN);
  const write = settle(gate.request({ method: 'DELETE', path: '/v1/projects/p1', headers: { 'If-Match': '"1"' } }));
  const read = gate.request({ path: '/v1/projects' });
  await flush();
  gate.setToken(server.issue('b-1', { uid: 'bob' }));
  const r = await read;
  assert.equal(r.body.uid, 'bob');
  assert.equal(write.error?.code, 'identity_changed');
  assert.equal(server.requests.filter((q) => q.method === 'DELETE').length, 0, 'the write never reached the API');
});

test('held write as user A after logout and sign-in as A again is still rejected', async () => {
  const { gate, server, clock } = setup();
  gate.setToken(server.issue('a-1', { uid: 'alice', ttlMs: MIN }));
  await clock.advance(MIN);
  const write = settle(gate.request({ method: 'PUT', path: '/v1/projects/p1', body: {}, headers: { 'If-Match': '1' } }));
  await flush();
  server.expireNow('a-1');
  gate.logout();
  gate.setToken(server.issue('a-2', { uid: 'alice' }));
  await flush();
  assert.equal(write.error?.code, 'identity_changed');
  assert.equal(server.requests.length, 0);
});

test('held write replays under the same identity after a refresh, with the same Idempotency-Key', async () => {
  const { gate, server, clock } = setup();
  gate.setToken(server.issue('a-1', { uid: 'alice', ttlMs: MIN }));
  await clock.advance(MIN);
  const w1 = gate.request({ method: 'POST', path: '/v1/projects', body: { name: 'one' } });
  const w2 = gate.request({ method: 'POST', path: '/v1/projects', body: { name: 'two' } });
  await flush();
  gate.setToken(server.issue('a-2', { uid: 'alice' }));
  await Promise.all([w1, w2]);
  assert.deepEqual(server.requests.map((r) => r.headers['Idempotency-Key']), ['uuid-1', 'uuid-2']);
  assert.ok(server.requests.every((r) => r.headers.Authorization === 'Bearer a-2'));
});

test('a write made before any token is never replayed under the first identity', async () => {
  const { gate, server } = setup();
  const write = settle(gate.request({ path: '/v1/projects', method: 'GET', write: true }));
  await flush();
  gate.setToken(server.issue('a-1'));
  await flush();
  assert.equal(write.error?.code, 'identity_changed');
  assert.equal(server.requests.length, 0);
});

for (const [name, switchIdentity] of /** @type {const} */ ([
  ['another user signed in', (/** @type {any} */ gate, /** @type {any} */ server) => gate.setToken(server.issue('b-1', { uid: 'bob' }))],
  ['logout, then the same user again', (/** @type {any} */ gate, /** @type {any} */ server) => {
    gate.logout();
    gate.setToken(server.issue('a-2', { uid: 'alice' }));
  }],
])) {
  test(`an in-flight write answered token_expired after ${name} is not replayed`, async () => {
    const clock = fakeClock(T0);
    const server = fakeServer(clock);
    /** @type {(r: Response) => void} */
    let answer = () => {};
    /** @type {Promise<Response>} */
    const slow = new Promise((r) => { answer = r; });
    const gate = createTokenGate({
      fetch: (url, init) => init.headers.Authorization === 'Bearer a-1' ? slow : server.fetch(url, init),
      clock,
      postTokenExpired: () => {},
    });
    gate.setToken(server.issue('a-1', { uid: 'alice' }));
    const write = settle(gate.request({ method: 'POST', path: '/v1/projects', body: {} }));
    await flush();
    switchIdentity(gate, server);
    answer(server.reply(401, { error: { code: 'token_expired', message: 'expired' } }));
    await flush();
    assert.equal(write.error?.code, 'identity_changed');
    assert.equal(server.requests.length, 0, 'no second attempt');
  });
}

test('an in-flight write answered token_expired after a refresh is retried at once with the new token', async () => {
  const clock = fakeClock(T0);
  const server = fakeServer(clock);
  /** @type {(r: Response) => void} */
  let answer = () => {};
  /** @type {Promise<Response>} */
  const slow = new Promise((r) => { answer = r; });
  /** @type {string[]} */
  const keys = [];
  const gate = createTokenGate({
    fetch: (url, init) => {
      keys.push(init.headers['Idempotency-Key']);
      return init.headers.Authorization === 'Bearer a-1' ? slow : server.fetch(url, init);
    },
    clock,
    postTokenExpired: () => { throw new Error('must not ask: a fresh token is already there'); },
  });
  gate.setToken(server.issue('a-1', { uid: 'alice' }));
  const write = gate.request({ method: 'POST', path: '/v1/projects', body: {} });
  await flush();
  gate.setToken(server.issue('a-2', { uid: 'alice' }));
  answer(server.reply(401, { error: { code: 'token_expired', message: 'expired' } }));
  assert.equal((await write).status, 200);
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1]);
  assert.match(keys[0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'crypto.randomUUID by default');
});

test('a call re-held after token_expired keeps its original place in the queue', async () => {
  const clock = fakeClock(T0);
  const server = fakeServer(clock);
  /** @type {(r: Response) => void} */
  let answer = () => {};
  /** @type {Promise<Response>} */
  const slow = new Promise((r) => { answer = r; });
  /** @type {string[]} */
  const expiredPosts = [];
  const gate = createTokenGate({
    fetch: (url, init) => url.endsWith('/first') && init.headers.Authorization === 'Bearer a-1' ? slow : server.fetch(url, init),
    clock,
    postTokenExpired: ({ kind }) => { expiredPosts.push(String(kind)); },
  });
  gate.setToken(server.issue('a-1', { uid: 'alice', ttlMs: MIN }));
  const first = gate.request({ path: '/v1/first' });
  await clock.advance(MIN);
  const second = gate.request({ path: '/v1/second' });
  await flush();
  answer(server.reply(401, { error: { code: 'token_expired', message: 'expired' } }));
  await flush();
  assert.equal(gate.heldCount, 2);
  assert.deepEqual(expiredPosts, ['user']);
  gate.setToken(server.issue('a-2', { uid: 'alice' }));
  await Promise.all([first, second]);
  assert.deepEqual(server.requests.map((r) => r.url.split('/').pop()), ['first', 'second']);
});

test('a network failure rejects with GateError network', async () => {
  const clock = fakeClock(T0);
  const gate = createTokenGate({
    fetch: async () => { throw new TypeError('Failed to fetch'); },
    clock,
    postTokenExpired: () => {},
  });
  gate.setToken({ token: 't', kind: 'user', uid: 'u', expiresAt: T0 + MIN, serverTime: T0 });
  await assert.rejects(gate.request({ path: '/v1/me' }), (e) => e instanceof GateError && e.code === 'network');
});

test('destroy rejects held calls with closed and clears timers', async () => {
  const { gate, clock } = setup();
  const p = settle(gate.request({ path: '/v1/me' }));
  await flush();
  gate.destroy();
  await flush();
  assert.equal(p.error?.code, 'closed');
  assert.equal(clock.pendingTimers, 0);
  await assert.rejects(gate.request({ path: '/v1/me' }), (e) => e instanceof GateError && e.code === 'closed');
});

test('currentToken is only given out while usable', async () => {
  const { gate, server, clock } = setup();
  assert.equal(gate.currentToken(), null);
  gate.setToken(server.issue('tok-1', { ttlMs: MIN }));
  assert.equal(gate.currentToken(), 'tok-1');
  await clock.advance(MIN);
  assert.equal(gate.currentToken(), null);
});
