import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSaver, AUTOSAVE_MS } from './saver.js';
import { fakeClock } from '../../testing/fake-clock.js';

const tick = () => new Promise((r) => setImmediate(r));

function setup({ signedIn = false } = {}) {
  const clock = fakeClock();
  /** @type {Array<{doc: any, target: any, resolve: (p: any) => void, reject: (e: any) => void}>} */
  const calls = [];
  let logins = 0;
  let user = signedIn;
  let n = 0;
  /** @type {import('./saver.js').SaveStatus[]} */
  const states = [];
  const saver = createSaver({
    clock,
    save: (doc, target) => new Promise((resolve, reject) => calls.push({ doc, target, resolve, reject })),
    signedIn: () => user,
    doc: () => ({ name: 'R', room: { width: 400, depth: 300 }, items: [], n: ++n }),
    loginRequired: () => { logins++; },
    onState: (s) => states.push(s.status),
  });
  return { clock, calls, saver, states, get logins() { return logins; }, signIn() { user = true; } };
}

/** @param {number} version */
const project = (version) => ({ id: 'p1', version, name: 'R', room: { width: 400, depth: 300 }, items: [], createdAt: '', updatedAt: '' });

test('a guest Save asks for sign-in; after Login the design is created once', async () => {
  const s = setup();
  s.saver.changed();
  s.saver.saveNow();
  s.saver.saveNow();
  assert.equal(s.logins, 2);
  assert.equal(s.calls.length, 0);
  assert.equal(s.saver.state.status, 'login');
  s.signIn();
  s.saver.signedInNow();
  s.saver.signedInNow();
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0].target, undefined);
  s.calls[0].resolve(project(1));
  await tick();
  assert.deepEqual(s.saver.state, { status: 'saved', message: '', projectId: 'p1', version: 1 });
});

test('signed-in changes autosave once, AUTOSAVE_MS after the last change', async () => {
  const s = setup({ signedIn: true });
  s.saver.reset(project(1));
  s.saver.changed();
  s.clock.advanceSync(AUTOSAVE_MS - 10);
  s.saver.changed();
  s.clock.advanceSync(AUTOSAVE_MS - 10);
  assert.equal(s.calls.length, 0);
  s.clock.advanceSync(10);
  assert.equal(s.calls.length, 1);
  assert.deepEqual(s.calls[0].target, { id: 'p1', version: 1 });
  assert.equal(s.saver.state.status, 'saving');
  s.calls[0].resolve(project(2));
  await tick();
  assert.equal(s.saver.state.status, 'saved');
  assert.equal(s.saver.state.version, 2);
});

test('a change during a save is saved after it, with the new version', async () => {
  const s = setup({ signedIn: true });
  s.saver.changed();
  s.saver.saveNow();
  s.saver.changed();
  s.saver.saveNow(); // in flight: queued, not a second create
  assert.equal(s.calls.length, 1);
  s.calls[0].resolve(project(1));
  await tick();
  assert.equal(s.calls.length, 2);
  assert.deepEqual(s.calls[1].target, { id: 'p1', version: 1 });
});

test('a conflict stops autosave until overwrite, which saves over the current version', async () => {
  const s = setup({ signedIn: true });
  s.saver.reset(project(1));
  s.saver.changed();
  s.clock.advanceSync(AUTOSAVE_MS);
  s.calls[0].reject(Object.assign(new Error('changed elsewhere'), { code: 'conflict', currentVersion: 4 }));
  await tick();
  assert.equal(s.saver.state.status, 'conflict');
  s.saver.changed();
  s.clock.advanceSync(AUTOSAVE_MS * 2);
  assert.equal(s.calls.length, 1, 'no autosave during a conflict');
  s.saver.overwrite();
  assert.deepEqual(s.calls[1].target, { id: 'p1', version: 4 });
  s.calls[1].resolve(project(5));
  await tick();
  assert.equal(s.saver.state.status, 'saved');
});

test('a failed save says why; reset drops late answers', async () => {
  const s = setup({ signedIn: true });
  s.saver.changed();
  s.saver.saveNow();
  s.calls[0].reject(new Error('network down'));
  await tick();
  assert.deepEqual([s.saver.state.status, s.saver.state.message], ['error', 'network down']);
  s.saver.saveNow();
  s.saver.reset(null);
  s.calls[1].resolve(project(1));
  await tick();
  assert.equal(s.saver.state.projectId, null);
  assert.equal(s.saver.state.status, 'new');
});

test('a guest\'s changed design kept across Login is autosaved, though Save was never pressed', async () => {
  const s = setup();
  s.saver.changed();
  s.clock.advanceSync(AUTOSAVE_MS * 2);
  assert.equal(s.calls.length, 0, 'a guest is not autosaved');
  s.signIn();
  s.saver.signedInNow();
  s.clock.advanceSync(AUTOSAVE_MS);
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0].target, undefined, 'created');
  s.calls[0].resolve(project(1));
  await tick();
  assert.equal(s.saver.state.status, 'saved');
});

test('settle saves a new design at once and resolves true when it is stored', async () => {
  const s = setup({ signedIn: true });
  s.saver.changed(); // within the autosave delay
  const done = s.saver.settle();
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0].target, undefined);
  s.calls[0].resolve(project(1));
  assert.equal(await done, true);
  assert.equal(s.clock.pendingTimers, 0, 'no autosave left over');
});

test('settle waits for a save in flight, then saves what changed since with its version', async () => {
  const s = setup({ signedIn: true });
  s.saver.reset(project(1));
  s.saver.changed();
  s.clock.advanceSync(AUTOSAVE_MS);
  s.saver.changed(); // made during the save
  const done = s.saver.settle();
  assert.equal(s.calls.length, 1, 'one save at a time');
  s.calls[0].resolve(project(2));
  await tick();
  assert.equal(s.calls.length, 2);
  assert.deepEqual(s.calls[1].target, { id: 'p1', version: 2 }, 'the new version, so no 409');
  s.calls[1].resolve(project(3));
  assert.equal(await done, true);
});

test('settle resolves false when the save fails, in a conflict, and for a guest', async () => {
  const s = setup({ signedIn: true });
  s.saver.reset(project(1));
  s.saver.changed();
  const done = s.saver.settle();
  s.calls[0].reject(new Error('network down'));
  assert.equal(await done, false);
  assert.equal(s.saver.state.status, 'error');

  const c = setup({ signedIn: true });
  c.saver.reset(project(1));
  c.saver.changed();
  c.saver.remote(4);
  assert.equal(await c.saver.settle(), false);
  assert.equal(c.calls.length, 0, 'a conflict is not written over');

  const g = setup();
  g.saver.changed();
  assert.equal(await g.saver.settle(), false);
  assert.equal(await setup().saver.settle(), true, 'nothing to save');
});
