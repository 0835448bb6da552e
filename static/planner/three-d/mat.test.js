import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as m from './mat.js';

/** @param {ArrayLike<number>} a @param {ArrayLike<number>} b @param {number} [eps] */
const near = (a, b, eps = 1e-4) => { for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < eps, `[${i}] ${a[i]} vs ${b[i]}`); };

test('identity is neutral; multiply composes in order', () => {
  const t = m.identity(); t[12] = 5; // translate x by 5
  const s = m.identity(); s[0] = 2; // scale x by 2
  near(m.multiply(m.identity(), t), t);
  near(m.transformPoint(m.multiply(t, s), [1, 0, 0]), [7, 0, 0]); // scale first, then translate
  near(m.transformPoint(m.multiply(s, t), [1, 0, 0]), [12, 0, 0]);
});

test('lookAt puts the target straight ahead at -z', () => {
  const v = m.lookAt([0, 100, 300], [0, 100, 0]);
  near(m.transformPoint(v, [0, 100, 0]), [0, 0, -300]);
  near(m.transformPoint(v, [10, 100, 0]), [10, 0, -300], 1e-3); // +x stays right
  const down = m.lookAt([0, 500, 0], [0, 0, 0]); // straight down still works
  near(m.transformPoint(down, [0, 0, 0]), [0, 0, -500]);
});

test('perspective maps near and far to -1 and 1', () => {
  const p = m.perspective(Math.PI / 3, 1.5, 10, 1000);
  near(m.transformPoint(p, [0, 0, -10]), [0, 0, -1]);
  near(m.transformPoint(p, [0, 0, -1000]), [0, 0, 1]);
});

test('property: invert undoes a camera, and rays through a projected point hit it', () => {
  const v = fc.double({ min: -2000, max: 2000, noNaN: true });
  fc.assert(fc.property(v, v, fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0.1, max: 1.4, noNaN: true }), (x, z, yaw, pitch) => {
    const o = { target: /** @type {m.Vec3} */ ([x / 4, 0, z / 4]), yaw, pitch, dist: 800 };
    const vp = m.multiply(m.perspective(1, 1.6, 10, 20000), m.lookAt(m.orbitEye(o), o.target));
    const inv = m.invert(vp);
    assert.ok(inv);
    near(m.multiply(vp, inv), m.identity(), 1e-3);
    const ndc = m.transformPoint(vp, o.target);
    const r = m.ray(vp, ndc[0], ndc[1]);
    assert.ok(r);
    const box = 1;
    const t = m.rayBox(r, [o.target[0] - box, -box, o.target[2] - box], [o.target[0] + box, box, o.target[2] + box]);
    assert.ok(Number.isFinite(t), 'the ray through the target hits a box around it');
    const hit = r.origin.map((c, k) => c + r.dir[k] * t);
    assert.ok(Math.hypot(...m.sub(/** @type {m.Vec3} */ (hit), o.target)) <= Math.sqrt(3) * box + 1e-3, 'the hit is on that box');
    const back = m.transformPoint(inv, ndc);
    near(back, o.target, 1e-2);
  }), { numRuns: 200 });
});

test('rayBox hits, misses and starts inside', () => {
  const r = { origin: /** @type {m.Vec3} */ ([0, 0, 0]), dir: /** @type {m.Vec3} */ ([1, 0, 0]) };
  assert.equal(m.rayBox(r, [5, -1, -1], [6, 1, 1]), 5);
  assert.equal(m.rayBox(r, [5, 2, -1], [6, 3, 1]), Infinity);
  assert.equal(m.rayBox(r, [-5, -1, -1], [-4, 1, 1]), Infinity, 'behind');
  assert.equal(m.rayBox(r, [-1, -1, -1], [1, 1, 1]), 0, 'inside');
});

test('orbit: fitOrbit frames the room, pan moves the target on the floor', () => {
  const o = m.fitOrbit({ x0: 0, z0: 0, x1: 400, z1: 300, h: 250 }, 1);
  near(o.target, [200, 250 / 3, 150]);
  const vp = m.multiply(m.perspective(1, 1, 10, 20000), m.lookAt(m.orbitEye(o), o.target));
  for (const c of [[0, 0, 0], [400, 0, 300], [0, 250, 300], [400, 250, 0]]) {
    const p = m.transformPoint(vp, /** @type {m.Vec3} */ (c));
    assert.ok(Math.abs(p[0]) <= 1 && Math.abs(p[1]) <= 1, `corner ${c} on screen: ${p}`);
  }
  const moved = m.pan({ ...o, yaw: 0 }, 100, 0, 500, 1);
  assert.ok(moved.target[0] < o.target[0], 'dragging right moves the target left');
  assert.equal(moved.target[1], o.target[1]);
  const w = m.walkTarget({ pos: [0, 160, 0], yaw: 0, pitch: 0 });
  near(w, [0, 160, -1]);
});

test('rayTriangle meets a triangle from either side, misses beside it and behind the origin', () => {
  const a = [0, 0, 10], b = [10, 0, 10], c = [0, 10, 10];
  assert.equal(m.rayTriangle({ origin: [1, 1, 0], dir: [0, 0, 1] }, a, b, c), 10);
  assert.equal(m.rayTriangle({ origin: [1, 1, 20], dir: [0, 0, -1] }, a, b, c), 10);
  assert.equal(m.rayTriangle({ origin: [8, 8, 0], dir: [0, 0, 1] }, a, b, c), Infinity); // beyond the hypotenuse
  assert.equal(m.rayTriangle({ origin: [1, 1, 20], dir: [0, 0, 1] }, a, b, c), Infinity); // behind
  assert.equal(m.rayTriangle({ origin: [1, 1, 10], dir: [1, 0, 0] }, a, b, c), Infinity); // along its plane
});
