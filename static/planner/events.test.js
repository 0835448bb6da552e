import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEvents, newLoadId, MAX_EVENTS } from './events.js';
import { fakeClock, flush } from '../testing/fake-clock.js';

/**
 * setup returns events over a fake clock whose send records each batch and
 * answers with the next of answers (default 202).
 * @param {Array<{status: number, retryAfterMs?: number} | Error>} [answers]
 */
function setup(answers = []) {
  const clock = fakeClock(1_000_000);
  /** @type {{at: number, body: any, keepalive: boolean}[]} */
  const sent = [];
  const ev = createEvents({
    clock, loadId: 'load-aaaaaaaaaaaaaaaa',
    send: async (body, { keepalive }) => {
      sent.push({ at: clock.now(), body: JSON.parse(body), keepalive });
      const a = answers.shift() ?? { status: 202 };
      if (a instanceof Error) throw a;
      return a;
    },
  });
  /** @param {string} type */
  const total = (type, field = 'count') => sent.reduce((n, s) => n + s.body.events.filter((/** @type {any} */ e) => e.type === type).reduce((/** @type {number} */ m, /** @type {any} */ e) => m + (e[field] ?? 1), 0), 0);
  return { clock, ev, sent, total };
}

test('the first counts go at once, later ones at most every 20 s, and a heartbeat each minute', async () => {
  const { clock, ev, sent } = setup();
  ev.opened();
  ev.productAdded();
  ev.productAdded(2);
  await clock.advance(0);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].body, { load: 'load-aaaaaaaaaaaaaaaa', events: [{ type: 'planner.opened' }, { type: 'product.added', count: 3 }] });
  ev.basketSent({ lines: 2, value: 12900, currency: 'EUR' });
  await clock.advance(19_999);
  assert.equal(sent.length, 1, 'not before 20 s');
  await clock.advance(1);
  assert.deepEqual(sent[1].body.events, [{ type: 'basket.sent', lines: 2, value: 12900, currency: 'EUR' }]);
  await clock.advance(59_999);
  assert.equal(sent.length, 2);
  await clock.advance(1);
  assert.deepEqual(sent[2].body.events, [{ type: 'heartbeat' }]);
  // Continuous activity: never more than three batches a minute.
  const before = sent.length;
  for (let i = 0; i < 60; i++) { ev.productAdded(); await clock.advance(1000); }
  assert.ok(sent.length - before <= 3, `${sent.length - before} batches in a minute`);
});

test('a refused or failed batch is merged into a later one: nothing lost, nothing twice', async () => {
  const { clock, ev, sent, total } = setup([{ status: 429, retryAfterMs: 30_000 }, new Error('offline'), { status: 503 }]);
  ev.opened();
  ev.productAdded(4);
  ev.tokenExpired({ heldCalls: 2, holdMs: 1500 });
  await clock.advance(0);
  assert.equal(sent.length, 1);
  ev.productAdded(1);
  await clock.advance(29_999);
  assert.equal(sent.length, 1, 'Retry-After is honoured');
  await clock.advance(1);
  assert.equal(sent.length, 2, 'offline');
  await clock.advance(10 * 60_000);
  // Answers: 429, offline, 503, then accepted: the fourth batch carries it
  // all, once; the later ones are heartbeats.
  assert.deepEqual(sent[3].body.events, [
    { type: 'planner.opened' }, { type: 'token.expired', heldCalls: 2, holdMs: 1500 }, { type: 'product.added', count: 5 },
  ]);
  assert.ok(sent.slice(4).every((s) => s.body.events.every((/** @type {any} */ e) => e.type === 'heartbeat')));
  assert.equal(total('product.added'), 4 + 5 + 5 + 5, 'each failed try resent the counts, merged');
});

test('no token yet: nothing is counted as sent, and it is tried again shortly', async () => {
  const { clock, ev, sent } = setup([{ status: 0 }]);
  ev.opened();
  await clock.advance(0);
  await clock.advance(5000);
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1].body.events, [{ type: 'planner.opened' }]);
});

test('a malformed batch (400) is dropped, not resent', async () => {
  const { clock, ev, sent } = setup([{ status: 400 }]);
  ev.productAdded(1);
  await clock.advance(0);
  await clock.advance(20_000 * 3);
  assert.ok(sent.slice(1).every((s) => s.body.events.every((/** @type {any} */ e) => e.type === 'heartbeat')));
});

test('a batch holds at most MAX_EVENTS events; large counts split at 100', async () => {
  const { clock, ev, sent } = setup();
  ev.productAdded(250);
  for (let i = 0; i < 12; i++) ev.basketSent({ lines: 1, value: 100, currency: 'EUR' });
  for (let i = 0; i < 12; i++) ev.tokenExpired({ heldCalls: 1, holdMs: 10 });
  for (let i = 0; i < 6; i++) ev.authFailed('invalid_token');
  ev.basketSent({ lines: 0, value: 1, currency: 'EUR' }); // not a basket
  ev.basketSent({ lines: 1, value: 1, currency: 'euro' }); // not a currency
  await clock.advance(0);
  assert.equal(sent[0].body.events.length, MAX_EVENTS);
  await clock.advance(20_000);
  const all = sent.flatMap((s) => s.body.events);
  assert.equal(all.filter((e) => e.type === 'basket.sent').length, 12);
  assert.equal(all.filter((e) => e.type === 'product.added').reduce((n, e) => n + e.count, 0), 250);
  assert.ok(all.filter((e) => e.type === 'product.added').every((e) => e.count <= 100));
  assert.equal(all.filter((e) => e.type === 'auth.failed').length, 6);
});

test('close sends what is left with planner.closed, keepalive, and then nothing', async () => {
  const { clock, ev, sent } = setup();
  ev.opened();
  await clock.advance(0);
  ev.heldFailed(2);
  ev.close();
  await flush();
  assert.deepEqual(sent[1].body.events, [{ type: 'held.failed', count: 2 }, { type: 'planner.closed' }]);
  assert.equal(sent[1].keepalive, true);
  ev.productAdded();
  await clock.advance(10 * 60_000);
  assert.equal(sent.length, 2);
});

test('newLoadId is 22 base64url characters', () => {
  const id = newLoadId((a) => { for (let i = 0; i < a.length; i++) a[i] = (i * 37) & 255; return a; });
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
});
