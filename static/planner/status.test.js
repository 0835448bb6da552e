// status.js: the status line and the alert, through createApp.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN, setup } from '../testing/planner-app.js';

test('a catalog failure\'s alert goes once the catalog loads again; a write\'s failure stays', async () => {
  const { server, send, clock, state, app, editor } = setup();
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice', ttlMs: MIN }) });
  await clock.advance(0);
  await clock.advance(MIN);
  void app.refreshCatalog();
  await clock.advance(31_000); // no token within the hold deadline
  assert.equal(state.catalog?.status, 'error');
  assert.match(String(state.alert), /did not renew your session in time/);

  // The session is renewed: the app reloads the failed catalog, and the
  // alert about it no longer says anything true.
  send('TokenRefreshed', { token: server.issue({ kind: 'user', uid: 'alice', ttlMs: MIN }) });
  await clock.advance(0);
  assert.equal(state.catalog?.status, 'ready');
  assert.equal(state.alert, null);

  // A write that timed out is not redone by the app: its alert stays.
  await clock.advance(MIN);
  const saving = editor.ctx.createProject('Held too long');
  saving.catch(() => {});
  await clock.advance(31_000);
  await assert.rejects(saving, { code: 'hold_timeout' });
  send('TokenRefreshed', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  await clock.advance(0);
  await app.refreshCatalog();
  assert.equal(state.catalog?.status, 'ready');
  assert.match(String(state.alert), /did not renew your session in time/);
});
