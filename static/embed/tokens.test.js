// tokens.test.js: the token hand-off (tokens.js) as createPlanner applies
// it: getToken() at start with capped retry backoff, one getToken() however
// often the planner asks, and the answer to TokenExpired for each change of
// kind. login() and logout(), which use it too, are tested with the other
// public methods in planner-embed.test.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EARLY_TOKEN_MAX_AGE_MS } from './tokens.js';
import {
  LE_TOKEN, LE_TOKEN_2, USER_TOKEN, PLANNER, READY, setup, readyAnonymous, readyUser,
} from './fakes.test.js';

// ---- through createPlanner ----

test('the token asked for at mount is posted the moment Ready arrives', async () => {
  const env = setup({ handshakeTimeoutMs: 2 * EARLY_TOKEN_MAX_AGE_MS });
  assert.equal(env.tokens.calls, 1, 'getToken is called while the planner page loads');
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.equal(env.posts.length, 0);
  await env.clock.advance(EARLY_TOKEN_MAX_AGE_MS - 1);
  await env.fromPlanner(READY);
  assert.deepEqual(env.posts, [{ msg: { event: 'Authentication', content: { token: LE_TOKEN } }, targetOrigin: PLANNER }]);
  assert.equal(env.tokens.calls, 1);
  assert.equal(env.clock.pending, 0, 'no timer left');
});

test('Ready while the mount\'s getToken is pending: that one call answers it', async () => {
  const env = setup();
  await env.fromPlanner(READY);
  assert.equal(env.tokens.calls, 1);
  await env.tokens.answer(USER_TOKEN, 'user');
  assert.deepEqual(env.sent, ['Login']);
});

test('a token fetched before Ready but kept too long is dropped; Ready fetches a fresh one', async () => {
  const env = setup({ handshakeTimeoutMs: 2 * EARLY_TOKEN_MAX_AGE_MS });
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  await env.clock.advance(EARLY_TOKEN_MAX_AGE_MS);
  await env.fromPlanner(READY);
  assert.equal(env.posts.length, 0, 'the old token is not posted');
  assert.equal(env.tokens.calls, 2);
  await env.tokens.answer(LE_TOKEN_2, 'legal-entity');
  assert.deepEqual(env.posts.map((p) => p.msg), [{ event: 'Authentication', content: { token: LE_TOKEN_2 } }]);
});

test('a token fetched before Ready is kept at most half the life its expiresAt leaves', async () => {
  const env = setup();
  await env.tokens.answer(LE_TOKEN, 'legal-entity', 10_000);
  await env.clock.advance(5000);
  await env.fromPlanner(READY);
  assert.equal(env.tokens.calls, 2, 'past half its life: a fresh token');
  await env.tokens.answer(LE_TOKEN_2, 'legal-entity');
  assert.deepEqual(env.sent, ['Authentication']);
  assert.equal(env.posts[0].msg.content.token, LE_TOKEN_2);

  // An answer already expired (or a host clock far ahead) is not kept at all.
  const late = setup();
  await late.tokens.answer(LE_TOKEN, 'legal-entity', -1000);
  await late.fromPlanner(READY);
  assert.equal(late.tokens.calls, 2);
  assert.equal(late.posts.length, 0);
});

test('getToken failing before Ready is reported and retried with backoff; Ready waits for the retry', async () => {
  const env = setup();
  await env.tokens.fail('BFF down');
  assert.deepEqual(env.errors.map((e) => e.code), ['token_unavailable']);
  assert.match(env.errors[0].message, /BFF down; retrying in 1 s/);
  await env.fromPlanner(READY);
  assert.equal(env.tokens.calls, 1, 'Ready does not cut the backoff short');
  await env.clock.advance(1000);
  assert.equal(env.tokens.calls, 2);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(env.sent, ['Authentication']);
});

test('a handshake that times out stops the token retries; a late Ready fetches a token', async () => {
  const env = setup({ handshakeTimeoutMs: 5000 });
  env.planner.ready.catch(() => {});
  await env.tokens.fail('BFF down');
  await env.clock.advance(1000);
  await env.tokens.fail('BFF down');
  await env.clock.advance(2000);
  await env.tokens.fail('BFF down'); // the next retry would be at 7 s
  await env.clock.advance(2000);
  assert.deepEqual(env.errors.map((e) => e.code), [...Array(3).fill('token_unavailable'), 'handshake_timeout']);
  assert.equal(env.clock.pending, 0, 'no retry is left running');
  await env.clock.advance(60_000);
  assert.equal(env.tokens.calls, 3);
  await env.fromPlanner(READY);
  assert.equal(env.tokens.calls, 4);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(env.sent, ['Authentication']);
});

test('getToken failing at start emits token_unavailable and retries with capped backoff', async () => {
  const env = setup();
  env.planner.ready.catch(() => {});
  await env.fromPlanner(READY);
  await env.tokens.fail('BFF down');
  assert.deepEqual(env.errors.map((e) => e.code), ['token_unavailable']);
  assert.match(env.errors[0].message, /BFF down; retrying in 1 s/);

  // Retries at +1 s, +2 s, +4 s, ... capped at 30 s.
  const delays = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
  for (const [i, d] of delays.entries()) {
    await env.clock.advance(d - 1);
    assert.equal(env.tokens.calls, i + 1, `no retry before ${d} ms`);
    await env.clock.advance(1);
    assert.equal(env.tokens.calls, i + 2, `retry after ${d} ms`);
    await env.tokens.fail('still down');
  }
  // TokenExpired during a backoff does not cut it short.
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: null } });
  assert.equal(env.tokens.calls, delays.length + 1);

  await env.clock.advance(30000);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(env.sent, ['Authentication']);
  assert.equal(env.clock.pending, 0, 'no timer left once a token is sent');
});

test('getToken returning garbage counts as unavailable and never quotes the value', async () => {
  const env = setup();
  await env.fromPlanner(READY);
  assert.equal(env.tokens.waiting, 1);
  // A "token" with a space is not usable as a bearer token.
  await env.tokens.answer('secret value', 'user');
  assert.equal(env.errors[0].code, 'token_unavailable');
  assert.doesNotMatch(JSON.stringify(env.events), /secret value/);
  assert.equal(env.posts.length, 0);
});

test('three TokenExpired while getToken is pending: one getToken call, one TokenRefreshed', async () => {
  const env = setup();
  await readyAnonymous(env);
  assert.equal(env.tokens.calls, 1);

  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'legal-entity' } });
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'legal-entity' } });
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'legal-entity' } });
  assert.equal(env.tokens.calls, 2, 'one getToken for three TokenExpired');

  await env.tokens.answer(LE_TOKEN_2, 'legal-entity');
  assert.deepEqual(env.posts.map((p) => p.msg), [
    { event: 'Authentication', content: { token: LE_TOKEN } },
    { event: 'TokenRefreshed', content: { token: LE_TOKEN_2 } },
  ]);
  assert.equal(env.tokens.calls, 2);

  // A later expiry is a new episode.
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'legal-entity' } });
  assert.equal(env.tokens.calls, 3);
});

test('TokenExpired for a user who signed out elsewhere: Logout then Authentication', async () => {
  const env = setup();
  await readyUser(env);
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'user' } });
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(env.posts.map((p) => p.msg), [
    { event: 'Login', content: { token: USER_TOKEN } },
    { event: 'Logout', content: {} },
    { event: 'Authentication', content: { token: LE_TOKEN } },
  ]);
  assert.equal(env.planner.tokenKind, 'legal-entity');
});

test('TokenExpired for a visitor who signed in elsewhere: Login', async () => {
  const env = setup();
  await readyAnonymous(env);
  await env.fromPlanner({ event: 'TokenExpired', content: { kind: 'legal-entity' } });
  await env.tokens.answer(USER_TOKEN, 'user');
  assert.deepEqual(env.sent, ['Authentication', 'Login']);
  assert.equal(env.planner.tokenKind, 'user');
});

test('AuthenticationRequired re-sends a token the same way as at start', async () => {
  const env = setup();
  await readyAnonymous(env);
  await env.fromPlanner({ event: 'AuthenticationRequired' });
  await env.fromPlanner({ event: 'AuthenticationRequired', content: {} });
  assert.equal(env.tokens.calls, 2);
  await env.tokens.answer(LE_TOKEN_2, 'legal-entity');
  assert.deepEqual(env.sent, ['Authentication', 'Authentication']);
});
