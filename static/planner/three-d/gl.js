// gl.js: the 3D view's one WebGL2 program: lambert lighting from a key and a
// fill light plus a soft ambient and sky term, per-vertex colours, and a
// little distance haze. Draws ranges of one interleaved vertex buffer
// (mesh.js: x y z, nx ny nz, r g b).

import { FLOATS } from './mesh.js';

const VS = `#version 300 es
layout(location = 0) in vec3 pos;
layout(location = 1) in vec3 nrm;
layout(location = 2) in vec3 col;
uniform mat4 viewProj;
out vec3 vN;
out vec3 vC;
out float vD;
void main() {
  vN = nrm;
  vC = col;
  gl_Position = viewProj * vec4(pos, 1.0);
  vD = gl_Position.w;
}`;

const FS = `#version 300 es
precision mediump float;
in vec3 vN;
in vec3 vC;
in float vD;
uniform vec3 haze;
uniform float hazeFar;
out vec4 frag;
void main() {
  vec3 n = normalize(vN);
  float key = max(dot(n, normalize(vec3(0.45, 0.8, 0.35))), 0.0);
  float fill = max(dot(n, normalize(vec3(-0.5, 0.35, -0.6))), 0.0);
  float sky = 0.5 + 0.5 * n.y;
  vec3 c = vC * (0.34 + 0.14 * sky + 0.52 * key + 0.16 * fill);
  frag = vec4(mix(c, haze, clamp(vD / hazeFar, 0.0, 1.0) * 0.25), 1.0);
}`;

export const BACKGROUND = /** @type {const} */ ([0.85, 0.88, 0.92]);

/**
 * createRenderer compiles the program on a WebGL2 context.
 * @param {WebGL2RenderingContext} gl
 */
export function createRenderer(gl) {
  const prog = program(gl);
  const uViewProj = gl.getUniformLocation(prog, 'viewProj');
  const uHaze = gl.getUniformLocation(prog, 'haze');
  const uFar = gl.getUniformLocation(prog, 'hazeFar');
  const vao = gl.createVertexArray();
  const buf = gl.createBuffer();
  gl.bindVertexArray(vao);
  gl.bindBuffer(gl.ARRAY_BUFFER, buf);
  for (let k = 0; k < 3; k++) {
    gl.enableVertexAttribArray(k);
    gl.vertexAttribPointer(k, 3, gl.FLOAT, false, FLOATS * 4, k * 12);
  }
  gl.enable(gl.DEPTH_TEST);
  gl.enable(gl.POLYGON_OFFSET_FILL);
  return {
    /** upload replaces the vertices. @param {Float32Array} data */
    upload(data) {
      gl.bindBuffer(gl.ARRAY_BUFFER, buf);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW);
    },
    /**
     * draw clears and draws the ranges with one camera.
     * @param {Float32Array} viewProj @param {Array<{first: number, count: number}>} ranges @param {number} far cm, for the haze
     */
    draw(viewProj, ranges, far) {
      gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
      gl.clearColor(...BACKGROUND, 1);
      gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
      gl.useProgram(prog);
      gl.uniformMatrix4fv(uViewProj, false, viewProj);
      gl.uniform3f(uHaze, ...BACKGROUND);
      gl.uniform1f(uFar, far);
      gl.bindVertexArray(vao);
      for (const r of ranges) if (r.count) gl.drawArrays(gl.TRIANGLES, r.first, r.count);
    },
    destroy() {
      gl.deleteBuffer(buf);
      gl.deleteVertexArray(vao);
      gl.deleteProgram(prog);
    },
  };
}

/** @param {WebGL2RenderingContext} gl */
function program(gl) {
  const p = /** @type {WebGLProgram} */ (gl.createProgram());
  for (const [type, src] of /** @type {const} */ ([[gl.VERTEX_SHADER, VS], [gl.FRAGMENT_SHADER, FS]])) {
    const s = /** @type {WebGLShader} */ (gl.createShader(type));
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`3D shader: ${gl.getShaderInfoLog(s)}`);
    gl.attachShader(p, s);
  }
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`3D program: ${gl.getProgramInfoLog(p)}`);
  return p;
}
