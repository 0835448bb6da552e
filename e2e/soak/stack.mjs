// stack.mjs: the processes a soak run drives, each on its own loopback port,
// so that the harness can stop, kill and restart them one at a time:
//
//   virtual planners ──> lb (public URL http://localhost:L) ──> planner serve #1..#n
//   host site's BFF ──> cut (the bff-down forwarder) ──> lb
//
// `planner migrate`, `planner entity create` and `planner catalog seed` set
// up a fresh database (a SQLite file, or a new database on --postgres);
// `hostsite` is the reference host site with its BFF, given the API key and
// secret in its environment, as an integrator deploys it. Both forwarders
// are plain TCP; lb connects to an instance from the client's own loopback
// address, so the per-IP limits see each visitor, and skips an instance that
// refuses the connection (a load balancer's failover), as long as one is up.

import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const bin = path.join(root, 'e2e/.bin');
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** freePort asks the kernel for a free loopback port. */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', () => r(undefined)));
  const port = /** @type {net.AddressInfo} */ (s.address()).port;
  await new Promise((r) => s.close(() => r(undefined)));
  return port;
}

/**
 * forwarder is a loopback TCP forwarder the harness can cut: while cut, new
 * connections are reset and open ones dropped ("unreachable"). With several
 * targets it spreads connections round robin and, when a target refuses,
 * tries the next (failover).
 * @param {{keepSource?: boolean}} [o] connect from the client's own address
 */
export async function forwarder({ keepSource = false } = {}) {
  /** @type {Array<{port: number, host: string}>} */
  let targets = [];
  let next = 0;
  let cut = false;
  /** @type {Set<net.Socket>} */
  const open = new Set();
  /** @param {net.Socket} c @param {number} tries */
  const connect = (c, tries) => {
    const t = targets[next++ % targets.length];
    const u = net.connect({ port: t.port, host: t.host, ...(keepSource && c.remoteAddress ? { localAddress: c.remoteAddress } : {}) });
    let connected = false;
    u.once('connect', () => {
      connected = true;
      if (c.destroyed) { u.destroy(); return; }
      open.add(u);
      c.pipe(u); u.pipe(c);
      c.resume();
      const end = () => { c.destroy(); u.destroy(); open.delete(c); open.delete(u); };
      c.on('close', end); u.on('close', end); u.on('error', end);
    });
    u.once('error', () => {
      if (connected) return;
      u.destroy();
      if (tries + 1 < targets.length && !cut) connect(c, tries + 1);
      else { c.resetAndDestroy(); open.delete(c); }
    });
  };
  const server = net.createServer({ pauseOnConnect: true }, (c) => {
    if (cut || targets.length === 0) { c.resetAndDestroy(); return; }
    open.add(c);
    c.on('error', () => { c.destroy(); open.delete(c); });
    connect(c, 0);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  return {
    port: /** @type {net.AddressInfo} */ (server.address()).port,
    /** @param {string[]} urls */
    setTargets(urls) {
      targets = urls.map((url) => { const u = new URL(url); return { host: u.hostname === 'localhost' ? '127.0.0.1' : u.hostname, port: Number(u.port) }; });
    },
    /** @param {boolean} v */
    setCut(v) {
      cut = v;
      if (v) for (const s of open) s.destroy();
    },
    close() { server.close(); for (const s of open) s.destroy(); },
  };
}

/**
 * Proc is one child process of the stack, restartable with the same
 * arguments; it keeps the tail of its output for error messages.
 */
export class Proc {
  /**
   * @param {string} name
   * @param {string} cmd
   * @param {string[]} args
   * @param {Record<string, string>} env
   * @param {RegExp} ready a line on stdout that says it serves
   */
  constructor(name, cmd, args, env, ready) {
    Object.assign(this, { name, cmd, args, env, ready });
    this.name = name; this.cmd = cmd; this.args = args; this.env = env; this.ready = ready;
    /** @type {import('node:child_process').ChildProcess | null} */
    this.child = null;
    this.tail = '';
    /** CPU seconds of the earlier lives of this process (restarts). */
    this.cpuBefore = 0;
    this.starts = 0;
    /** @type {string[]} exits the harness did not ask for, with the output's tail */
    this.crashes = [];
    this.stopping = false;
  }

  /** @returns {Promise<RegExpExecArray>} */
  start() {
    const child = spawn(this.cmd, this.args, { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    this.stopping = false;
    child.once('exit', (code, sig) => {
      if (!this.stopping) this.crashes.push(`${this.name} exited ${code ?? sig} by itself: ${this.tail.slice(-500)}`);
    });
    let out = '';
    const keep = (/** @type {Buffer} */ d) => { this.tail = (this.tail + d).slice(-8000); };
    child.stderr?.on('data', keep);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start: ${this.tail}`)), 60000);
      child.stdout?.on('data', (d) => {
        keep(d);
        out += d;
        const m = this.ready.exec(out);
        if (m) { clearTimeout(timer); resolve(m); }
      });
      child.once('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`${this.name} exited ${code ?? sig}: ${this.tail}`)); });
    });
  }

  get pid() { return this.child?.pid ?? 0; }

  get running() { return !!this.child && this.child.exitCode === null && this.child.signalCode === null; }

  /** cpuSeconds is this process's user+system CPU so far, all its lives. */
  cpuSeconds() { return this.cpuBefore + (this.running ? procCPU(this.pid) : 0); }

  /**
   * stop signals the process and waits for it to exit.
   * @param {NodeJS.Signals} sig
   */
  async stop(sig = 'SIGTERM') {
    const child = this.child;
    if (!child || !this.running) return;
    const cpu = procCPU(child.pid ?? 0);
    this.stopping = true;
    const done = new Promise((r) => child.once('exit', r));
    child.kill(sig);
    if (await Promise.race([done.then(() => true), sleep(15000).then(() => false)])) { this.cpuBefore += cpu; return; }
    child.kill('SIGKILL');
    await done;
    this.cpuBefore += cpu;
  }
}

const clockTicks = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { return 100; }
})();

/**
 * procCPU reads utime+stime of a process from /proc/PID/stat, in seconds.
 * @param {number} pid
 */
export function procCPU(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after ")" are fixed.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks; // fields 14 and 15
  } catch {
    return 0;
  }
}

/**
 * planner runs `planner ARGS` and returns its stdout.
 * @param {string[]} args
 * @param {Record<string, string>} env
 */
function planner(args, env) {
  return execFileSync(path.join(bin, 'planner'), args, { env: { ...process.env, ...env }, maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/**
 * freshPostgres creates an empty database on the server of url (psql) and
 * returns its URL, so that every run starts from nothing.
 * @param {string} url
 */
function freshPostgres(url) {
  const name = `soak_${Date.now()}_${crypto.randomBytes(3).toString('hex')}`;
  execFileSync('psql', [url, '-qAtc', `CREATE DATABASE ${name}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const u = new URL(url);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => { try { execFileSync('psql', [url, '-qAtc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'ignore' }); } catch { /* best effort */ } } };
}

let built = false;

/** build builds the commands once per process (runs in parallel share them). */
function build() {
  if (built) return;
  fs.mkdirSync(bin, { recursive: true });
  for (const cmd of ['planner', 'hostsite']) {
    execFileSync('go', ['build', '-o', path.join(bin, cmd), `./cmd/${cmd}`], { cwd: root, stdio: 'inherit' });
  }
  built = true;
}

/**
 * startStack builds the commands and starts the stack.
 * @param {{ttl: string, instances: number, postgres?: string, log: (s: string) => void}} o
 */
export async function startStack({ ttl, instances, postgres, log }) {
  build();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-'));
  /** @type {Record<string, string>} */
  const env = {};
  let db = path.join(data, 'planner.db');
  let drop = () => {};
  if (postgres) {
    const fresh = freshPostgres(postgres);
    db = fresh.url;
    drop = fresh.drop;
    env.PLANNER_MASTER_KEY = crypto.randomBytes(32).toString('base64');
  }
  planner(['migrate', '--db', db], env);
  const lb = await forwarder({ keepSource: true });
  const cut = await forwarder();
  const plannerURL = `http://localhost:${lb.port}`;
  const hostPort = await freePort();
  const hostURL = `http://127.0.0.1:${hostPort}`;
  const entity = JSON.parse(planner(['entity', 'create', '--db', db, '--name', 'Nordlys Home', '--origin', hostURL], env));
  planner(['catalog', 'seed', entity.id, '--db', db], env);

  const ports = [];
  for (let i = 0; i < instances; i++) ports.push(await freePort());
  const servers = ports.map((port, i) => new Proc(`planner #${i + 1}`, path.join(bin, 'planner'),
    ['serve', '--addr', `127.0.0.1:${port}`, '--db', db, '--public-url', plannerURL, '--refresh-interval', '5s', '--log-level', 'warn'],
    env, /planner: listening on/));
  await Promise.all(servers.map((s) => s.start()));
  lb.setTargets(ports.map((p) => `http://127.0.0.1:${p}`));
  cut.setTargets([`http://127.0.0.1:${lb.port}`]);

  const metricsPort = await freePort();
  const hostArgs = ['--addr', `127.0.0.1:${hostPort}`, '--planner-url', `http://127.0.0.1:${cut.port}`, '--db', path.join(data, 'hostsite.db'),
    '--distribution', entity.distributionId, '--metrics-addr', `127.0.0.1:${metricsPort}`];
  const hostEnv = { PLANNER_API_KEY: entity.apiKey, PLANNER_API_SECRET: entity.apiSecret, PLANNER_TOKEN_TTL: ttl };
  // The demo sign-ins are printed before the page scripts are bundled and
  // the port is bound (seconds on a loaded machine): the site is up only at
  // its "listening" line, which comes after them.
  const host = new Proc('hostsite', path.join(bin, 'hostsite'), [...hostArgs, '--demo-users'], hostEnv,
    /demo sign-ins: alice \/ (\S+)\s+bob \/ (\S+)[\s\S]*hostsite: listening on/);
  const m = await host.start();
  // Later starts (after a rotation) find the users there already.
  host.args = hostArgs;
  host.ready = /hostsite: listening on/;
  log(`${instances} planner instance(s) on ${postgres ? 'PostgreSQL' : 'SQLite'} behind ${plannerURL}, host site ${hostURL}`);

  return {
    plannerURL, hostURL, distribution: entity.distributionId, passwords: { alice: m[1], bob: m[2] },
    servers, host, lb, cut, db, env, data, entityId: /** @type {string} */ (entity.id),
    metricsURL: `http://127.0.0.1:${metricsPort}/metrics`,
    /**
     * restartHost restarts the host site with new credentials (the BFF
     * reads its API key and secret at start-up only).
     * @param {{apiKey: string, apiSecret: string}} cred
     */
    async restartHost({ apiKey, apiSecret }) {
      await host.stop('SIGTERM');
      host.env = { ...host.env, PLANNER_API_KEY: apiKey, PLANNER_API_SECRET: apiSecret };
      await host.start();
    },
    /**
     * admin runs a planner admin command on the stack's database.
     * @param {string[]} args
     */
    admin(args) { return planner([...args, '--db', db], env); },
    async stop() {
      await Promise.all([host.stop('SIGINT'), ...servers.map((s) => s.stop('SIGINT'))]);
      lb.close();
      cut.close();
    },
    /** @returns {any[]} the projects in the database */
    exportProjects() {
      const jsonl = planner(['export', '--db', db], env);
      return jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === 'project');
    },
    cleanup() {
      drop();
      fs.rmSync(data, { recursive: true, force: true });
    },
  };
}
