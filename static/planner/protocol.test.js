import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvelope, PROTOCOL_VERSION, HOST_EVENTS, PLANNER_EVENTS, MAX_TOKEN_LENGTH } from './protocol.js';

const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln';

test('protocol constants', () => {
  assert.equal(PROTOCOL_VERSION, 1);
  assert.deepEqual([...HOST_EVENTS], ['Authentication', 'Login', 'TokenRefreshed', 'Logout', 'LoadProject', 'SetUpSettings', 'Hello']);
  assert.deepEqual([...PLANNER_EVENTS], [
    'Ready', 'AuthenticationRequired', 'AuthenticationSucceeded', 'AuthenticationFailed', 'LoginSucceeded',
    'LoginFailed', 'TokenExpired', 'LoginRequired', 'ProjectSavingSucceeded', 'ProjectSavingFailed',
    'ProjectLoadingSucceeded', 'ProjectLoadingFailed', 'AddToBasket',
  ]);
  for (const e of HOST_EVENTS) assert.ok(!PLANNER_EVENTS.has(e), `${e} is one direction only`);
});

test('parseEnvelope accepts valid host messages and copies only validated fields', () => {
  /** @type {[unknown, unknown][]} */
  const cases = [
    [{ event: 'Authentication', content: { token: JWT } }, { event: 'Authentication', content: { token: JWT } }],
    [{ event: 'Login', content: { token: JWT, extra: 'x' } }, { event: 'Login', content: { token: JWT } }],
    [{ event: 'TokenRefreshed', content: { token: JWT } }, { event: 'TokenRefreshed', content: { token: JWT } }],
    [{ event: 'Logout' }, { event: 'Logout', content: {} }],
    [{ event: 'Logout', content: {} }, { event: 'Logout', content: {} }],
    [{ event: 'Hello' }, { event: 'Hello', content: {} }],
    [{ event: 'Hello', content: { anything: 'dropped' } }, { event: 'Hello', content: {} }],
    [{ event: 'LoadProject', content: { projectId: 'p_123' } }, { event: 'LoadProject', content: { projectId: 'p_123' } }],
    [{ event: 'SetUpSettings', content: { locale: 'fr-FR', currency: 'EUR' } },
      { event: 'SetUpSettings', content: { locale: 'fr-FR', currency: 'EUR' } }],
    [{ event: 'SetUpSettings', content: { locale: 'de' } }, { event: 'SetUpSettings', content: { locale: 'de' } }],
    [{ event: 'SetUpSettings', content: { units: 'imperial' } }, { event: 'SetUpSettings', content: { units: 'imperial' } }],
    [{ event: 'SetUpSettings', content: { locale: 'fr', units: 'metric', extra: 1 } },
      { event: 'SetUpSettings', content: { locale: 'fr', units: 'metric' } }],
    [{ event: 'Authentication', content: { token: 'a'.repeat(MAX_TOKEN_LENGTH) } },
      { event: 'Authentication', content: { token: 'a'.repeat(MAX_TOKEN_LENGTH) } }],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseEnvelope(input), want, JSON.stringify(input).slice(0, 80));
});

test('parseEnvelope rejects anything else without throwing', () => {
  const inherited = Object.create({ token: JWT });
  /** @type {[string, unknown][]} */
  const cases = [
    ['undefined', undefined],
    ['null', null],
    ['string', JSON.stringify({ event: 'Login', content: { token: JWT } })],
    ['array', ['Login', { token: JWT }]],
    ['no event', { content: { token: JWT } }],
    ['unknown event', { event: 'DropTables', content: {} }],
    ['planner event from host', { event: 'TokenExpired', content: { kind: 'user' } }],
    ['event not a string', { event: 1, content: {} }],
    ['lowercase event', { event: 'login', content: { token: JWT } }],
    ['no content', { event: 'Login' }],
    ['content array', { event: 'Login', content: [JWT] }],
    ['content string', { event: 'Login', content: JWT }],
    ['no token', { event: 'Login', content: {} }],
    ['empty token', { event: 'Authentication', content: { token: '' } }],
    ['token not a string', { event: 'Authentication', content: { token: 42 } }],
    ['token too long', { event: 'Authentication', content: { token: 'a'.repeat(MAX_TOKEN_LENGTH + 1) } }],
    ['token with space', { event: 'Authentication', content: { token: 'Bearer abc' } }],
    ['token with newline', { event: 'Authentication', content: { token: 'abc\r\nX-Evil: 1' } }],
    ['token non-ASCII', { event: 'Authentication', content: { token: 'jwt\u00e9' } }],
    ['inherited token', { event: 'Login', content: inherited }],
    ['Logout content string', { event: 'Logout', content: 'now' }],
    ['Hello content string', { event: 'Hello', content: 'again' }],
    ['lowercase hello', { event: 'hello' }],
    ['projectId missing', { event: 'LoadProject', content: {} }],
    ['projectId empty', { event: 'LoadProject', content: { projectId: '' } }],
    ['projectId too long', { event: 'LoadProject', content: { projectId: 'p'.repeat(65) } }],
    ['projectId number', { event: 'LoadProject', content: { projectId: 12 } }],
    ['projectId control char', { event: 'LoadProject', content: { projectId: 'p\n1' } }],
    ['settings empty', { event: 'SetUpSettings', content: {} }],
    ['locale too long', { event: 'SetUpSettings', content: { locale: 'en-' + 'a'.repeat(40) } }],
    ['locale markup', { event: 'SetUpSettings', content: { locale: '<img src=x>' } }],
    ['currency lowercase', { event: 'SetUpSettings', content: { currency: 'eur' } }],
    ['currency long', { event: 'SetUpSettings', content: { currency: 'EURO' } }],
    ['units unknown', { event: 'SetUpSettings', content: { units: 'furlongs' } }],
    ['units capitalised', { event: 'SetUpSettings', content: { units: 'Imperial' } }],
    ['units not a string', { event: 'SetUpSettings', content: { units: 1 } }],
    ['units with a good locale', { event: 'SetUpSettings', content: { locale: 'fr', units: 'cm' } }],
    ['inherited units', { event: 'SetUpSettings', content: Object.create({ units: 'imperial' }) }],
  ];
  for (const [name, input] of cases) assert.equal(parseEnvelope(input), null, name);
});

test('SetUpSettings carries a checked theme; a bad theme drops the message', async () => {
  const { parseEnvelope } = await import('./protocol.js');
  assert.deepEqual(parseEnvelope({ event: 'SetUpSettings', content: { theme: { accent: '#2D6A4F', radius: 0 } } }),
    { event: 'SetUpSettings', content: { theme: { accent: '#2d6a4f', radius: 0 } } });
  assert.equal(parseEnvelope({ event: 'SetUpSettings', content: { locale: 'fr', theme: { accent: 'url(javascript:1)' } } }), null);
});
