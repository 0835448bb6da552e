// The reference below puts planner-embed.js itself into tsc's program: next to
// planner-embed.d.ts, `tsc -p static/tsconfig.json` would otherwise type-check
// only the .d.ts and silently skip the implementation.
/// <reference path="./planner-embed.js" />

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlanner, PlannerError } from './planner-embed.js';
import {
  PLANNER, LE_TOKEN, LE_TOKEN_2, USER_TOKEN, USER_TOKEN_2, ALL_TOKENS, READY, settle, FakeMessageEvent,
  FakeWindow, FakeContainer, fakeClock, tokenSource, setup, readyAnonymous, readyUser, handled, rejection,
} from './fakes.test.js';

// ---- iframe ----

test('the iframe points at /planner on the planner origin with the documented attributes', () => {
  const env = setup({ locale: 'fr-FR' });
  assert.equal(env.container.children.length, 1);
  assert.equal(env.container.children[0], env.iframe);
  assert.equal(env.iframe.src, `${PLANNER}/planner?d=d_demo%201&locale=fr-FR`);
  assert.equal(env.planner.origin, PLANNER);
  assert.equal(env.iframe.title, 'Room planner');
  assert.equal(env.iframe.getAttribute('referrerpolicy'), 'origin');
  assert.equal(env.iframe.getAttribute('data-testid'), 'planner-iframe');
  assert.equal(env.iframe.getAttribute('allow'), null);
  assert.equal(env.iframe.style.width, '100%');
  assert.equal(env.iframe.style.height, '100%');
  assert.equal(env.iframe.style.border, '0');
  assert.equal(env.win.listeners, 1);
  assert.equal(env.posts.length, 0, 'nothing is posted before Ready');
});

test('invalid options are refused at once', () => {
  const container = /** @type {any} */ (new FakeContainer());
  const win = /** @type {any} */ (new FakeWindow());
  const base = { container, window: win, plannerUrl: PLANNER, distribution: 'd_1', getToken: async () => ({ token: 't', kind: /** @type {const} */ ('user') }) };
  for (const [name, bad] of /** @type {[string, any][]} */ ([
    ['relative url', { plannerUrl: '/planner' }],
    ['javascript url', { plannerUrl: 'javascript:alert(1)' }],
    ['no distribution', { distribution: '' }],
    ['no getToken', { getToken: undefined }],
    ['bad locale', { locale: 'fr FR"><script>' }],
    ['no window', { window: undefined }],
  ])) {
    assert.throws(() => createPlanner({ ...base, ...bad }), TypeError, name);
  }
  assert.equal(container.children.length, 0, 'no iframe is left behind');
});

test('every post goes to the exact planner origin, never "*"', async () => {
  const env = setup();
  const loading = env.planner.loadProject('p1');
  await readyUser(env);
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'user' } });
  await env.tokens.answer(USER_TOKEN_2, 'user');
  await env.fromPlanner({ event: 'ProjectLoadingSucceeded', content: { projectId: 'p1' } });
  await loading;
  const out = env.planner.logout();
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  await env.fromPlanner({ event: 'AuthenticationSucceeded', content: {} });
  await out;
  await env.planner.setSettings({ currency: 'EUR', units: 'imperial' });
  assert.deepEqual(env.posts.at(-1)?.msg.content, { currency: 'EUR', units: 'imperial' });

  assert.deepEqual(env.sent, ['LoadProject', 'Login', 'TokenRefreshed', 'Logout', 'Authentication', 'SetUpSettings']);
  for (const p of env.posts) assert.equal(p.targetOrigin, PLANNER, p.msg.event);
  assert.equal(env.planner.stats.posted, 6);
});

// ---- handshake ----

test('commands before Ready are buffered and flushed in order, then the token fetched at mount', async () => {
  const env = setup();
  assert.equal(env.tokens.calls, 1, 'getToken is called at mount, while the planner page loads');
  const settings = env.planner.setSettings({ locale: 'de-DE', currency: 'EUR' });
  const loading = env.planner.loadProject('p7');
  await env.clock.advance(5000);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.equal(env.posts.length, 0, 'the token waits for Ready');

  await env.fromPlanner(READY);
  assert.deepEqual(env.posts.map((p) => p.msg), [
    { event: 'SetUpSettings', content: { locale: 'de-DE', currency: 'EUR' } },
    { event: 'LoadProject', content: { projectId: 'p7' } },
    { event: 'Authentication', content: { token: LE_TOKEN } },
  ]);
  await settings; // resolves once posted
  assert.equal(env.tokens.calls, 1, 'no second getToken at Ready');
  assert.equal(env.planner.tokenKind, 'legal-entity');

  assert.deepEqual(await env.planner.ready, READY.content);
  await env.fromPlanner({ event: 'ProjectLoadingSucceeded', content: { projectId: 'p7', name: 'Kitchen' } });
  assert.deepEqual(await loading, { projectId: 'p7', name: 'Kitchen' });
});

test('a user token at start is sent with Login', async () => {
  const env = setup();
  await readyUser(env);
  assert.deepEqual(env.posts.map((p) => p.msg), [{ event: 'Login', content: { token: USER_TOKEN } }]);
  assert.equal(env.planner.tokenKind, 'user');
});

test('no Ready within handshakeTimeoutMs gives an error event and rejects pending promises', async () => {
  const env = setup({ handshakeTimeoutMs: 15000 });
  const loading = handled(env.planner.loadProject('p1'));
  const settings = handled(env.planner.setSettings({ currency: 'EUR' }));
  await env.clock.advance(14999);
  assert.equal(env.errors.length, 0);
  await env.clock.advance(1);

  assert.equal(env.errors.length, 1);
  assert.equal(env.errors[0].code, 'handshake_timeout');
  assert.match(env.errors[0].message, /did not answer within 15000 ms/);
  for (const p of [env.planner.ready, loading, settings]) {
    const err = await rejection(p);
    assert.ok(err instanceof PlannerError);
    assert.equal(err.code, 'handshake_timeout');
  }
  assert.equal(env.posts.length, 0);
  assert.equal(env.tokens.calls, 1, 'only the call made at mount');
});

test('a Ready after the handshake timeout is still honoured', async () => {
  const env = setup({ handshakeTimeoutMs: 1000 });
  await env.clock.advance(1000);
  assert.deepEqual(env.errors.map((e) => e.code), ['handshake_timeout']);
  await env.fromPlanner(READY);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(env.sent, ['Authentication']);
  assert.deepEqual(await env.planner.setSettings({ locale: 'en' }), undefined);
  assert.deepEqual(env.sent, ['Authentication', 'SetUpSettings']);
});

test('a Ready with another protocol version is refused', async () => {
  const env = setup();
  await env.fromPlanner({ event: 'Ready', content: { protocol: 2, capabilities: [] } });
  assert.equal(env.errors[0].code, 'protocol_mismatch');
  assert.equal((await rejection(env.planner.ready)).code, 'protocol_mismatch');
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.equal(env.posts.length, 0, 'no token for a planner of another protocol');
  assert.equal(env.tokens.calls, 1);
});

test('a second Ready (the planner page reloaded) authenticates again', async () => {
  const env = setup();
  await readyUser(env);
  await env.fromPlanner(READY);
  assert.equal(env.tokens.calls, 2);
  await env.tokens.answer(USER_TOKEN_2, 'user');
  assert.deepEqual(env.sent, ['Login', 'Login']);
});

// ---- methods ----

test('login() posts Login and resolves on LoginSucceeded', async () => {
  const env = setup();
  await readyAnonymous(env);
  let done = false;
  const p = env.planner.login().then(() => { done = true; });
  await env.tokens.answer(USER_TOKEN, 'user');
  assert.deepEqual(env.posts.at(-1)?.msg, { event: 'Login', content: { token: USER_TOKEN } });
  assert.equal(done, false);
  await env.fromPlanner({ event: 'LoginSucceeded', content: {} });
  await p;
  assert.equal(done, true);
});

test('login() rejects on LoginFailed', async () => {
  const env = setup();
  await readyAnonymous(env);
  const p = handled(env.planner.login());
  await env.tokens.answer(USER_TOKEN, 'user');
  await env.fromPlanner({ event: 'LoginFailed', content: { reason: 'token signature invalid' } });
  const err = await rejection(p);
  assert.equal(err.code, 'login_failed');
  assert.match(err.message, /token signature invalid/);
});

test('login() with a legal-entity token from the host rejects without posting', async () => {
  const env = setup();
  await readyAnonymous(env);
  const p = handled(env.planner.login());
  await env.tokens.answer(LE_TOKEN_2, 'legal-entity');
  assert.equal((await rejection(p)).code, 'wrong_token_kind');
  assert.deepEqual(env.sent, ['Authentication']);
});

test('login() rejects when getToken throws, and reports token_unavailable', async () => {
  const env = setup();
  await readyAnonymous(env);
  const p = handled(env.planner.login());
  await env.tokens.fail('503 upstream_unavailable');
  const err = await rejection(p);
  assert.equal(err.code, 'token_unavailable');
  assert.deepEqual(env.errors.map((e) => e.code), ['token_unavailable']);
});

test('login() before Ready: Login is flushed after Ready and no second token is fetched', async () => {
  const env = setup();
  const p = env.planner.login();
  assert.equal(env.tokens.calls, 2, 'the call made at mount, then login()\'s own');
  await env.tokens.answer(LE_TOKEN, 'legal-entity'); // the mount's: superseded by login()
  await env.tokens.answer(USER_TOKEN, 'user');
  assert.equal(env.posts.length, 0);
  await env.fromPlanner(READY);
  assert.deepEqual(env.sent, ['Login']);
  assert.equal(env.tokens.calls, 2);
  await env.fromPlanner({ event: 'LoginSucceeded', content: {} });
  await p;
});

test('logout() posts Logout at once, then Authentication; resolves on AuthenticationSucceeded', async () => {
  const env = setup();
  await readyUser(env);
  const p = env.planner.logout();
  assert.deepEqual(env.sent, ['Login', 'Logout'], 'Logout does not wait for the token');
  assert.equal(env.planner.tokenKind, null);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(env.posts.at(-1)?.msg, { event: 'Authentication', content: { token: LE_TOKEN } });
  await env.fromPlanner({ event: 'AuthenticationSucceeded', content: {} });
  await p;
  assert.equal(env.planner.tokenKind, 'legal-entity');
});

test('a slow token of an earlier login() never undoes a later logout()', async () => {
  const env = setup();
  await readyAnonymous(env);
  const login = handled(env.planner.login()); // getToken call 2
  const logout = env.planner.logout(); // getToken call 3
  await env.tokens.answer(USER_TOKEN, 'user'); // login's answer arrives late
  assert.deepEqual(env.sent, ['Authentication', 'Logout'], 'the stale user token is not posted');
  assert.equal((await rejection(login)).code, 'superseded');
  await env.tokens.answer(LE_TOKEN_2, 'legal-entity');
  await env.fromPlanner({ event: 'AuthenticationSucceeded', content: {} });
  await logout;
  assert.deepEqual(env.sent, ['Authentication', 'Logout', 'Authentication']);
});

test('a TokenExpired during login() is answered by the login, not by a second getToken', async () => {
  const env = setup();
  await readyAnonymous(env);
  const p = env.planner.login();
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'legal-entity' } });
  assert.equal(env.tokens.calls, 2);
  await env.tokens.answer(USER_TOKEN, 'user');
  await env.fromPlanner({ event: 'LoginSucceeded', content: {} });
  await p;
  assert.deepEqual(env.sent, ['Authentication', 'Login']);
});

test('loadProject() only settles on answers for its own project id', async () => {
  const env = setup();
  await readyUser(env);
  const a = env.planner.loadProject('a');
  const b = handled(env.planner.loadProject('b'));
  let aDone = false;
  a.then(() => { aDone = true; }, () => {});
  await env.fromPlanner({ event: 'ProjectLoadingFailed', content: { projectId: 'b', error: { code: 'not_found', message: 'no such project' } } });
  const err = await rejection(b);
  assert.equal(err.code, 'project_loading_failed');
  assert.match(err.message, /no such project/);
  assert.equal(aDone, false);
  await env.fromPlanner({ event: 'ProjectLoadingSucceeded', content: { projectId: 'a' } });
  assert.deepEqual(await a, { projectId: 'a' });
  assert.deepEqual(env.sent, ['Login', 'LoadProject', 'LoadProject']);
});

test('invalid arguments reject without posting', async () => {
  const env = setup();
  await readyAnonymous(env);
  for (const p of [
    env.planner.loadProject(''),
    env.planner.loadProject('x'.repeat(65)),
    env.planner.loadProject('a\nb'),
    env.planner.loadProject(/** @type {any} */ (7)),
    env.planner.setSettings({}),
    env.planner.setSettings({ currency: 'euro' }),
    env.planner.setSettings({ locale: '<script>' }),
    env.planner.setSettings({ units: /** @type {any} */ ('cm') }),
    env.planner.setSettings({ locale: 'fr', units: /** @type {any} */ ('Imperial') }),
  ]) {
    assert.ok((await rejection(p)) instanceof TypeError);
  }
  assert.deepEqual(env.sent, ['Authentication']);
});

// ---- destroy ----

test('destroy() removes the listener and the iframe, clears timers, rejects pending promises; idempotent', async () => {
  const env = setup();
  const beforeReady = handled(env.planner.loadProject('p0'));
  await readyAnonymous(env);
  const login = handled(env.planner.login()); // waiting for getToken
  const loading = handled(env.planner.loadProject('p1')); // waiting for the planner
  const frameWindow = env.frameWindow;

  env.planner.destroy();
  assert.equal(env.planner.destroyed, true);
  assert.equal(env.win.listeners, 0);
  assert.deepEqual(env.container.children, []);
  assert.equal(env.clock.pending, 0, 'no timer left');
  for (const p of [beforeReady, login, loading]) {
    const err = await rejection(p);
    assert.equal(err.message, 'planner destroyed');
    assert.equal(err.code, 'destroyed');
  }

  env.planner.destroy();
  assert.equal(env.win.listeners, 0);
  for (const p of [env.planner.login(), env.planner.logout(), env.planner.loadProject('p2'), env.planner.setSettings({ currency: 'EUR' })]) {
    assert.equal((await rejection(p)).message, 'planner destroyed');
  }

  // A late token answer and late messages change nothing.
  const posted = frameWindow.posts.length;
  await env.tokens.answer(USER_TOKEN, 'user');
  env.win.dispatchEvent(new FakeMessageEvent({ data: { event: 'TokenExpired', content: {} }, origin: PLANNER, source: frameWindow }));
  await settle();
  assert.equal(frameWindow.posts.length, posted);
  assert.equal(env.tokens.calls, 2);
});

test('destroy() before Ready rejects ready', async () => {
  const env = setup();
  env.planner.destroy();
  assert.equal((await rejection(env.planner.ready)).message, 'planner destroyed');
  assert.equal(env.clock.pending, 0);
});

// ---- onEvent ----

test('onEvent sees every message in and out, and never a token', async () => {
  const env = setup();
  await readyAnonymous(env);
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'legal-entity' } });
  await env.tokens.answer(LE_TOKEN_2, 'legal-entity');
  const login = env.planner.login();
  await env.tokens.answer(USER_TOKEN, 'user');
  await env.fromPlanner({ event: 'LoginSucceeded', content: {} });
  await login;
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'user' } });
  await env.tokens.answer(USER_TOKEN_2, 'user');
  await env.fromPlanner({ event: 'AddToBasket', content: { items: [{ productId: 'sofa', quantity: 1, unitPrice: 49900 }] } });

  assert.deepEqual(env.events.map((e) => `${e.direction} ${e.event}`), [
    'in Ready', 'out Authentication', 'in TokenExpired', 'out TokenRefreshed', 'out Login', 'in LoginSucceeded',
    'in TokenExpired', 'out TokenRefreshed', 'in AddToBasket',
  ]);
  assert.deepEqual(env.events[1], { direction: 'out', event: 'Authentication', content: { token: 'eyJ…(redacted)' } });
  assert.deepEqual(env.events.at(-1).content, { items: [{ productId: 'sofa', quantity: 1, unitPrice: 49900 }] });
  const log = JSON.stringify(env.events);
  for (const t of ALL_TOKENS) {
    assert.equal(log.includes(t), false);
    assert.equal(log.includes(t.split('.')[2]), false, 'not even the signature');
  }
  // What went to the planner did carry the real tokens.
  assert.deepEqual(env.posts.map((p) => p.msg.content.token), [LE_TOKEN, LE_TOKEN_2, USER_TOKEN, USER_TOKEN_2]);
});

test('a throwing onEvent does not stop the protocol', async () => {
  const win = new FakeWindow();
  const container = new FakeContainer();
  const clock = fakeClock();
  const tokens = tokenSource();
  const planner = createPlanner({
    container: /** @type {any} */ (container),
    plannerUrl: PLANNER,
    distribution: 'd_1',
    getToken: tokens.getToken,
    onEvent: () => { throw new Error('host bug'); },
    window: /** @type {any} */ (win),
    timers: clock.timers,
  });
  const reportError = globalThis.reportError;
  /** @type {any} */ (globalThis).reportError = undefined;
  try {
    const frameWindow = /** @type {any} */ (planner.iframe).contentWindow;
    win.dispatchEvent(new FakeMessageEvent({ data: READY, origin: PLANNER, source: frameWindow }));
    await settle();
    await tokens.answer(LE_TOKEN, 'legal-entity');
    assert.deepEqual(frameWindow.posts.map((/** @type {any} */ p) => p.msg.event), ['Authentication']);
    assert.equal(planner.stats.handlerErrors, 2);
  } finally {
    /** @type {any} */ (globalThis).reportError = reportError;
    planner.destroy();
  }
});
