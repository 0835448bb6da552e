// createApp: the composer (Ready, settings, the debug view, mounting editors).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPrice } from './format.js';
import { hasLocale, loadLocale } from './i18n.js';
import { SHOP, fakeEditor, setup } from '../testing/planner-app.js';

test('Ready is posted to the exact allowed origin, never "*"', () => {
  const { parent } = setup();
  assert.deepEqual(parent.posted.map((m) => [m.event, m.targetOrigin]), [['Ready', SHOP]]);
});

test('SetUpSettings re-renders prices and dates for the new locale', async () => {
  const { server, send, clock, state, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  // French has a table to fetch first (i18n-fr.js): the currency applies at once, the language once it is here.
  assert.equal(hasLocale('fr'), false);
  send('SetUpSettings', { locale: 'fr-FR', currency: 'EUR' });
  assert.equal(state.lang, 'en');
  assert.equal(app.debug.settings.currency, 'EUR');
  await loadLocale('fr-FR');
  assert.equal(state.catalog?.products[0].price, formatPrice(129900, 'EUR', 'fr-FR'));
  assert.match(state.catalog?.products[0].price ?? '', /^1\s299,00\s€$/);
  assert.equal(state.lang, 'fr-FR');
  assert.deepEqual(app.debug.settings, { locale: 'fr-FR', currency: 'EUR', units: '' });
});

test('messages from other origins or windows change nothing', async () => {
  const { server, win, events, clock, app, parent } = setup();
  win.dispatch({ event: 'Login', content: { token: server.issue({ kind: 'user', uid: 'eve' }) } }, { origin: 'https://evil.example' });
  win.dispatch({ event: 'Login', content: { token: server.issue({ kind: 'user', uid: 'eve' }) } }, { source: {} });
  await clock.advance(0);
  assert.equal(server.requests.length, 0);
  assert.equal(events('LoginSucceeded').length + events('LoginFailed').length, 0);
  assert.equal(app.debug.bridgeStats.dropped.origin, 1);
  assert.equal(app.debug.bridgeStats.dropped.source, 1);
  assert.ok(parent.posted.every((m) => m.targetOrigin === SHOP));
});

test('the debug view holds no token', async () => {
  const { server, send, clock, app } = setup();
  const token = server.issue({ kind: 'user', uid: 'alice' });
  send('Login', { token });
  await clock.advance(0);
  const dump = JSON.stringify(Object.fromEntries(Object.keys(Object.getOwnPropertyDescriptors(app.debug))
    .map((k) => [k, /** @type {any} */ (app.debug)[k]])));
  assert.ok(dump.includes('alice'));
  assert.ok(!dump.includes(token));
  assert.throws(() => { /** @type {any} */ (app.debug).gateState = 'x'; });
});

test('mountEditor hands the open project to a newly mounted editor and destroys the old one', async () => {
  const { server, send, clock, app, editor, events } = setup();
  const p = server.addProject('alice', 'Alice kitchen');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  send('LoadProject', { projectId: p.id });
  await clock.advance(0);
  assert.equal(events('ProjectLoadingSucceeded').length, 1);
  const second = fakeEditor();
  const unmount = app.mountEditor(second.factory);
  assert.ok(editor.calls.includes('destroy'));
  assert.deepEqual(second.calls, ['identity:user/alice', `load:${p.id}`]);
  unmount();
  assert.ok(second.calls.includes('destroy'));
  assert.throws(() => app.mountEditor(/** @type {any} */ (() => ({ load() {} }))), /no clear/);
});

test('the shell speaks the locale: status, item counts and alerts follow SetUpSettings; English is unchanged', async () => {
  await loadLocale('fr'); // as main.js does before starting a French page
  const { server, send, clock, state, app } = setup({ locale: 'fr' });
  assert.equal(state.status, '');
  assert.equal(state.lang, 'fr');
  send('Login', { token: server.issue({ kind: 'user', uid: 'alice' }) });
  server.addProject('alice', 'Cuisine', 1);
  await clock.advance(0);
  assert.equal(state.status, 'Connecté en tant que alice');
  assert.equal(state.projects?.items[0].items, '1 élément');
  send('SetUpSettings', { locale: 'en' });
  assert.equal(state.status, 'Signed in as alice');
  assert.equal(state.projects?.items[0].items, '1 item');
  send('Logout', {});
  assert.equal(state.status, 'Signed out');
  send('SetUpSettings', { locale: 'fr-FR' });
  assert.equal(state.status, 'Déconnecté');
  await assert.rejects(app.createProject('x'.repeat(121)));
  assert.equal(state.alert, 'Un nom de projet compte de 1 à 120 caractères.');
});

test('SetUpSettings {units} reaches the editor, alone or with a locale; a bad one changes nothing', async () => {
  const { send, app, editor } = setup();
  assert.equal(app.settings.units, '');
  send('SetUpSettings', { units: 'imperial' });
  assert.equal(app.settings.units, 'imperial');
  send('SetUpSettings', { locale: 'fr', units: 'metric' });
  send('SetUpSettings', { units: 'cubits' });
  send('SetUpSettings', { locale: 'en' });
  assert.deepEqual(editor.calls.filter((c) => c.startsWith('settings:')),
    ['settings:en/imperial:units', 'settings:fr/metric:locale,units', 'settings:en/metric:locale']);
  assert.equal(app.debug.settings.units, 'metric');
});

test('what is counted before the metrics reporter arrives is sent once it has, in its first batch', async () => {
  /** @type {(m: unknown) => void} */
  let arrive = () => {};
  const held = new Promise((resolve) => { arrive = resolve; });
  const { server, send, clock, app } = setup({}, { reportEvents: true, loadEvents: () => held });
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  app.productAdded();
  app.productAdded();
  await clock.advance(0);
  assert.equal(server.batches.length, 0, 'nothing is sent before the reporter is in');
  arrive(await import('./events.js'));
  await clock.advance(0);
  assert.equal(server.batches.length, 1);
  assert.deepEqual(server.batches[0].events, [{ type: 'planner.opened' }, { type: 'product.added', count: 2 }]);
});

test('the metrics reporter failing to arrive costs the visitor nothing', async () => {
  const { server, send, clock, state } = setup({}, { reportEvents: true, loadEvents: () => Promise.reject(new Error('offline')) });
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  assert.equal(state.catalog?.status, 'ready');
  assert.equal(server.batches.length, 0);
  assert.equal(state.alert, null);
});
