import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBridge } from './bridge.js';
import { PROTOCOL_VERSION } from './protocol.js';

const SHOP = 'https://shop.example';
const SHOP_WWW = 'https://www.shop.example';
const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln';

/**
 * @typedef {import('./bridge.js').MessageEventLike} MessageEventLike
 */

function fakeWindow() {
  /** @type {Set<(ev: MessageEventLike) => void>} */
  const listeners = new Set();
  return {
    /** @param {'message'} type @param {(ev: MessageEventLike) => void} fn */
    addEventListener(type, fn) { assert.equal(type, 'message'); listeners.add(fn); },
    /** @param {'message'} type @param {(ev: MessageEventLike) => void} fn */
    removeEventListener(type, fn) { listeners.delete(fn); },
    /** @param {MessageEventLike} ev */
    dispatch(ev) { for (const fn of listeners) fn(ev); },
    get listenerCount() { return listeners.size; },
  };
}

function fakeParent() {
  /** @type {{message: any, targetOrigin: string}[]} */
  const posts = [];
  return {
    posts,
    /** @param {unknown} message @param {string} targetOrigin */
    postMessage(message, targetOrigin) {
      // Like the browser: "*" is legal but must never be used; garbage throws.
      if (targetOrigin !== '*' && !/^https?:\/\//.test(targetOrigin)) throw new SyntaxError('invalid target origin');
      posts.push({ message: structuredClone(message), targetOrigin });
    },
  };
}

/** @param {{allowedOrigins?: string[], onMessage?: (m: any, meta: {origin: string}) => void}} [o] */
function setup({ allowedOrigins = [SHOP, SHOP_WWW], onMessage } = {}) {
  const win = fakeWindow();
  const parent = fakeParent();
  /** @type {{msg: any, origin: string}[]} */
  const got = [];
  const bridge = createBridge({
    win,
    parent,
    allowedOrigins,
    onMessage: onMessage ?? ((msg, { origin }) => { got.push({ msg, origin }); }),
  });
  return { win, parent, bridge, got };
}

const CAPS = ['Authentication', 'Login', 'TokenRefreshed', 'Logout', 'LoadProject', 'SetUpSettings', 'Hello'];

test('Ready is posted to each allowed origin, never "*"', () => {
  const { parent } = setup();
  assert.deepEqual(parent.posts, [
    { message: { event: 'Ready', content: { protocol: PROTOCOL_VERSION, capabilities: CAPS } }, targetOrigin: SHOP },
    { message: { event: 'Ready', content: { protocol: PROTOCOL_VERSION, capabilities: CAPS } }, targetOrigin: SHOP_WWW },
  ]);
});

test('Hello is answered with Ready again, marked repeat, to the asking origin only; the app never sees it', () => {
  const { win, parent, bridge, got } = setup();
  parent.posts.length = 0;
  win.dispatch({ source: parent, origin: SHOP_WWW, data: { event: 'Hello', content: {} } });
  assert.deepEqual(parent.posts, [
    { message: { event: 'Ready', content: { protocol: PROTOCOL_VERSION, capabilities: CAPS, repeat: true } }, targetOrigin: SHOP_WWW },
  ]);
  assert.deepEqual(got, []);
  assert.equal(bridge.hostOrigin, SHOP_WWW);
  assert.equal(bridge.stats.accepted, 1);

  // Asked again (a second SDK instance after a host-side re-render): answered again, same origin.
  win.dispatch({ source: parent, origin: SHOP_WWW, data: { event: 'Hello' } });
  assert.equal(parent.posts.length, 2);
  assert.equal(parent.posts[1].targetOrigin, SHOP_WWW);
});

test('Hello from another window, an unregistered origin or a second origin gets no answer', () => {
  const { win, parent, bridge } = setup();
  parent.posts.length = 0;
  const hello = { event: 'Hello', content: {} };
  win.dispatch({ source: fakeParent(), origin: SHOP, data: hello });
  win.dispatch({ source: parent, origin: 'https://evil.example', data: hello });
  win.dispatch({ source: parent, origin: SHOP, data: { event: 'Hello', content: 'x' } });
  assert.deepEqual(bridge.stats.dropped, { source: 1, shape: 1, origin: 1 });
  assert.equal(parent.posts.length, 0);
  assert.equal(bridge.hostOrigin, null);

  win.dispatch({ source: parent, origin: SHOP, data: hello });
  win.dispatch({ source: parent, origin: SHOP_WWW, data: hello }); // allowed, but not the host origin established
  assert.deepEqual(parent.posts.map((p) => p.targetOrigin), [SHOP]);
  assert.equal(bridge.stats.dropped.origin, 2);
});

test('after destroy, Hello is not answered', () => {
  const { win, parent, bridge } = setup();
  bridge.destroy();
  parent.posts.length = 0;
  win.dispatch({ source: parent, origin: SHOP, data: { event: 'Hello', content: {} } });
  assert.deepEqual(parent.posts, []);
});

test('"*" or a non-origin in allowedOrigins refuses to start', () => {
  for (const bad of ['*', 'https://shop.example/', 'shop.example', 'https://*.shop.example', '', 'null']) {
    assert.throws(() => setup({ allowedOrigins: [SHOP, bad] }), TypeError, bad);
  }
});

test('a valid message from the parent and an allowed origin is accepted; posts then go to that origin only', () => {
  const { win, parent, bridge, got } = setup();
  win.dispatch({ source: parent, origin: SHOP_WWW, data: { event: 'Login', content: { token: JWT, junk: 1 } } });
  assert.deepEqual(got, [{ msg: { event: 'Login', content: { token: JWT } }, origin: SHOP_WWW }]);
  assert.equal(bridge.hostOrigin, SHOP_WWW);
  assert.equal(bridge.stats.accepted, 1);

  parent.posts.length = 0;
  assert.equal(bridge.post('LoginSucceeded'), true);
  bridge.post('TokenExpired', { kind: 'user' });
  assert.deepEqual(parent.posts, [
    { message: { event: 'LoginSucceeded', content: {} }, targetOrigin: SHOP_WWW },
    { message: { event: 'TokenExpired', content: { kind: 'user' } }, targetOrigin: SHOP_WWW },
  ]);
});

test('before the host origin is known, posts go to each allowed origin', () => {
  const { parent, bridge } = setup();
  parent.posts.length = 0;
  bridge.post('AuthenticationRequired');
  assert.deepEqual(parent.posts.map((p) => p.targetOrigin), [SHOP, SHOP_WWW]);
  assert.ok(parent.posts.every((p) => p.targetOrigin !== '*'));
});

test('messages are dropped by source, then shape, then origin, and counted', () => {
  const { win, parent, bridge, got } = setup();
  const valid = { event: 'Authentication', content: { token: JWT } };
  const otherWindow = fakeParent();
  /** @type {[string, MessageEventLike][]} */
  const cases = [
    ['source', { source: otherWindow, origin: SHOP, data: valid }],
    ['source', { source: null, origin: SHOP, data: valid }],
    ['source', { source: otherWindow, origin: 'https://evil.example', data: 'garbage' }], // source is checked first
    ['shape', { source: parent, origin: SHOP, data: 'Authentication' }],
    ['shape', { source: parent, origin: SHOP, data: { event: 'Authentication', content: {} } }],
    ['shape', { source: parent, origin: 'https://evil.example', data: { event: 'Nope' } }], // shape before origin
    ['origin', { source: parent, origin: 'https://evil.example', data: valid }],
    ['origin', { source: parent, origin: 'https://shop.example:443', data: valid }],
    ['origin', { source: parent, origin: 'https://SHOP.example', data: valid }],
    ['origin', { source: parent, origin: 'http://shop.example', data: valid }],
    ['origin', { source: parent, origin: 'null', data: valid }],
    ['origin', { source: parent, origin: 'https://shop.example.evil.example', data: valid }],
  ];
  /** @type {Record<string, number>} */
  const want = { source: 0, shape: 0, origin: 0 };
  for (const [reason, ev] of cases) {
    assert.doesNotThrow(() => win.dispatch(ev));
    want[reason]++;
    assert.deepEqual(bridge.stats.dropped, want, `${reason}: ${JSON.stringify(ev.data)} from ${ev.origin}`);
  }
  assert.equal(got.length, 0);
  assert.equal(bridge.hostOrigin, null);
  assert.equal(bridge.stats.received, cases.length);
});

test('a hostile event object does not throw out of the listener', () => {
  const { win, bridge } = setup();
  const hostile = /** @type {MessageEventLike} */ (/** @type {unknown} */ ({
    get source() { throw new Error('boom'); },
  }));
  assert.doesNotThrow(() => win.dispatch(hostile));
  assert.doesNotThrow(() => win.dispatch(/** @type {any} */ (null)));
  assert.equal(bridge.stats.accepted, 0);
});

test('once the host origin is known, another allowed origin is dropped', () => {
  const { win, parent, bridge, got } = setup();
  win.dispatch({ source: parent, origin: SHOP, data: { event: 'Logout' } });
  win.dispatch({ source: parent, origin: SHOP_WWW, data: { event: 'Logout' } });
  assert.equal(got.length, 1);
  assert.equal(bridge.stats.dropped.origin, 1);
  assert.equal(bridge.hostOrigin, SHOP);
});

test('a throwing onMessage is contained', () => {
  const { win, parent, bridge } = setup({ onMessage: () => { throw new Error('app bug'); } });
  assert.doesNotThrow(() => win.dispatch({ source: parent, origin: SHOP, data: { event: 'Logout' } }));
  assert.equal(bridge.stats.handlerErrors, 1);
});

test('post refuses unknown events; destroy stops listening and posting', () => {
  const { win, parent, bridge, got } = setup();
  assert.throws(() => bridge.post(/** @type {any} */ ('Login')), TypeError); // host → planner only
  bridge.destroy();
  assert.equal(win.listenerCount, 0);
  win.dispatch({ source: parent, origin: SHOP, data: { event: 'Logout' } });
  assert.equal(got.length, 0);
  parent.posts.length = 0;
  assert.equal(bridge.post('AuthenticationRequired'), false);
  assert.equal(parent.posts.length, 0);
});
