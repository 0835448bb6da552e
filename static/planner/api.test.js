import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi, verifyToken, tokenInfoFromMe, ApiError } from './api.js';
import { createTokenGate, GateError } from './token-gate.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');

/**
 * @typedef {{url: string, method: string, headers: Record<string, string>, body?: string}} SeenRequest
 */

/**
 * @param {number} status
 * @param {unknown} [body]
 * @param {Record<string, string>} [headers]
 */
function reply(status, body, headers = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** @param {(req: SeenRequest) => Response} handler */
function setup(handler) {
  /** @type {SeenRequest[]} */
  const requests = [];
  let now = T0;
  const gate = createTokenGate({
    fetch: async (url, init) => {
      const req = { url, ...init };
      requests.push(req);
      return handler(req);
    },
    apiBase: 'https://planner.example',
    clock: { now: () => now, setTimeout: () => 0, clearTimeout: () => {} },
    postTokenExpired: () => {},
    randomUUID: () => 'key-1',
  });
  gate.setToken({ token: 'tok', kind: 'user', uid: 'alice', expiresAt: T0 + 900_000, serverTime: T0 });
  return { api: createApi(gate), requests };
}

const doc = { name: 'Living room', room: { width: 400, depth: 300 }, items: [{ id: 'i1', productId: 'sofa-oslo-3', x: 120, y: 80, rotation: /** @type {0} */ (0) }] };

test('catalog calls build the contract paths and return the bodies', async () => {
  const { api, requests } = setup((req) => {
    if (req.url.includes('/categories')) return reply(200, { categories: [{ id: 'sofas', name: 'Sofas', count: 12 }] });
    if (req.url.includes('/products?') || req.url.endsWith('/products')) return reply(200, { products: [], nextCursor: '' });
    return reply(200, { id: 'a/b', name: 'x' });
  });
  assert.deepEqual(await api.categories(), [{ id: 'sofas', name: 'Sofas', count: 12 }]);
  assert.deepEqual(await api.products({ category: 'sofas', q: 'grey & blue', limit: 20, cursor: 'c1' }), { products: [], nextCursor: '' });
  await api.products();
  await api.product('a/b');
  assert.deepEqual(requests.map((r) => r.url), [
    'https://planner.example/v1/catalog/categories',
    'https://planner.example/v1/catalog/products?category=sofas&q=grey+%26+blue&limit=20&cursor=c1',
    'https://planner.example/v1/catalog/products',
    'https://planner.example/v1/catalog/products/a%2Fb',
  ]);
  assert.ok(requests.every((r) => r.method === 'GET' && r.headers.Authorization === 'Bearer tok'));
});

test('project calls: methods, bodies, If-Match and Idempotency-Key', async () => {
  const project = { ...doc, id: 'p1', version: 2, createdAt: '2026-03-01T12:00:00Z', updatedAt: '2026-03-01T12:00:00Z' };
  const { api, requests } = setup((req) => {
    if (req.method === 'DELETE') return reply(204);
    if (req.url.endsWith('/v1/projects') && req.method === 'GET') return reply(200, { projects: [] });
    return reply(req.method === 'POST' ? 201 : 200, project, { ETag: '"2"' });
  });
  assert.deepEqual(await api.projects(), []);
  assert.deepEqual(await api.project('p1'), project);
  assert.deepEqual(await api.createProject(doc), project);
  assert.deepEqual(await api.updateProject('p1', 2, doc), project);
  assert.equal(await api.deleteProject('p1', 3), undefined);
  assert.deepEqual(requests.map((r) => [r.method, r.url.replace('https://planner.example', ''), r.headers['If-Match'], r.headers['Idempotency-Key']]), [
    ['GET', '/v1/projects', undefined, undefined],
    ['GET', '/v1/projects/p1', undefined, undefined],
    ['POST', '/v1/projects', undefined, 'key-1'],
    ['PUT', '/v1/projects/p1', '"2"', 'key-1'],
    ['DELETE', '/v1/projects/p1', '"3"', 'key-1'],
  ]);
  assert.equal(requests[2].body, JSON.stringify(doc));
  assert.equal(requests[2].headers['Content-Type'], 'application/json');
  assert.equal(requests[4].body, undefined);
});

test('API errors become ApiError with status, code, message, field and extras', async () => {
  /** @type {[Response, Partial<ApiError>][]} */
  const cases = [
    [reply(409, { error: { code: 'conflict', message: 'stale version', currentVersion: 7 } }),
      { status: 409, code: 'conflict', message: 'stale version', currentVersion: 7 }],
    [reply(422, { error: { code: 'validation_failed', message: 'room.width: must be between 50 and 5000 cm', field: 'room.width' } }),
      { status: 422, code: 'validation_failed', field: 'room.width' }],
    [reply(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '3' }),
      { status: 429, code: 'rate_limited', retryAfter: 3 }],
    [reply(403, { error: { code: 'forbidden', message: 'sign in to see your projects' } }),
      { status: 403, code: 'forbidden', message: 'sign in to see your projects' }],
    [new Response('<html>Bad gateway</html>', { status: 502 }), { status: 502, code: 'http_502' }],
  ];
  for (const [res, want] of cases) {
    const { api } = setup(() => res);
    const err = await api.updateProject('p1', 1, doc).then(() => null, (e) => e);
    assert.ok(err instanceof ApiError, String(err));
    for (const [k, v] of Object.entries(want)) assert.equal(/** @type {any} */ (err)[k], v, `${want.code}.${k}`);
  }
});

test('gate failures pass through as GateError', async () => {
  const gate = createTokenGate({
    fetch: async () => { throw new TypeError('Failed to fetch'); },
    clock: { now: () => T0, setTimeout: () => 0, clearTimeout: () => {} },
    postTokenExpired: () => {},
  });
  gate.setToken({ token: 'tok', kind: 'legal-entity', expiresAt: T0 + 60_000, serverTime: T0 });
  await assert.rejects(createApi(gate).categories(), (e) => e instanceof GateError && e.code === 'network');
});

const me = {
  kind: 'user',
  retailer: { id: 'r1', name: 'Shop', distributionId: 'd_1', plan: 'free' },
  uid: 'alice',
  scope: ['read', 'write'],
  expiresAt: '2026-03-01T12:15:00Z',
  serverTime: '2026-03-01T12:00:00Z',
};

test('verifyToken calls GET /v1/me with the candidate token, outside any gate', async () => {
  /** @type {SeenRequest[]} */
  const seen = [];
  const got = await verifyToken(async (url, init) => { seen.push({ url, ...init }); return reply(200, me); }, 'https://planner.example/', 'cand');
  assert.deepEqual(got, me);
  assert.equal(seen[0].url, 'https://planner.example/v1/me');
  assert.equal(seen[0].method, 'GET');
  assert.equal(seen[0].headers.Authorization, 'Bearer cand');
  assert.deepEqual(tokenInfoFromMe('cand', got), {
    token: 'cand', kind: 'user', uid: 'alice', expiresAt: Date.parse(me.expiresAt), serverTime: Date.parse(me.serverTime),
  });
});

test('verifyToken rejects with typed errors', async () => {
  /** @type {[string, import('./token-gate.js').FetchLike, string][]} */
  const cases = [
    ['invalid', async () => reply(401, { error: { code: 'invalid_token', message: 'bad signature' } }), 'invalid_token'],
    ['expired', async () => reply(401, { error: { code: 'token_expired', message: 'expired' } }), 'token_expired'],
    ['network', async () => { throw new TypeError('Failed to fetch'); }, 'network'],
    ['not me', async () => reply(200, { hello: 'world' }), 'invalid_response'],
    ['user without uid', async () => reply(200, { ...me, uid: undefined }), 'invalid_response'],
    ['html', async () => new Response('<html></html>', { status: 500 }), 'http_500'],
  ];
  for (const [name, fetchFn, code] of cases) {
    await assert.rejects(verifyToken(fetchFn, '', 'cand'), (e) => e instanceof ApiError && e.code === code, name);
  }
});
