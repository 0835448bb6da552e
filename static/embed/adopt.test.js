// adopt.test.js: createPlanner({iframe}) adopts an iframe the host page wrote
// in its HTML, so the planner's page loads with the host page. Its Ready may
// then come before the SDK listens: the SDK posts Hello and the planner
// answers Ready again, marked {repeat: true}.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlanner } from './planner-embed.js';
import {
  PLANNER, LE_TOKEN, READY, FakeContainer, FakeContentWindow, FakeIframe, FakeMessageEvent, FakeWindow,
  fakeClock, settle, tokenSource,
} from './fakes.test.js';

const SRC = `${PLANNER}/planner?d=d_demo&locale=en`;
const REPEAT = { event: 'Ready', content: { ...READY.content, repeat: true } };

/** A planner window whose document is another origin: reading its location throws, as in a browser. */
class CrossOriginWindow extends FakeContentWindow {
  get location() { throw new Error('SecurityError: blocked a frame with origin from accessing a cross-origin frame'); }
}

/** The iframe's initial document, same origin as the host page, before the planner's page commits. */
class BlankWindow extends FakeContentWindow {
  location = { href: 'about:blank' };
}

/**
 * adopt builds a host page whose HTML holds the planner iframe, then a planner on it.
 * @param {{src?: string, loaded?: boolean}} [o] loaded: the planner's page is in the iframe already (default true)
 */
function adopt({ src = SRC, loaded = true } = {}) {
  const win = new FakeWindow();
  const clock = fakeClock();
  const tokens = tokenSource();
  const container = new FakeContainer();
  const iframe = new FakeIframe();
  iframe.src = src;
  container.children.push(iframe);
  iframe.parentNode = container;
  const frameWindow = loaded ? new CrossOriginWindow() : new BlankWindow();
  iframe.contentWindow = frameWindow;
  /** @type {any[]} */
  const events = [];
  const planner = createPlanner({
    iframe: /** @type {any} */ (iframe),
    plannerUrl: PLANNER,
    distribution: 'd_demo',
    locale: 'en',
    getToken: tokens.getToken,
    onEvent: (e) => events.push(structuredClone(e)),
    window: /** @type {any} */ (win),
    timers: clock.timers,
  });
  return {
    win, clock, tokens, events, planner, iframe, container, frameWindow,
    get sent() { return frameWindow.posts.map((p) => p.msg.event); },
    /** @param {unknown} data */
    async fromPlanner(data) {
      win.dispatchEvent(new FakeMessageEvent({ data, origin: PLANNER, source: frameWindow }));
      await settle();
    },
  };
}

test('an adopted iframe is used as it is, and Hello is posted to the planner origin at once', () => {
  const env = adopt();
  assert.equal(env.planner.iframe, /** @type {any} */ (env.iframe));
  assert.deepEqual(env.container.children, [env.iframe], 'no second iframe');
  assert.equal(env.iframe.src, SRC);
  assert.equal(env.win.listeners, 1);
  assert.deepEqual(env.frameWindow.posts, [{ msg: { event: 'Hello', content: {} }, targetOrigin: PLANNER }]);
  assert.deepEqual(env.events, [{ direction: 'out', event: 'Hello', content: {} }]);
  assert.equal(env.tokens.calls, 1, 'getToken is called at mount as with a created iframe');
});

test('an iframe still on about:blank gets no Hello: its Ready is yet to come', async () => {
  const env = adopt({ loaded: false });
  assert.deepEqual(env.sent, []);
  await env.fromPlanner(READY);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(env.sent, ['Authentication']);
});

test('a Ready lost before the SDK listened: the answer to Hello completes the handshake', async () => {
  const env = adopt();
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(env.sent, ['Hello'], 'the token waits for Ready');
  await env.fromPlanner(REPEAT);
  assert.deepEqual(await env.planner.ready, { protocol: READY.content.protocol, capabilities: READY.content.capabilities });
  assert.deepEqual(env.sent, ['Hello', 'Authentication']);
  assert.equal(env.frameWindow.posts[1].msg.content.token, LE_TOKEN);
  assert.equal(env.planner.tokenKind, 'legal-entity');
});

test('Ready and the answer to Hello both arriving authenticate once and report one Ready; a Ready without repeat still means a reload', async () => {
  const env = adopt();
  await env.fromPlanner(READY);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  await env.fromPlanner(REPEAT);
  assert.deepEqual(env.sent, ['Hello', 'Authentication']);
  assert.equal(env.tokens.calls, 1);
  assert.deepEqual(env.events.filter((e) => e.direction === 'in').map((e) => e.event), ['Ready'], 'onEvent sees one Ready');
  assert.deepEqual(env.events.filter((e) => e.event === 'error'), []);

  await env.fromPlanner(READY); // the planner page reloaded inside the iframe
  assert.equal(env.tokens.calls, 2);
});

test('an adopted iframe must show this planner: origin, path, distribution and locale', () => {
  for (const [name, src] of [
    ['other origin', `http://127.0.0.1:8090/planner?d=d_demo&locale=en`],
    ['other path', `${PLANNER}/console?d=d_demo&locale=en`],
    ['other distribution', `${PLANNER}/planner?d=d_other&locale=en`],
    ['no locale', `${PLANNER}/planner?d=d_demo`],
    ['not a URL', ''],
  ]) {
    assert.throws(() => adopt({ src }), TypeError, name);
  }
  // The same page however the HTML encoded it.
  assert.doesNotThrow(() => adopt({ src: `${PLANNER}/planner?locale=en&d=%64_demo` }));
  assert.throws(() => createPlanner(/** @type {any} */ ({
    iframe: {}, plannerUrl: PLANNER, distribution: 'd_demo', getToken: () => ({ token: 't', kind: 'user' }), window: new FakeWindow(),
  })), TypeError, 'not an iframe');
});

test('an adopted iframe that is not in the page reports post_failed for its Hello', () => {
  const env = adopt();
  env.planner.destroy();
  const iframe = new FakeIframe();
  iframe.src = SRC;
  /** @type {any[]} */
  const events = [];
  createPlanner({
    iframe: /** @type {any} */ (iframe), plannerUrl: PLANNER, distribution: 'd_demo', locale: 'en',
    getToken: tokenSource().getToken, onEvent: (e) => events.push(e), window: /** @type {any} */ (new FakeWindow()),
    timers: fakeClock().timers,
  });
  assert.deepEqual(events.map((e) => e.content?.code), ['post_failed']);
});

test('destroy() removes an adopted iframe too', () => {
  const env = adopt();
  env.planner.destroy();
  assert.deepEqual(env.container.children, []);
  assert.equal(env.win.listeners, 0);
});
