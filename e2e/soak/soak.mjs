#!/usr/bin/env node
// soak.mjs: the soak and fault harness (issue 12, phase 1: one instance on
// SQLite). `npm run soak -- --planners 50 --duration 30s --ttl 10s --faults bff-down,drop-sockets,skew`
// starts the demo (planner service + reference host site) on loopback, runs
// N virtual planners (planner.mjs) through it, injects the faults, then checks
// the ledger against `planner export` of the database and reports a table
// (and JSON with --json FILE). It exits 1 when a zero-count assertion fails.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Browser } from './host.mjs';
import { Ledger, failures } from './ledger.mjs';
import { VirtualPlanner } from './planner.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @param {string} s e.g. "30s", "2m", "1500ms" */
export function duration(s) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s);
  if (!m) throw new Error(`not a duration: ${s}`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60000 })[m[2] ?? 's'];
}

/** @param {number} seed */
function mulberry(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * forwarder is a loopback TCP forwarder the harness can cut: while cut, new
 * connections are reset and open ones dropped ("unreachable").
 */
async function forwarder() {
  /** @type {{port: number, host: string} | null} */
  let target = null;
  let cut = false;
  /** @type {Set<net.Socket>} */
  const open = new Set();
  const server = net.createServer((c) => {
    if (cut || !target) { c.resetAndDestroy(); return; }
    const u = net.connect(target.port, target.host);
    open.add(c); open.add(u);
    c.pipe(u); u.pipe(c);
    const end = () => { c.destroy(); u.destroy(); open.delete(c); open.delete(u); };
    c.on('error', end); u.on('error', end); c.on('close', end); u.on('close', end);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  return {
    port: /** @type {net.AddressInfo} */ (server.address()).port,
    /** @param {string} url */
    setTarget(url) { const u = new URL(url); target = { host: u.hostname === 'localhost' ? '127.0.0.1' : u.hostname, port: Number(u.port) }; },
    /** @param {boolean} v */
    setCut(v) {
      cut = v;
      if (v) for (const s of open) s.destroy();
    },
    close() { server.close(); for (const s of open) s.destroy(); },
  };
}

/**
 * startDemo builds and starts cmd/demo on free loopback ports.
 * @param {{ttl: string, bffAPIURL: string}} o
 */
async function startDemo({ ttl, bffAPIURL }) {
  const bin = path.join(root, 'e2e/.bin');
  fs.mkdirSync(bin, { recursive: true });
  execFileSync('go', ['build', '-o', path.join(bin, 'demo'), './cmd/demo'], { cwd: root, stdio: 'inherit' });
  execFileSync('go', ['build', '-o', path.join(bin, 'planner'), './cmd/planner'], { cwd: root, stdio: 'inherit' });
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-'));
  const child = spawn(path.join(bin, 'demo'), ['--data', data, '--planner-addr', 'localhost:0', '--host-addr', '127.0.0.1:0',
    '--token-ttl', ttl, '--bff-api-url', bffAPIURL], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errText = '';
  child.stderr.on('data', (d) => { errText += d; if (errText.length > 20000) errText = errText.slice(-10000); });
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${out}${errText}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const host = /Open the host site:\s+(\S+)\/plan/.exec(out);
      const planner = /Planner service:\s+(\S+)/.exec(out);
      const users = /alice \/ (\S+)\s+bob \/ (\S+)/.exec(out);
      if (host && planner && users) {
        clearTimeout(timer);
        resolve({ hostURL: host[1], plannerURL: planner[1], passwords: { alice: users[1], bob: users[2] } });
      }
    });
    child.on('exit', (code) => reject(new Error(`demo exited ${code}: ${errText}`)));
  });
  const state = JSON.parse(fs.readFileSync(path.join(data, 'demo.json'), 'utf8'));
  return {
    ...info, distribution: state.distributionId, data, child, stderr: () => errText,
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await Promise.race([done, sleep(10000)]);
    },
    /** @returns {any[]} */
    exportProjects() {
      const jsonl = execFileSync(path.join(bin, 'planner'), ['export', '--db', path.join(data, 'planner.db')],
        { maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
      return jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === 'project');
    },
  };
}

/** @param {string} url */
async function waitHealthy(url) {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url + '/healthz')).ok) return; } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`${url} not healthy`);
}

/** @param {string[]} argv */
export async function main(argv) {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      planners: { type: 'string', default: '50' },
      duration: { type: 'string', default: '30s' },
      ttl: { type: 'string', default: '10s' },
      faults: { type: 'string', default: '' },
      'bff-down': { type: 'string', default: '8s' },
      'skew-share': { type: 'string', default: '0.2' },
      'tabs-per-user': { type: 'string', default: '8' },
      'signed-in-share': { type: 'string', default: '0.3' },
      'switch-rate': { type: 'string', default: '0.04' },
      drain: { type: 'string', default: '65s' },
      seed: { type: 'string', default: String(Date.now() % 100000) },
      json: { type: 'string' },
      'break-gate': { type: 'string', default: '' },
      'planner-url': { type: 'string' },
      'host-url': { type: 'string' },
      'planner-db': { type: 'string' },
      distribution: { type: 'string' },
      passwords: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const n = Number(a.planners);
  const durMs = duration(a.duration);
  const faults = new Set(a.faults.split(',').filter(Boolean));
  for (const f of faults) if (!['bff-down', 'drop-sockets', 'skew'].includes(f)) throw new Error(`unknown fault ${f} (phase 1: bff-down, drop-sockets, skew)`);
  const random = mulberry(Number(a.seed));
  const log = (/** @type {string} */ s) => { if (!a.quiet) process.stderr.write(`soak: ${s}\n`); };

  const fwd = await forwarder();
  /** @type {Awaited<ReturnType<typeof startDemo>> | null} */
  let demo = null;
  /** @type {{plannerURL: string, hostURL: string, distribution: string, passwords: Record<string, string>}} */
  let target;
  if (a['planner-url'] && a['host-url']) {
    if (faults.has('bff-down')) throw new Error('bff-down needs the harness to start the demo (its BFF goes through the forwarder)');
    target = { plannerURL: a['planner-url'], hostURL: a['host-url'], distribution: a.distribution ?? '', passwords: JSON.parse(a.passwords ?? '{}') };
  } else {
    demo = await startDemo({ ttl: a.ttl, bffAPIURL: `http://127.0.0.1:${fwd.port}` });
    target = demo;
  }
  fwd.setTarget(target.plannerURL);
  await waitHealthy(target.plannerURL);
  await waitHealthy(target.hostURL);
  log(`planner ${target.plannerURL}, host ${target.hostURL}, ${n} planners for ${a.duration}, ttl ${a.ttl}, faults [${[...faults]}], seed ${a.seed}`);

  const ledger = new Ledger();
  const users = ['alice', 'bob'];
  const signedIn = Math.min(Math.round(n * Number(a['signed-in-share'])), users.length * Number(a['tabs-per-user']));
  /** @type {VirtualPlanner[]} */
  const planners = [];
  /** @type {Browser | null} */
  let browser = null;
  for (let i = 0; i < n; i++) {
    const isUser = i < signedIn;
    // The first tab of each user is a listener with a browser of its own that
    // stays signed in; the other signed-in tabs come three to a browser of one
    // user; guests have one browser each.
    const listener = isUser && i < users.length;
    const b = Math.floor((i - users.length) / 3);
    const user = !isUser ? '' : listener ? users[i] : users[b % users.length];
    const addr = `127.0.${1 + Math.floor(i / 250)}.${2 + (i % 250)}`;
    if (!isUser || listener || (i - users.length) % 3 === 0 || !browser) browser = new Browser(target.hostURL, addr);
    const role = listener ? 'listener' : isUser ? 'user' : 'guest';
    const skewMs = faults.has('skew') && random() < Number(a['skew-share']) ? (random() < 0.5 ? -1 : 1) * 10 * 60000 : 0;
    planners.push(new VirtualPlanner({
      index: i, target: { ...target, retailerName: 'Nordlys Home' }, browser,
      ledger, skewMs, role, passwords: target.passwords, user, breakGate: a['break-gate'] || undefined, random,
      switchRate: Number(a['switch-rate']),
    }));
  }
  // Browsers of several tabs are signed in once, by their first tab.
  const started = Date.now();
  let running = true;
  for (const p of planners) {
    p.start();
    await sleep(Math.max(1, 1000 / n));
  }
  const runs = planners.map((p) => p.run(() => running));

  /** @type {Promise<void>[]} */
  const faultRuns = [];
  /** @type {string[]} */
  const faultLog = [];
  if (faults.has('bff-down')) {
    faultRuns.push((async () => {
      await sleep(durMs * 0.15);
      if (!running) return;
      const t = duration(a['bff-down']);
      faultLog.push(`planner API unreachable from the BFF for ${t / 1000} s at +${Math.round((Date.now() - started) / 1000)} s`);
      fwd.setCut(true);
      await sleep(t);
      fwd.setCut(false);
    })());
  }
  let dropped = 0;
  if (faults.has('drop-sockets')) {
    faultRuns.push((async () => {
      while (running) {
        await sleep(2000);
        for (const p of planners) if (running && random() < 0.05 && p.sockets.size) { p.dropSockets(); dropped++; }
      }
    })());
  }
  const skewed = planners.filter((p) => p.skewMs !== 0).length;

  await sleep(durMs);
  running = false;
  log(`actions stopped after ${a.duration}; draining`);
  const drainUntil = Date.now() + duration(a.drain);
  await Promise.race([Promise.all(runs), sleep(duration(a.drain))]);
  while (ledger.pending() > 0 && Date.now() < drainUntil) await sleep(200);
  await Promise.all(faultRuns);
  // Let the last live events and their refetches land, then read the views.
  await sleep(3000);
  const listeners = planners.filter((p) => p.role === 'listener').map((p) => ({
    planner: p.index, uid: p.user, view: p.viewProjects, events: p.liveEvents, since: p.liveSubscribedAt, resyncs: p.resyncs, reconnects: p.reconnects,
  }));
  ledger.freeze();
  for (const p of planners) p.stop();
  fwd.close();

  /** @type {any[]} */
  let rows;
  if (demo) {
    await demo.stop();
    rows = demo.exportProjects();
    fs.rmSync(demo.data, { recursive: true, force: true });
  } else if (a['planner-db']) {
    rows = JSON.parse('[]');
    const jsonl = execFileSync(path.join(root, 'e2e/.bin/planner'), ['export', '--db', a['planner-db']]).toString();
    rows = jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.type === 'project');
  } else {
    throw new Error('pointed at running servers: give --planner-db so the database can be checked');
  }
  const report = {
    command: `npm run soak -- ${argv.join(' ')}`,
    planners: n, signedInTabs: signedIn, durationS: durMs / 1000, ttl: a.ttl, seed: Number(a.seed),
    faults: { injected: [...faults], log: faultLog, socketsDropped: dropped, skewedPlanners: skewed },
    load: os.loadavg().map((x) => Math.round(x * 100) / 100), cpus: os.cpus().length,
    ...ledger.check(rows, listeners),
  };
  const broken = failures(report);
  if (a.json) fs.writeFileSync(a.json, JSON.stringify({ ...report, failures: broken }, null, 2));
  if (!a.quiet) printTable(report, broken);
  return { report, failures: broken };
}

/**
 * @param {any} r
 * @param {string[]} broken
 */
function printTable(r, broken) {
  const row = (/** @type {string} */ k, /** @type {unknown} */ v, want = '') => console.log(`${k.padEnd(44)} ${String(v).padStart(10)}  ${want}`);
  console.log(`\nsoak: ${r.planners} planners (${r.signedInTabs} signed-in tabs), ${r.durationS} s, ttl ${r.ttl}, seed ${r.seed}, load ${r.load.join(' ')} on ${r.cpus} CPUs`);
  for (const f of r.faults.log) console.log(`  fault: ${f}`);
  if (r.faults.injected.includes('drop-sockets')) console.log(`  fault: ${r.faults.socketsDropped} live sockets dropped`);
  if (r.faults.injected.includes('skew')) console.log(`  fault: ${r.faults.skewedPlanners} planners with clocks ±10 min off`);
  row('calls attempted', r.calls.attempted);
  row('  succeeded', r.calls.succeeded);
  row('  failed with a reason shown to the visitor', r.calls.failed, JSON.stringify(r.failedBy));
  row('  LOST (neither)', r.calls.lost, 'must be 0');
  row('acknowledged writes', r.acknowledgedWrites);
  row('  missing at the end', r.missing, 'must be 0');
  row('  at the wrong version', r.wrongVersion, 'must be 0');
  row('duplicate creates (one Idempotency-Key)', r.duplicates, 'must be 0');
  row('writes under another identity', r.wrongIdentity, 'must be 0');
  row('token expiries (TokenExpired episodes)', r.tokenExpired.episodes);
  row('  answered after exactly 1 post', r.tokenExpired.exactlyOne);
  row('  backoff re-posts while waiting', r.tokenExpired.rePosts);
  row('  more posts than the backoff allows', r.tokenExpired.unexplained, 'must be 0');
  row('call latency p50/p95/p99 ms', `${r.latencyMs.calls.p50}/${r.latencyMs.calls.p95}/${r.latencyMs.calls.p99}`);
  row('held time (expiry → release) p50/p95/p99 ms', `${r.latencyMs.held.p50}/${r.latencyMs.held.p95}/${r.latencyMs.held.p99}`, `n=${r.latencyMs.held.n}`);
  for (const l of r.live) {
    row(`live: planner ${l.planner} (${l.uid}) events expected/received`, `${l.expected}/${l.received}`,
      `${l.reconnects} reconnects, ${l.resyncs} resyncs, view ${l.viewMatchesDatabase ? 'matches' : 'DIFFERS FROM'} the database`);
  }
  row('failed BFF token requests (host side)', r.bffFailures);
  for (const p of r.problems) console.log(`  problem: ${p}`);
  console.log(broken.length ? `\nFAIL: ${broken.join(', ')}` : '\nPASS: every zero-count assertion holds');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(({ failures: f }) => process.exit(f.length ? 1 : 0), (err) => {
    console.error(`soak: ${err?.stack ?? err}`);
    process.exit(2);
  });
}
