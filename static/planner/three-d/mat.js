// mat.js: the 3D view's matrix and camera maths, column-major like WebGL,
// free of the DOM. World axes: x along the plan's x, z along the plan's y,
// y up; units cm.

/** @typedef {Float32Array} Mat4 16 numbers, column-major @typedef {[number, number, number]} Vec3 */

/** @returns {Mat4} */
export const identity = () => new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

/** multiply returns a × b (b applied first). @param {Mat4} a @param {Mat4} b @returns {Mat4} */
export function multiply(a, b) {
  const o = new Float32Array(16);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      o[c * 4 + r] = a[r] * b[c * 4] + a[4 + r] * b[c * 4 + 1] + a[8 + r] * b[c * 4 + 2] + a[12 + r] * b[c * 4 + 3];
    }
  }
  return o;
}

/** perspective projection. @param {number} fovy radians @param {number} aspect @param {number} near @param {number} far @returns {Mat4} */
export function perspective(fovy, aspect, near, far) {
  const f = 1 / Math.tan(fovy / 2), nf = 1 / (near - far);
  const o = new Float32Array(16);
  o[0] = f / aspect; o[5] = f; o[10] = (far + near) * nf; o[11] = -1; o[14] = 2 * far * near * nf;
  return o;
}

/** @param {Vec3} a @param {Vec3} b @returns {Vec3} */
export const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
/** @param {Vec3} a @param {Vec3} b @returns {Vec3} */
export const crossV = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
/** @param {Vec3} a @param {Vec3} b */
export const dotV = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
/** @param {Vec3} a @returns {Vec3} */
export function normalize(a) {
  const l = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / l, a[1] / l, a[2] / l];
}

/** lookAt is the view matrix of an eye looking at target. @param {Vec3} eye @param {Vec3} target @param {Vec3} [up] @returns {Mat4} */
export function lookAt(eye, target, up = [0, 1, 0]) {
  const z = normalize(sub(eye, target));
  let x = crossV(up, z);
  if (Math.hypot(...x) < 1e-9) x = crossV([0, 0, -1], z); // looking straight down
  x = normalize(x);
  const y = crossV(z, x);
  return new Float32Array([x[0], y[0], z[0], 0, x[1], y[1], z[1], 0, x[2], y[2], z[2], 0, -dotV(x, eye), -dotV(y, eye), -dotV(z, eye), 1]);
}

/** invert returns m⁻¹, or null when m is singular. @param {Mat4} m @returns {Mat4 | null} */
export function invert(m) {
  const [a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33] = m;
  const b00 = a00 * a11 - a01 * a10, b01 = a00 * a12 - a02 * a10, b02 = a00 * a13 - a03 * a10, b03 = a01 * a12 - a02 * a11;
  const b04 = a01 * a13 - a03 * a11, b05 = a02 * a13 - a03 * a12, b06 = a20 * a31 - a21 * a30, b07 = a20 * a32 - a22 * a30;
  const b08 = a20 * a33 - a23 * a30, b09 = a21 * a32 - a22 * a31, b10 = a21 * a33 - a23 * a31, b11 = a22 * a33 - a23 * a32;
  const det = b00 * b11 - b01 * b10 + b02 * b09 + b03 * b08 - b04 * b07 + b05 * b06;
  if (!det) return null;
  const d = 1 / det;
  return new Float32Array([
    (a11 * b11 - a12 * b10 + a13 * b09) * d, (a02 * b10 - a01 * b11 - a03 * b09) * d, (a31 * b05 - a32 * b04 + a33 * b03) * d, (a22 * b04 - a21 * b05 - a23 * b03) * d,
    (a12 * b08 - a10 * b11 - a13 * b07) * d, (a00 * b11 - a02 * b08 + a03 * b07) * d, (a32 * b02 - a30 * b05 - a33 * b01) * d, (a20 * b05 - a22 * b02 + a23 * b01) * d,
    (a10 * b10 - a11 * b08 + a13 * b06) * d, (a01 * b08 - a00 * b10 - a03 * b06) * d, (a30 * b04 - a31 * b02 + a33 * b00) * d, (a21 * b02 - a20 * b04 - a23 * b00) * d,
    (a11 * b07 - a10 * b09 - a12 * b06) * d, (a00 * b09 - a01 * b07 + a02 * b06) * d, (a31 * b01 - a30 * b03 - a32 * b00) * d, (a20 * b03 - a21 * b01 + a22 * b00) * d,
  ]);
}

/** transformPoint applies m to a point, with the perspective divide. @param {Mat4} m @param {Vec3} p @returns {Vec3} */
export function transformPoint(m, p) {
  const [x, y, z] = p;
  const w = m[3] * x + m[7] * y + m[11] * z + m[15] || 1;
  return [(m[0] * x + m[4] * y + m[8] * z + m[12]) / w, (m[1] * x + m[5] * y + m[9] * z + m[13]) / w, (m[2] * x + m[6] * y + m[10] * z + m[14]) / w];
}

/**
 * @typedef {{target: Vec3, yaw: number, pitch: number, dist: number}} Orbit yaw 0 looks along -z
 *   (from the plan's bottom towards its top), pitch up from the floor, radians
 * @typedef {{pos: Vec3, yaw: number, pitch: number}} Walk eye position and heading
 */

export const MIN_PITCH = 0.05;
export const MAX_PITCH = Math.PI / 2 - 0.01;

/** orbitEye is where an orbit camera stands. @param {Orbit} o @returns {Vec3} */
export function orbitEye(o) {
  const c = Math.cos(o.pitch);
  return [o.target[0] + o.dist * c * Math.sin(o.yaw), o.target[1] + o.dist * Math.sin(o.pitch), o.target[2] + o.dist * c * Math.cos(o.yaw)];
}

/** walkTarget is a point straight ahead of a walking eye. @param {Walk} w @returns {Vec3} */
export function walkTarget(w) {
  const c = Math.cos(w.pitch);
  return [w.pos[0] - c * Math.sin(w.yaw), w.pos[1] + Math.sin(w.pitch), w.pos[2] - c * Math.cos(w.yaw)];
}

/**
 * fitOrbit frames a box (cm) from a three-quarter view: the whole box in a
 * vertical field of view fovy. @param {{x0: number, z0: number, x1: number, z1: number, h: number}} b @param {number} fovy
 * @returns {Orbit}
 */
export function fitOrbit(b, fovy) {
  const r = Math.hypot(b.x1 - b.x0, b.z1 - b.z0, b.h) / 2;
  return { target: [(b.x0 + b.x1) / 2, b.h / 3, (b.z0 + b.z1) / 2], yaw: 0.5, pitch: 0.8, dist: (r / Math.sin(fovy / 2)) * 1.05 };
}

/**
 * pan moves the orbit's target in the view plane by (dx, dy) pixels of a
 * view h pixels high. @param {Orbit} o @param {number} dx @param {number} dy @param {number} h @param {number} fovy @returns {Orbit}
 */
export function pan(o, dx, dy, h, fovy) {
  const k = (2 * o.dist * Math.tan(fovy / 2)) / h;
  const right = [Math.cos(o.yaw), 0, -Math.sin(o.yaw)];
  const fwd = [-Math.sin(o.yaw), 0, -Math.cos(o.yaw)]; // on the floor, away from the eye
  return { ...o, target: [o.target[0] - right[0] * dx * k + fwd[0] * dy * k, o.target[1], o.target[2] - right[2] * dx * k + fwd[2] * dy * k] };
}

/**
 * ray is the world ray through a point of the canvas in normalised device
 * coordinates (-1..1, y up). @param {Mat4} viewProj @param {number} nx @param {number} ny
 * @returns {{origin: Vec3, dir: Vec3} | null}
 */
export function ray(viewProj, nx, ny) {
  const inv = invert(viewProj);
  if (!inv) return null;
  const a = transformPoint(inv, [nx, ny, -1]), b = transformPoint(inv, [nx, ny, 1]);
  return { origin: a, dir: normalize(sub(b, a)) };
}

/**
 * rayBox is the distance along a ray to an axis-aligned box, Infinity on a
 * miss (slabs). @param {{origin: Vec3, dir: Vec3}} r @param {Vec3} min @param {Vec3} max
 */
export function rayBox(r, min, max) {
  let t0 = -Infinity, t1 = Infinity;
  for (let k = 0; k < 3; k++) {
    const o = r.origin[k], d = r.dir[k];
    if (Math.abs(d) < 1e-12) { if (o < min[k] || o > max[k]) return Infinity; continue; }
    let a = (min[k] - o) / d, b = (max[k] - o) / d;
    if (a > b) [a, b] = [b, a];
    t0 = Math.max(t0, a); t1 = Math.min(t1, b);
  }
  return t1 >= Math.max(t0, 0) ? Math.max(t0, 0) : Infinity;
}

/**
 * rayTriangle is the distance along a ray to the triangle abc, either face,
 * Infinity on a miss (Möller–Trumbore).
 * @param {{origin: Vec3, dir: Vec3}} r @param {ArrayLike<number>} a @param {ArrayLike<number>} b @param {ArrayLike<number>} c
 */
export function rayTriangle(r, a, b, c) {
  const e1 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]], e2 = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
  const d = r.dir, o = r.origin;
  const p = [d[1] * e2[2] - d[2] * e2[1], d[2] * e2[0] - d[0] * e2[2], d[0] * e2[1] - d[1] * e2[0]];
  const det = e1[0] * p[0] + e1[1] * p[1] + e1[2] * p[2];
  if (Math.abs(det) < 1e-12) return Infinity; // the ray runs along the triangle's plane
  const inv = 1 / det;
  const s = [o[0] - a[0], o[1] - a[1], o[2] - a[2]];
  const u = (s[0] * p[0] + s[1] * p[1] + s[2] * p[2]) * inv;
  if (u < 0 || u > 1) return Infinity;
  const q = [s[1] * e1[2] - s[2] * e1[1], s[2] * e1[0] - s[0] * e1[2], s[0] * e1[1] - s[1] * e1[0]];
  const v = (d[0] * q[0] + d[1] * q[1] + d[2] * q[2]) * inv;
  if (v < 0 || u + v > 1) return Infinity;
  const t = (e2[0] * q[0] + e2[1] * q[1] + e2[2] * q[2]) * inv;
  return t >= 0 ? t : Infinity;
}
