import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewer, policyParts } from './origins.js';
import { fakeClock, flush } from '../testing/fake-clock.js';

/**
 * fakeFetch answers each call when the test says, by the origin asked:
 * calls[i].answer(status, body) settles call i.
 */
function fakeFetch() {
  /** @type {{origin: string, signal: AbortSignal, answer: (status: number, body: unknown) => void}[]} */
  const calls = [];
  /** @type {any} */
  const fetch = (/** @type {string} */ url, /** @type {{signal: AbortSignal}} */ init) => new Promise((resolve, reject) => {
    const origin = new URL(url, 'http://console.test').searchParams.get('origin') ?? '';
    init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    calls.push({ origin, signal: init.signal, answer: (status, body) => resolve({ ok: status < 300, status, json: async () => body }) });
  });
  return { fetch, calls };
}

test('the preview asks once the typing pauses, for the latest value only', async () => {
  const clock = fakeClock();
  const { fetch, calls } = fakeFetch();
  /** @type {any[]} */
  const seen = [];
  const input = previewer({ fetch, clock, delay: 150, onResult: (p) => seen.push(p) });
  for (const v of ['h', 'ht', 'https://Shop.example']) {
    input(v);
    clock.advanceSync(50);
  }
  assert.equal(calls.length, 0, 'no question while the keys keep coming');
  clock.advanceSync(100);
  assert.deepEqual(calls.map((c) => c.origin), ['https://Shop.example']);
  calls[0].answer(200, { origin: 'https://shop.example', registered: false, frameAncestors: 'frame-ancestors https://a.example https://shop.example' });
  await flush();
  assert.deepEqual(seen, [{ state: 'ok', value: 'https://Shop.example', origin: 'https://shop.example', registered: false,
    frameAncestors: 'frame-ancestors https://a.example https://shop.example' }]);
});

test('a slow answer to an older value never overwrites the newer one', async () => {
  const clock = fakeClock();
  const { fetch, calls } = fakeFetch();
  /** @type {any[]} */
  const seen = [];
  const input = previewer({ fetch, clock, delay: 150, onResult: (p) => seen.push(p) });
  input('https://old.example');
  clock.advanceSync(150);
  input('shop.example');
  clock.advanceSync(150);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].signal.aborted, true, 'the older question is cancelled');
  calls[1].answer(422, { error: { code: 'validation_failed', message: 'Not an origin: "shop.example" is not an origin.' } });
  calls[0].answer(200, { origin: 'https://old.example', registered: false, frameAncestors: 'frame-ancestors https://old.example' });
  await flush();
  assert.deepEqual(seen, [{ state: 'error', value: 'shop.example', message: 'Not an origin: "shop.example" is not an origin.' }]);
});

test('clearing the field clears the preview at once and drops the pending question', async () => {
  const clock = fakeClock();
  const { fetch, calls } = fakeFetch();
  /** @type {any[]} */
  const seen = [];
  const input = previewer({ fetch, clock, delay: 150, onResult: (p) => seen.push(p) });
  input('https://a.example');
  clock.advanceSync(150);
  input('  ');
  clock.advanceSync(1000);
  calls[0].answer(200, { origin: 'https://a.example', registered: false, frameAncestors: 'frame-ancestors https://a.example' });
  await flush();
  assert.equal(calls.length, 1);
  assert.deepEqual(seen, [{ state: 'empty' }]);
});

test('a failed question says the form still checks, rather than showing nothing', async () => {
  const clock = fakeClock();
  /** @type {any} */
  const fetch = async () => { throw new TypeError('network'); };
  /** @type {any[]} */
  const seen = [];
  const input = previewer({ fetch, clock, delay: 10, onResult: (p) => seen.push(p) });
  input('https://a.example');
  clock.advanceSync(10);
  await flush();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].state, 'error');
  assert.match(seen[0].message, /form still checks/);
});

test('policyParts marks the new origin, exactly', () => {
  const parts = policyParts('frame-ancestors https://a.example https://a.example:8080', 'https://a.example');
  assert.deepEqual(parts.filter((p) => p.mark).map((p) => p.text), ['https://a.example']);
  assert.equal(parts.map((p) => p.text).join(''), 'frame-ancestors https://a.example https://a.example:8080');
});
