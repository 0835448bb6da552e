// remote-changes.js: changes made elsewhere, through createApp.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeSockets, setup } from '../testing/planner-app.js';

/**
 * @typedef {import('./editor-host.js').EditorContext} EditorContext
 */

test('the live echo of one\'s own delete is not shown as another tab\'s change', async () => {
  const { FakeSocket, opened } = fakeSockets();
  const { server, send, clock, state, editor } = setup({ liveUrl: 'wss://planner.example/ws' }, { WebSocket: FakeSocket });
  const p = server.addProject('alice', 'Old kitchen');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  const sock = opened[0];
  sock.open();
  editor.calls.length = 0;
  const release = server.hold((path, _search, method) => method === 'DELETE');
  const deleting = /** @type {NonNullable<EditorContext['deleteProject']>} */ (editor.ctx.deleteProject)(p.id, 1);
  await clock.advance(0);
  // The server publishes the delete before our answer arrives.
  sock.receive({ type: 'event', payload: { topic: 'projects', event: 'project.deleted', id: p.id, version: 1 } });
  await clock.advance(0);
  release();
  await deleting;
  await clock.advance(0);
  assert.ok(!state.alerts.some((a) => /another tab/.test(a)), `alerts: ${JSON.stringify(state.alerts)}`);
  assert.ok(!editor.calls.includes('clear'), 'the editor, which deleted it, is not cleared behind its back');
});

test('renaming the open project from the list while it has unsaved changes offers the change, never loads over them', async () => {
  const { server, send, clock, app, editor } = setup();
  const p = server.addProject('alice', 'Kitchen');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  /** @type {any[]} */
  const offers = [];
  app.mountEditor((ctx) => ({
    load: (/** @type {any} */ x) => offers.push(`load:${x.id}`), clear() {}, destroy() {},
    remoteChange: (/** @type {any} */ c) => offers.push(c),
  }));
  offers.length = 0;
  editor.ctx.onChange({ type: 'edited' });
  assert.equal(await app.renameListedProject(p.id, 1, 'Big kitchen'), true);
  await clock.advance(0);
  assert.deepEqual(offers, [{ type: 'updated', projectId: p.id, version: 2 }]);
  assert.deepEqual(app.debug.openProject, { id: p.id, version: 1 }, 'the editor still holds version 1');
});
