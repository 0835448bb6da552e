// projects.js: "My projects", open, save, create and delete, through createApp.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PROJECT_NAME_LENGTH } from './projects.js';
import { MAX_NAME } from './editor/model.js';
import { setup } from '../testing/planner-app.js';

/**
 * @typedef {import('./editor-host.js').EditorContext} EditorContext
 */

test('a projects answer that arrives after Logout is not shown', async () => {
  const { server, send, state, clock } = setup();
  server.addProject('alice', 'Alice kitchen');
  const release = server.hold((p) => p === '/v1/projects');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  assert.equal(state.projects?.loading, true);
  send('Logout', {});
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  release();
  await clock.advance(0);
  assert.ok(!JSON.stringify(state).includes('Alice kitchen'));
  assert.equal(state.projects?.signedIn, false);
  assert.equal(state.alert, null, 'the dropped answer raises no alert');
});

test('LoadProject answers ProjectLoadingSucceeded and hands the project to the editor', async () => {
  const { server, send, events, clock, editor } = setup();
  const p = server.addProject('alice', 'Alice kitchen', 2);
  // Login and LoadProject back to back, as the SDK sends them after Ready.
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  assert.deepEqual(events('ProjectLoadingSucceeded').map((m) => m.content.projectId), [p.id]);
  assert.equal(events('ProjectLoadingFailed').length, 0);
  assert.ok(editor.calls.includes(`load:${p.id}`));
});

test('LoadProject asks the editor to leave first: it opens after, or answers unsaved_changes when the visitor stays', async () => {
  const { server, send, events, clock, app } = setup();
  const a = server.addProject('alice', 'Kitchen');
  const b = server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  /** @type {string[]} */
  const calls = [];
  /** @type {(ok: boolean) => void} */
  let answer = () => {};
  app.mountEditor(() => ({
    load: (/** @type {any} */ x) => calls.push(`load:${x.id}`), clear() {}, destroy() {},
    leave: () => { calls.push('leave'); return new Promise((r) => { answer = r; }); },
  }));
  send('LoadProject', { projectId: a.id });
  await clock.advance(0);
  assert.deepEqual(calls, ['leave'], 'nothing replaces the design before it is saved or given up');
  answer(false);
  await clock.advance(0);
  assert.deepEqual(events('ProjectLoadingFailed').map((m) => m.content), [{ projectId: a.id, error: 'the open project has unsaved changes the visitor kept', code: 'unsaved_changes' }]);
  send('LoadProject', { projectId: b.id });
  await clock.advance(0);
  answer(true);
  await clock.advance(0);
  assert.deepEqual(calls, ['leave', 'leave', `load:${b.id}`]);
  assert.deepEqual(events('ProjectLoadingSucceeded').map((m) => m.content.projectId), [b.id]);
});

test('LoadProject failures answer ProjectLoadingFailed with the project id', async (t) => {
  await t.test('unknown project', async () => {
    const { server, send, events, clock, state, editor } = setup();
    send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
    await clock.advance(0);
    send('LoadProject', { projectId: 'nope' });
    await clock.advance(0);
    const failed = events('ProjectLoadingFailed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].content.projectId, 'nope');
    assert.equal(failed[0].content.error, 'no project nope');
    assert.equal(failed[0].content.code, 'not_found');
    assert.equal(state.alert, 'no project nope');
    assert.ok(!editor.calls.some((c) => c.startsWith('load:')));
  });
  await t.test('another user\'s project', async () => {
    const { server, send, events, clock } = setup();
    const bobs = server.addProject('bob', 'Bob lounge');
    send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
    await clock.advance(0);
    send('LoadProject', { projectId: bobs.id });
    await clock.advance(0);
    assert.deepEqual(events('ProjectLoadingFailed').map((m) => m.content.projectId), [bobs.id]);
  });
  await t.test('guest', async () => {
    const { server, send, events, clock } = setup();
    send('Authentication', { token: server.issue() });
    await clock.advance(0);
    send('LoadProject', { projectId: 'prj1' });
    await clock.advance(0);
    assert.deepEqual(events('ProjectLoadingFailed').map((m) => m.content), [{ projectId: 'prj1', error: 'sign in required', code: 'login_required' }]);
    assert.equal(server.count('/v1/projects'), 0, 'not even asked');
  });
});

test('New project saves through the gate, posts ProjectSavingSucceeded and refreshes the list', async () => {
  const { server, send, events, clock, state, editor } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  const project = await editor.ctx.createProject('  Study  ');
  await clock.advance(0);
  assert.equal(project.name, 'Study');
  assert.deepEqual(project.room, { width: 400, depth: 300 });
  assert.deepEqual(events('ProjectSavingSucceeded').map((m) => m.content.projectId), [project.id]);
  assert.deepEqual(state.projects?.items.map((p) => p.name), ['Study']);
  // The API's limit, the editor's rename's too: 120 characters.
  assert.equal(MAX_PROJECT_NAME_LENGTH, 120);
  assert.equal((await editor.ctx.createProject('n'.repeat(120))).name.length, 120);
  await assert.rejects(editor.ctx.createProject('n'.repeat(121)));
});

test('saving as a guest asks the host for a login', async () => {
  const { server, send, events, clock, editor } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  await assert.rejects(editor.ctx.createProject('Study'));
  assert.equal(events('LoginRequired').length, 1);
  assert.deepEqual(events('ProjectSavingFailed').map((m) => m.content.error), ['sign in required']);
  assert.equal(server.count('/v1/projects'), 0);
});

test('ctx.deleteProject deletes at the given version and refreshes the list; a stale version is refused and shown', async () => {
  const { server, send, clock, state, app, editor } = setup();
  const gone = server.addProject('alice', 'Old kitchen');
  const kept = server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: gone.id });
  await clock.advance(0);
  assert.deepEqual(app.debug.openProject, { id: gone.id, version: 1 });
  const deleteProject = /** @type {NonNullable<EditorContext['deleteProject']>} */ (editor.ctx.deleteProject);
  await deleteProject(gone.id, 1);
  await clock.advance(0);
  const del = server.requests.filter((r) => r.method === 'DELETE');
  assert.deepEqual(del.map((r) => [r.path, r.ifMatch]), [[`/v1/projects/${gone.id}`, '"1"']]);
  assert.deepEqual(state.projects?.items.map((p) => p.name), ['Lounge'], 'the list is refreshed');
  assert.equal(app.debug.openProject, null, 'the deleted project is no longer the open one');

  await assert.rejects(deleteProject(kept.id, 7), { code: 'conflict' });
  await clock.advance(0);
  assert.equal(state.alert, 'the project was changed since');
  assert.deepEqual(state.projects?.items.map((p) => p.name), ['Lounge']);
});

test('a row of "My projects" renames at the version it showed; a stale version is refused, explained and refreshed', async () => {
  const { server, send, clock, state, app, editor, events } = setup();
  const p = server.addProject('alice', 'Kitchen', 2);
  const other = server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  editor.calls.length = 0;
  assert.equal(state.projects?.items[0].version, 1);

  assert.equal(await app.renameListedProject(p.id, 1, '  Big kitchen '), true);
  await clock.advance(0);
  const put = server.requests.filter((r) => r.method === 'PUT');
  assert.deepEqual(put.map((r) => [r.path, r.ifMatch]), [[`/v1/projects/${p.id}`, '"1"']]);
  assert.equal(p.name, 'Big kitchen');
  assert.equal(p.items.length, 2, 'the rest of the project is kept');
  assert.deepEqual(state.projects?.items.map((x) => x.name), ['Big kitchen', 'Lounge']);
  assert.deepEqual(editor.calls, [`load:${p.id}`], 'the open, unedited project is shown renamed');
  assert.deepEqual(app.debug.openProject, { id: p.id, version: 2 });
  assert.deepEqual(events('ProjectSavingSucceeded').at(-1)?.content, { projectId: p.id, version: 2 });

  // Changed elsewhere since the list was drawn: nothing is overwritten.
  other.version = 5;
  assert.equal(await app.renameListedProject(other.id, 1, 'Den'), false);
  await clock.advance(0);
  assert.equal(other.name, 'Lounge');
  assert.match(state.alert ?? '', /^“Lounge” was changed in another tab or on another device, so nothing was done\. The list is up to date now: try again\.$/);
  assert.equal(state.projects?.items.find((x) => x.id === other.id)?.version, 5, 'the list was refreshed');

  assert.equal(await app.renameListedProject(other.id, 5, '   '), false);
  assert.equal(state.alert, 'A project name is 1 to 120 characters.');
  assert.equal(await app.renameListedProject(other.id, 5, 'x'.repeat(121)), false, 'the API\'s limit');
});

test('deleting the open project from the list leaves the editor with a new, untitled room; a stale version deletes nothing', async () => {
  const { server, send, clock, state, app, editor } = setup();
  const open = server.addProject('alice', 'Kitchen');
  const other = server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: open.id });
  await clock.advance(0);
  editor.calls.length = 0;

  other.version = 3;
  assert.equal(await app.deleteListedProject(other.id, 1), false);
  await clock.advance(0);
  assert.deepEqual(state.projects?.items.map((x) => x.name), ['Kitchen', 'Lounge']);
  assert.match(state.alert ?? '', /^“Lounge” was changed in another tab/);
  assert.deepEqual(editor.calls, []);

  assert.equal(await app.deleteListedProject(open.id, 1), true);
  await clock.advance(0);
  const del = server.requests.filter((r) => r.method === 'DELETE');
  assert.deepEqual(del.map((r) => [r.path, r.ifMatch]), [[`/v1/projects/${other.id}`, '"1"'], [`/v1/projects/${open.id}`, '"1"']]);
  assert.deepEqual(state.projects?.items.map((x) => x.name), ['Lounge']);
  assert.deepEqual(editor.calls, ['clear']);
  assert.equal(app.debug.openProject, null);
  assert.equal(state.alert, '“Kitchen” was deleted; the editor shows a new, untitled room.');

  // Deleting a project that is not open leaves the editor alone.
  editor.calls.length = 0;
  assert.equal(await app.deleteListedProject(other.id, 3), true);
  await clock.advance(0);
  assert.deepEqual(editor.calls, []);
  assert.deepEqual(state.projects?.items, []);
});

test('nextRoomName is a name no project has, counting from one more than the projects', async () => {
  const { nextRoomName } = await import('./projects.js');
  const word = (/** @type {number} */ n) => `Room ${n}`;
  assert.equal(nextRoomName([], word), 'Room 1');
  assert.equal(nextRoomName(['Living room'], word), 'Room 2');
  assert.equal(nextRoomName(['Room 2', 'room 3'], word), 'Room 4', 'taken names are skipped, whatever their case');
  assert.equal(nextRoomName(['Room 1', 'Kitchen', 'Room 3'], word), 'Room 4');
});

test('the shell and the editor bound names alike', () => {
  assert.equal(MAX_PROJECT_NAME_LENGTH, MAX_NAME);
});

test('signing in before the editor arrives opens the project changed last, which the editor shows when mounted', async () => {
  const { server, send, clock, app, editor, state } = setup({}, { noEditor: true });
  // The API lists the project changed last first (the fake, in the order added).
  const last = server.addProject('alice', 'Kitchen');
  server.addProject('alice', 'Lounge');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  assert.equal(state.projects?.items.length, 2);
  assert.equal(editor.calls.length, 0, 'no editor yet');
  app.mountEditor(editor.factory);
  assert.ok(editor.calls.includes(`load:${last.id}`), `the editor shows the project changed last: ${editor.calls}`);
});

test('an editor that shows something of its own is not replaced by the project changed last', async () => {
  const { server, send, clock, editor } = setup();
  server.addProject('alice', 'Kitchen');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  assert.ok(!editor.calls.some((c) => c.startsWith('load:')), `${editor.calls}`);
});
