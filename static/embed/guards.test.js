// guards.test.js: the inbound guards (guards.js) as createPlanner applies
// them: source, then shape, then origin; dropped messages are counted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardMessage, MAX_EVENT_NAME_LENGTH } from './guards.js';
import {
  PLANNER, HOST, LE_TOKEN, USER_TOKEN, READY, settle, FakeWindow, FakeContentWindow, fakeClock, setup,
} from './fakes.test.js';

// ---- through createPlanner ----

test('messages from another source, of the wrong shape or from another origin are dropped and counted', async () => {
  const env = setup();
  const stranger = new FakeContentWindow();
  await env.fromPlanner(READY, { source: stranger }); // right origin, wrong window
  await env.fromPlanner(READY, { source: null });
  await env.fromPlanner(READY, { origin: HOST }); // right window, wrong origin
  await env.fromPlanner(READY, { origin: 'http://localhost:8091' });
  await env.fromPlanner(READY, { origin: 'null' });
  await env.fromPlanner({ event: 'Ready', content: 'x' });
  await env.fromPlanner({ event: 42, content: {} });
  await env.fromPlanner({ content: {} });
  await env.fromPlanner('{"event":"Ready"}');
  await env.fromPlanner(null);
  await env.fromPlanner({ event: 'Ready', content: null });

  assert.deepEqual(env.planner.stats.droppedBy, { source: 2, shape: 6, origin: 3 });
  assert.equal(env.planner.stats.dropped, 11);
  assert.equal(env.planner.stats.accepted, 0);
  assert.deepEqual(env.events, [], 'dropped messages are never reported');
  assert.equal(env.planner.capabilities, null);
  // The token asked for at mount waits for an accepted Ready.
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.equal(env.posts.length, 0, 'no Ready was accepted');

  await env.fromPlanner(READY);
  assert.equal(env.planner.stats.accepted, 1);
  assert.deepEqual(env.inbound, ['Ready']);
  assert.deepEqual(env.planner.capabilities, ['Authentication', 'Login']);
  assert.deepEqual(env.sent, ['Authentication']);
});

test('the source is checked before the shape and the origin', async () => {
  const env = setup();
  // Garbage from a foreign window with a foreign origin counts as a source drop.
  await env.fromPlanner('garbage', { source: new FakeContentWindow(), origin: HOST });
  assert.deepEqual(env.planner.stats.droppedBy, { source: 1, shape: 0, origin: 0 });
  // From the right window, shape comes before origin.
  await env.fromPlanner('garbage', { origin: HOST });
  assert.deepEqual(env.planner.stats.droppedBy, { source: 1, shape: 1, origin: 0 });
});

test('a detached iframe (contentWindow null) never matches a null source', async () => {
  const env = setup();
  env.iframe.contentWindow = null;
  await env.fromPlanner(READY, { source: null });
  assert.equal(env.planner.stats.droppedBy.source, 1);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.equal(env.frameWindow.posts.length, 0);
  assert.equal(env.planner.tokenKind, null);
});

// ---- several planners ----

test('two planners on one page never cross wires', async () => {
  const win = new FakeWindow();
  const clock = fakeClock();
  const a = setup({ win, clock });
  const b = setup({ win, clock, plannerUrl: PLANNER }); // even the same planner origin
  assert.equal(win.listeners, 2);

  assert.equal(a.tokens.calls, 1, 'each asks for its token at mount');
  assert.equal(b.tokens.calls, 1);
  await b.tokens.answer(USER_TOKEN, 'user');
  await a.fromPlanner(READY);
  await a.tokens.answer(LE_TOKEN, 'legal-entity');
  assert.deepEqual(a.sent, ['Authentication']);
  assert.deepEqual(b.sent, [], "A's Ready is not B's");
  assert.equal(b.planner.stats.droppedBy.source, 1);
  assert.deepEqual(b.events, []);

  await b.fromPlanner(READY);
  assert.deepEqual(b.sent, ['Login'], "B's token, fetched at mount, is posted at B's Ready");
  const loadA = a.planner.loadProject('same');
  const loadB = b.planner.loadProject('same');
  let bDone = false;
  loadB.then(() => { bDone = true; }, () => {});
  await a.fromPlanner({ event: 'ProjectLoadingSucceeded', content: { projectId: 'same' } });
  await loadA;
  assert.equal(bDone, false, "A's answer does not settle B's request");

  await b.fromPlanner({ event: 'TokenExpired', content: { kind: 'user' } });
  assert.equal(a.tokens.calls, 1);
  assert.equal(b.tokens.calls, 2);

  assert.deepEqual(a.sent, ['Authentication', 'LoadProject']);
  assert.deepEqual(b.sent, ['Login', 'LoadProject']);
  a.planner.destroy();
  assert.equal(win.listeners, 1, "destroying A leaves B's listener");
  await b.fromPlanner({ event: 'ProjectLoadingSucceeded', content: { projectId: 'same' } });
  await loadB;
});


// ---- guardMessage itself ----

test('guardMessage names the first guard a message fails', () => {
  const frame = new FakeContentWindow();
  const ok = { event: 'Ready', content: { protocol: 1 } };
  /** @type {[string, any, unknown, string | undefined][]} */
  const cases = [
    ['accepted', { data: ok, origin: PLANNER, source: frame }, frame, undefined],
    ['no event object', undefined, frame, 'source'],
    ['detached iframe, null source', { data: ok, origin: PLANNER, source: null }, null, 'source'],
    ['foreign window, bad shape, foreign origin', { data: 'x', origin: HOST, source: {} }, frame, 'source'],
    ['bad shape, foreign origin', { data: 'x', origin: HOST, source: frame }, frame, 'shape'],
    ['event name too long', { data: { event: 'E'.repeat(MAX_EVENT_NAME_LENGTH + 1) }, origin: PLANNER, source: frame }, frame, 'shape'],
    ['empty event name', { data: { event: '' }, origin: PLANNER, source: frame }, frame, 'shape'],
    ['inherited event', { data: Object.create({ event: 'Ready' }), origin: PLANNER, source: frame }, frame, 'shape'],
    ['content an array', { data: { event: 'Ready', content: [] }, origin: PLANNER, source: frame }, frame, 'shape'],
    ['foreign origin', { data: ok, origin: HOST, source: frame }, frame, 'origin'],
  ];
  for (const [name, ev, frameWindow, reason] of cases) {
    const v = guardMessage(ev, frameWindow, PLANNER);
    if (reason === undefined) assert.deepEqual(v, { ok: true, event: 'Ready', content: { protocol: 1 } }, name);
    else assert.deepEqual(v, { ok: false, reason }, name);
  }
  const longest = /** @type {any} */ ({ data: { event: 'E'.repeat(MAX_EVENT_NAME_LENGTH) }, origin: PLANNER, source: frame });
  const long = guardMessage(longest, frame, PLANNER);
  assert.equal(long.ok, true, 'an event name of exactly the limit is accepted');
});
