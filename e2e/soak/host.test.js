// host.test.js: tabs of one virtual browser sign in one at a time. A small
// host site on loopback rotates the session's CSRF token at each form post,
// as cmd/hostsite does, and refuses a retired one with 403.

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Browser } from './host.mjs';

test('three tabs signing in at once post /login once, with a live CSRF token', async () => {
  let csrf = 'c0';
  let logins = 0;
  let inFlight = 0;
  let most = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      if (req.method === 'GET' && req.url === '/login') {
        res.end(`<input type="hidden" name="csrf" value="${csrf}">`);
        return;
      }
      const form = new URLSearchParams(body);
      if (form.get('csrf') !== csrf) { res.statusCode = 403; res.end('form expired'); return; }
      if (req.url === '/login') logins++;
      inFlight++;
      most = Math.max(most, inFlight);
      // Hold the answer while the other tabs' posts would arrive.
      await new Promise((r) => setImmediate(r));
      inFlight--;
      csrf = `c${logins + 1}`;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ user: req.url === '/login' ? form.get('username') : '', csrf }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  try {
    const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
    const b = new Browser(`http://127.0.0.1:${addr.port}`, '127.0.0.1');
    await Promise.all([b.login('alice', 'pw'), b.login('alice', 'pw'), b.login('alice', 'pw')]);
    assert.equal(logins, 1, 'POST /login count');
    assert.equal(b.user, 'alice');
    // A sign-out and a sign-in racing on one browser both go through.
    await Promise.all([b.logout(), b.login('bob', 'pw')]);
    assert.equal(b.user, 'bob');
    assert.equal(logins, 2, 'POST /login count');
    assert.equal(most, 1, 'form posts under way at once');
  } finally {
    server.close();
  }
});
