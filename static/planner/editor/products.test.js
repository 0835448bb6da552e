import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProducts, RETRY_MS, RETRY_MAX_MS, retryDelay } from './products.js';
import { fakeClock, flush } from '../../testing/fake-clock.js';

/** @typedef {import('../api.js').Product} Product */

/** @param {string} id @returns {Product} */
const product = (id) => ({ id, name: id.toUpperCase(), category: 'c', width: 100, depth: 50, height: 80, price: 1000, currency: 'EUR', color: '#336699' });

/**
 * setup builds a cache whose API answers through answer(id, attempt).
 * @param {object} [o]
 * @param {(id: string, n: number) => Promise<Product>} [o.answer] n counts the fetches of id, from 1
 * @param {Record<string, Product>} [o.catalog]
 */
function setup({ answer = (id) => Promise.resolve(product(id)), catalog = {} } = {}) {
  const clock = fakeClock();
  /** @type {string[]} */
  const fetched = [];
  /** @type {number[]} when each fetch was made */
  const at = [];
  const onPlan = new Set(['a', 'b']);
  let alive = true;
  let updates = 0;
  const cat = { ...catalog };
  const cache = createProducts({
    clock,
    fetch: (id) => {
      fetched.push(id);
      at.push(clock.now());
      return answer(id, fetched.filter((f) => f === id).length);
    },
    catalog: (id) => cat[id],
    wanted: (id) => onPlan.has(id),
    alive: () => alive,
    onUpdate: () => { updates++; },
  });
  return {
    clock, cache, fetched, at, onPlan, cat,
    get updates() { return updates; },
    leave() { alive = false; },
  };
}

const unavailable = () => Promise.reject(Object.assign(new Error('Service Unavailable'), { code: 'internal' }));
const notFound = () => Promise.reject(Object.assign(new Error('Not Found'), { code: 'not_found' }));

test('retryDelay doubles from RETRY_MS up to RETRY_MAX_MS', () => {
  assert.equal(RETRY_MS, 2000);
  assert.equal(RETRY_MAX_MS, 60_000);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(retryDelay), [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});

test('a product in the catalog pages is not fetched and stays cached', () => {
  const s = setup({ catalog: { a: product('a') } });
  assert.equal(s.cache.lookup('a')?.name, 'A');
  s.cache.want(['a'])();
  assert.deepEqual(s.fetched, []);
  assert.equal(s.cache.isPending('a'), false);
  delete s.cat.a; // the shell's catalog moved on: the editor keeps what it drew
  assert.equal(s.cache.lookup('a')?.name, 'A');
});

test('a missing product is pending until fetched, then cached', async () => {
  const s = setup();
  const go = s.cache.want(['a', 'a']);
  assert.equal(s.cache.isPending('a'), true, 'pending before the fetch starts (drawn as loading)');
  assert.deepEqual(s.fetched, []);
  go();
  assert.deepEqual(s.fetched, ['a']);
  await flush();
  assert.equal(s.cache.lookup('a')?.name, 'A');
  assert.equal(s.cache.isPending('a'), false);
  assert.equal(s.updates, 1);
  s.cache.want(['a'])();
  assert.deepEqual(s.fetched, ['a'], 'fetched once');
  assert.equal(s.clock.pendingTimers, 0);
});

test('not_found caches null: unknown, not pending, never asked again', async () => {
  const s = setup({ answer: notFound });
  s.cache.want(['a'])();
  await flush();
  assert.equal(s.cache.lookup('a'), null);
  assert.equal(s.cache.isPending('a'), false);
  assert.equal(s.clock.pendingTimers, 0, 'no retry');
  s.cache.want(['a'])();
  await s.clock.advance(10 * RETRY_MAX_MS);
  assert.deepEqual(s.fetched, ['a']);
});

test('a failed fetch is asked again after 2 s, doubling to 60 s, on the injected clock', async () => {
  const s = setup({ answer: unavailable });
  s.cache.want(['a'])();
  await flush();
  assert.equal(s.cache.isPending('a'), true, 'still loading, not unknown');
  assert.equal(s.cache.lookup('a'), null);
  assert.deepEqual(s.clock.pending, [2000]);
  await s.clock.advance(8 * RETRY_MAX_MS);
  const gaps = s.at.slice(1).map((t, i) => t - s.at[i]);
  assert.deepEqual(gaps.slice(0, 7), [2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  assert.equal(s.cache.isPending('a'), true);
  assert.equal(s.clock.pendingTimers, 1, 'one retry armed at a time');
});

test('a retry that succeeds stops the retries', async () => {
  const s = setup({ answer: (id, n) => (n < 3 ? unavailable() : Promise.resolve(product(id))) });
  s.cache.want(['a'])();
  await s.clock.advance(2000 + 4000);
  assert.deepEqual(s.at, [0, 2000, 6000]);
  assert.equal(s.cache.lookup('a')?.name, 'A');
  assert.equal(s.cache.isPending('a'), false);
  assert.equal(s.clock.pendingTimers, 0);
});

test('not_found on a retry ends it as unknown', async () => {
  const s = setup({ answer: (_id, n) => (n < 2 ? unavailable() : notFound()) });
  s.cache.want(['a'])();
  await s.clock.advance(10 * RETRY_MAX_MS);
  assert.deepEqual(s.at, [0, 2000]);
  assert.equal(s.cache.lookup('a'), null);
  assert.equal(s.cache.isPending('a'), false);
});

test('concurrent wants of a pending product ask the API once', async () => {
  /** @type {Array<() => void>} */
  const held = [];
  const s = setup({ answer: (id) => new Promise((resolve) => held.push(() => resolve(product(id)))) });
  const first = s.cache.want(['a', 'b']);
  const second = s.cache.want(['b', 'a']);
  first();
  second();
  s.cache.want(['a'])();
  assert.deepEqual(s.fetched, ['a', 'b']);
  held.forEach((f) => f());
  await flush();
  assert.equal(s.cache.lookup('b')?.name, 'B');
});

test('a product waiting for a retry is not asked for again by another want', async () => {
  const s = setup({ answer: unavailable });
  s.cache.want(['a'])();
  await flush();
  s.cache.want(['a'])();
  await s.clock.advance(1999);
  assert.deepEqual(s.fetched, ['a']);
  await s.clock.advance(1);
  assert.deepEqual(s.fetched, ['a', 'a']);
});

test('a retry drops ids the catalog brought meanwhile or the plan no longer has', async () => {
  const s = setup({ answer: unavailable });
  s.cache.want(['a', 'b'])();
  await flush();
  s.cat.a = product('a');
  s.onPlan.delete('b');
  await s.clock.advance(2000);
  assert.deepEqual(s.fetched, ['a', 'b']);
  assert.equal(s.cache.isPending('a'), false);
  assert.equal(s.cache.isPending('b'), false);
  assert.equal(s.cache.lookup('a')?.name, 'A');
  assert.equal(s.clock.pendingTimers, 0);
});

test('after the editor left, fetches no longer redraw and retries stop', async () => {
  const s = setup({ answer: unavailable });
  s.cache.want(['a'])();
  s.leave();
  await flush();
  assert.equal(s.updates, 0);
  await s.clock.advance(10 * RETRY_MAX_MS);
  assert.deepEqual(s.fetched, ['a']);
});
