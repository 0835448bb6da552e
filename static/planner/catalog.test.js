// catalog.js: the catalog pane, through createApp.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeServer, setup } from '../testing/planner-app.js';

/** @param {ReturnType<typeof fakeServer>} server @returns {URLSearchParams} the query of the last products request */
function lastProductsQuery(server) {
  const r = server.requests.filter((x) => x.path.startsWith('/v1/catalog/products')).at(-1);
  return new URL(`https://x${r?.path ?? ''}`).searchParams;
}

test('Load more appends the next page', async () => {
  const { server, send, clock, state, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  await app.loadMore();
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p1', 'p2', 'p3']);
  assert.equal(state.catalog?.hasMore, false);
});

test('setQuery searches the catalog by name from the first page; "" shows everything again', async () => {
  const { server, send, clock, state, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  await app.setQuery('  product 3 ');
  assert.equal(lastProductsQuery(server).get('q'), 'product 3', 'trimmed');
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p3']);
  assert.equal(state.catalog?.hasMore, false);
  assert.equal(state.catalog?.status, 'ready');

  await app.setQuery('');
  assert.equal(lastProductsQuery(server).has('q'), false);
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p1', 'p2']);

  await app.setQuery('x'.repeat(150));
  assert.equal(lastProductsQuery(server).get('q'), 'x'.repeat(100), 'bounded to 100 characters');
  assert.equal(state.catalog?.products.length, 0);

  // With a category and over pages: the search is kept.
  await app.setCategory('sofas');
  await app.setQuery('Product');
  assert.equal(lastProductsQuery(server).get('category'), 'sofas');
  await app.loadMore();
  const more = lastProductsQuery(server);
  assert.deepEqual([more.get('q'), more.get('category'), more.get('cursor')], ['Product', 'sofas', 'page2']);
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p1', 'p2', 'p3']);
});

test('a slow answer to an earlier search never replaces a later one', async () => {
  const { server, send, clock, state, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  const release = server.hold((path, search) => path === '/v1/catalog/products' && new URLSearchParams(search).get('q') === 'Product');
  const first = app.setQuery('Product');
  await clock.advance(0);
  await app.setQuery('Product 2');
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p2']);
  release();
  await first;
  await clock.advance(0);
  assert.deepEqual(state.catalog?.products.map((p) => p.id), ['p2'], 'still the later search');
  assert.equal(state.catalog?.status, 'ready');
});

test('ctx.product gives the editor a loaded catalog product with its price, undefined otherwise', async () => {
  const { server, send, clock, app, editor } = setup();
  assert.equal(editor.ctx.product?.('p1'), undefined, 'nothing before the catalog loads');
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  const p1 = editor.ctx.product?.('p1');
  assert.deepEqual(p1 && [p1.name, p1.price, p1.currency, p1.width, p1.depth], ['Product 1', 129900, 'EUR', 200, 90]);
  assert.equal(editor.ctx.product?.('p3'), undefined, 'not on a loaded page: the editor fetches it');
  assert.equal(editor.ctx.product?.('nope'), undefined);
  await app.loadMore();
  assert.equal(editor.ctx.product?.('p3')?.name, 'Product 3');
});

test('a search ranks name prefixes, then name words, then substrings, then descriptions', async () => {
  const { rankProducts, rankOf } = await import('./catalog.js');
  const products = [
    { id: 'a', name: 'Oslo armchair', description: 'Matches the Oslo sofa' },
    { id: 'l', name: 'Ljus floor lamp', description: 'Beside a sofa' },
    { id: 's3', name: 'Oslo 3-seat sofa', description: '' },
    { id: 'sb', name: 'Sofabord', description: '' },
    { id: 'x', name: 'Minisofa', description: '' },
    { id: 'b', name: 'Tromsø sofa bed', description: '' },
  ];
  assert.deepEqual(rankProducts(products, 'Sofa').map((p) => p.id), ['sb', 's3', 'b', 'x', 'l', 'a']);
  assert.equal(rankOf({ name: 'Sofa' }, 'sofa'), 0);
  assert.equal(rankOf({ name: 'Oslo sofa' }, 'sofa'), 1);
  assert.equal(rankOf({ name: 'Oslo-sofa' }, 'sofa'), 1, 'a word after punctuation');
  assert.equal(rankOf({ name: 'Minisofa' }, 'sofa'), 2);
  assert.equal(rankOf({ name: 'Lamp', description: 'by the SOFA' }, 'sofa'), 3);
  assert.equal(rankOf({ name: 'Lamp' }, 'sofa'), 4);
  assert.equal(rankProducts(products, ' '), products, 'no search: the API order');
  // The same set in any order ranks the same.
  assert.deepEqual(rankProducts([...products].reverse(), 'sofa').map((p) => p.id), ['sb', 's3', 'b', 'x', 'l', 'a']);
});

test('a search asks for a whole ranked page at once', async () => {
  const { server, send, clock, app } = setup();
  send('Authentication', { token: server.issue() });
  await clock.advance(0);
  await app.setQuery('product');
  assert.equal(lastProductsQuery(server).get('limit'), '200');
  await app.setQuery('');
  assert.equal(lastProductsQuery(server).has('limit'), false);
});

test('imageURL keeps absolute http(s) images and drops anything else', async () => {
  const { imageURL } = await import('./catalog.js');
  assert.equal(imageURL('https://img.shop.example/p/sofa.jpg?w=320'), 'https://img.shop.example/p/sofa.jpg?w=320');
  assert.equal(imageURL('http://127.0.0.1:9000/sofa.svg'), 'http://127.0.0.1:9000/sofa.svg');
  for (const bad of [undefined, null, 7, '', '/static/sofa.png', '//img.shop.example/a.jpg', 'javascript:alert(1)',
    'data:image/png;base64,AAAA', 'https://u:p@img.shop.example/a.jpg', 'https://img.shop.example/' + 'a'.repeat(2048), 'https://']) {
    assert.equal(imageURL(bad), '', String(bad));
  }
});
