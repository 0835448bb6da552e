// token-claims.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readClaims } from './token-claims.js';

/** @param {unknown} payload @returns {string} a JWT-shaped token (the signature is not read) */
const jwt = (payload) => `eyJhbGciOiJFZERTQSJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

test('readClaims reads a planner token\'s kind, retailer, user and expiry', () => {
  assert.deepEqual(readClaims(jwt({ kind: 'legal-entity', le: 'le_1', exp: 1800000000, scope: 'read' })),
    { kind: 'legal-entity', le: 'le_1', uid: '', exp: 1800000000000 });
  assert.deepEqual(readClaims(jwt({ kind: 'user', le: 'le_1', uid: 'Zoë', exp: 1800000000 })),
    { kind: 'user', le: 'le_1', uid: 'Zoë', exp: 1800000000000 });
});

test('readClaims refuses what is not a planner token', () => {
  const cases = [
    ['opaque', 'tok1.legal-entity.'],
    ['two parts', 'a.b'],
    ['four parts', 'a.b.c.d'],
    ['padding', `x.${Buffer.from('{"kind":"user"}').toString('base64')}=.y`],
    ['not JSON', `x.${Buffer.from('kind').toString('base64url')}.y`],
    ['an array', jwt([1, 2])],
    ['null', jwt(null)],
    ['unknown kind', jwt({ kind: 'retailer', le: 'le_1', exp: 1 })],
    ['no retailer', jwt({ kind: 'legal-entity', exp: 1 })],
    ['user without uid', jwt({ kind: 'user', le: 'le_1', exp: 1 })],
    ['guest with a uid', jwt({ kind: 'legal-entity', le: 'le_1', uid: 'bob', exp: 1 })],
    ['exp a string', jwt({ kind: 'legal-entity', le: 'le_1', exp: '1' })],
    ['exp fractional', jwt({ kind: 'legal-entity', le: 'le_1', exp: 1.5 })],
    ['exp huge', jwt({ kind: 'legal-entity', le: 'le_1', exp: 1e300 })],
    ['bad UTF-8', `x.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.y`],
    ['too long', jwt({ kind: 'legal-entity', le: 'x'.repeat(9000), exp: 1 })],
    ['not a string', 42],
  ];
  for (const [name, token] of cases) assert.equal(readClaims(token), null, String(name));
});

test('readClaims never throws and reads back what was encoded', () => {
  fc.assert(fc.property(fc.string(), (s) => { readClaims(s); }));
  fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => { readClaims(`${a}.${b}.${c}`); }));
  fc.assert(fc.property(fc.jsonValue(), (v) => { readClaims(jwt(v)); }));
  fc.assert(fc.property(
    fc.constantFrom('legal-entity', 'user'), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 2 ** 40 }),
    (kind, le, user, exp) => {
      const uid = kind === 'user' ? user : '';
      assert.deepEqual(readClaims(jwt({ kind, le, ...(uid ? { uid } : {}), exp })), { kind, le, uid, exp: exp * 1000 });
    }));
});
