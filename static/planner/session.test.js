// session.js: tokens, login, logout and the identity epoch, through createApp.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTH_REQUIRED_AFTER_MS } from './app.js';
import { T0, MIN, SHOP, fakeServer, setup } from '../testing/planner-app.js';

/**
 * @typedef {import('./catalog.js').CatalogView} CatalogView
 * @typedef {import('./projects.js').ProjectsView} ProjectsView
 */

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
      // The catalog was asked for with the token while /v1/me checked it;
      // the token refused, its answer never reaches the screen.
      assert.equal(state.catalog?.status, 'idle', 'nothing read with a refused token is shown');
      assert.equal(state.catalog?.products.length, 0);
      assert.notEqual(state.alert, null, 'the refusal is shown');
      assert.equal(state.status, 'Not connected to Home Shop');
    });
  }
});

test('the first token\'s catalog is asked for in parallel with its check, and shown once /v1/me accepts it', async () => {
  const { server, send, events, state, clock } = setup();
  const release = server.hold((path) => path === '/v1/me');
  const token = server.issue();
  send('Authentication', { token });
  await clock.advance(0);
  assert.deepEqual(server.requests.map((r) => [r.path, r.token]), [
    ['/v1/catalog/categories', token], ['/v1/catalog/products', token], ['/v1/me', token],
  ], 'the catalog does not wait for /v1/me');
  assert.equal(state.catalog?.status, 'idle', 'nothing is shown before the token is accepted');
  release();
  await clock.advance(0);
  assert.equal(events('AuthenticationSucceeded').length, 1);
  assert.equal(state.catalog?.status, 'ready');
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p1', 'p2']);
  assert.equal(server.count('/v1/catalog'), 2, 'the prefetched answer is used, not read again');

  // Later tokens are checked first, as before: nothing more is read ahead.
  send('TokenRefreshed', { token: server.issue() });
  await clock.advance(0);
  assert.equal(server.count('/v1/catalog'), 2);
});

test('a refused first token\'s catalog is dropped; the next token reads it through the gate', async () => {
  const { server, send, events, state, clock } = setup();
  send('Authentication', { token: server.issue({ dist: 'd_other' }) });
  await clock.advance(0);
  assert.equal(events('AuthenticationFailed').length, 1);
  assert.equal(state.catalog?.status, 'idle');
  const good = server.issue();
  send('Authentication', { token: good });
  await clock.advance(0);
  assert.equal(state.catalog?.status, 'ready');
  assert.deepEqual(server.requests.filter((r) => r.path.startsWith('/v1/catalog')).slice(-2).map((r) => r.token), [good, good]);
});

test('a prefetched catalog that failed is read again through the gate once the token is accepted', async () => {
  const { server, send, state, clock } = setup();
  server.failOnce((path) => path === '/v1/catalog/products');
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  assert.equal(state.catalog?.status, 'ready');
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p1', 'p2']);
  assert.equal(server.count('/v1/catalog/products'), 2, 'the failed read ahead, then the gate\'s');
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

test('a TokenRefreshed that renews the identity in use releases held calls without asking /v1/me', async () => {
  const { server, send, events, clock, state, app } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice', ttlMs: MIN, jwt: true }) });
  await clock.advance(0);
  await clock.advance(MIN);
  void app.refreshProjects();
  await clock.advance(0);
  assert.equal(app.debug.gateState, 'waiting');
  const checks = server.count('/v1/me');
  const token = server.issue({ kind: 'user', uid: 'alice', jwt: true });
  send('TokenRefreshed', { token });
  await clock.advance(0);
  assert.equal(server.count('/v1/me'), checks, 'no round trip before the held calls go');
  assert.equal(app.debug.heldCount, 0);
  assert.equal(server.requests.at(-1)?.token, token, 'the held call went with the new token');
  assert.deepEqual(events('LoginSucceeded').map((m) => [m.content.uid, m.content.expiresAt]).at(-1),
    ['alice', new Date(Math.floor((clock.now() + 15 * MIN) / 1000) * 1000).toISOString()]);
  assert.deepEqual(app.debug.identity, { kind: 'user', uid: 'alice' });
  assert.equal(state.status, 'Signed in as alice');
});

test('a TokenRefreshed whose claims differ from the identity in use is checked with /v1/me', async (t) => {
  /** @typedef {NonNullable<Parameters<ReturnType<typeof fakeServer>['issue']>[0]>} IssueOptions */
  /** @type {Array<{name: string, first: IssueOptions, next: IssueOptions, identity: {kind: string, uid: string}}>} */
  const cases = [
    { name: 'another user', first: { kind: 'user', uid: 'alice', jwt: true }, next: { kind: 'user', uid: 'bob', jwt: true }, identity: { kind: 'user', uid: 'bob' } },
    { name: 'another retailer', first: { jwt: true }, next: { jwt: true, claims: { le: 'r2' } }, identity: { kind: 'legal-entity', uid: '' } },
    { name: 'expired by its claims', first: { jwt: true }, next: { jwt: true, claims: { exp: 1 } }, identity: { kind: 'legal-entity', uid: '' } },
    { name: 'not a JWT', first: { jwt: true }, next: {}, identity: { kind: 'legal-entity', uid: '' } },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const { server, send, clock, app } = setup();
      send(tc.first.kind === 'user' ? 'Login' : 'Authentication', { token: server.issue(tc.first) });
      await clock.advance(0);
      const checks = server.count('/v1/me');
      send('TokenRefreshed', { token: server.issue(tc.next) });
      await clock.advance(0);
      assert.equal(server.count('/v1/me'), checks + 1, 'asked /v1/me');
      assert.deepEqual(app.debug.identity, tc.identity, 'what /v1/me said decides');
    });
  }
});

test('a renewing TokenRefreshed behind a token still being checked waits its turn', async () => {
  const { server, send, events, clock, app } = setup();
  send('Authentication', { token: server.issue({ jwt: true }) });
  await clock.advance(0);
  const release = server.hold((path) => path === '/v1/me');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice', jwt: true }) });
  send('TokenRefreshed', { token: server.issue({ jwt: true }) });
  await clock.advance(0);
  assert.deepEqual(app.debug.identity, { kind: 'legal-entity', uid: '' }, 'nothing installed out of order');
  release();
  await clock.advance(0);
  assert.equal(events('LoginSucceeded').length, 1);
  assert.deepEqual(events('AuthenticationSucceeded').length, 2, 'the later guest token is applied last, as before');
  assert.deepEqual(app.debug.identity, { kind: 'legal-entity', uid: '' });
});

test('after Logout a TokenRefreshed is checked with /v1/me again', async () => {
  const { server, send, clock, app } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice', jwt: true }) });
  await clock.advance(0);
  send('Logout', {});
  const checks = server.count('/v1/me');
  send('TokenRefreshed', { token: server.issue({ kind: 'user', uid: 'alice', jwt: true }) });
  await clock.advance(0);
  assert.equal(server.count('/v1/me'), checks + 1);
  assert.equal(app.debug.identity, null, 'after Logout a TokenRefreshed must be of the anonymous kind');
});
