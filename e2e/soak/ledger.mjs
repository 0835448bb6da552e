// ledger.mjs: every call a virtual visitor made and how it ended, every
// acknowledged write, and the checks against the database at the end.
//
// A call ends in one of three ways: it succeeded (resolved), it failed with a
// reason the planner shows the visitor (GateError or ApiError, both carry a
// UI-ready message), or neither by the end of the drain: LOST.

import { DEFAULT_BACKOFF } from '../../static/planner/expiry-episode.js';

/**
 * @typedef {{kind: string, uid: string} | null} Identity
 * @typedef {{kind: 'create', name: string, uid: string} | {kind: 'update' | 'delete', projectId: string, uid: string}} WriteIntent
 * @typedef {{planner: number, op: string, identity: Identity, start: number, end: number, outcome: 'pending' | 'ok' | 'failed',
 *   code?: string, message?: string, status?: number, write?: WriteIntent, result?: any}} Entry
 * @typedef {{type: string, id: string, ownerUid: string, name: string, version: number}} ProjectRow
 * @typedef {{subscribedAt: number, closedAt: number | null, events: Set<string>, expiredAt: number[], authenticatedAt: number[]}} LiveSocket
 *   one live socket of a listener: when "subscribed" (projects) arrived on it (0: never), when it closed (null: open at the
 *   end), the project events (id@version) it delivered, and when tokenExpired and authenticated arrived on it
 */

export class Ledger {
  constructor() {
    /** @type {Entry[]} */
    this.entries = [];
    /** @type {number[]} */
    this.heldMs = [];
    /** @type {Array<{end: number, ms: number}>} */
    this.heldAt = [];
    /** @type {Array<{planner: number, posts: number, ms: number}>} */
    this.episodes = [];
    this.bffFailures = 0;
    /** @type {Record<string, number>} failed host-side requests by status (0: unreachable) */
    this.bffFailureStatus = {};
    // frozen: the drain is over; what settles later (the harness closing the
    // planners) does not count, so a call still pending then stays LOST.
    this.frozen = false;
    /** @type {string[]} */
    this.notes = [];
  }

  /**
   * call runs fn and records its outcome.
   * @template T
   * @param {number} planner
   * @param {string} op
   * @param {Identity} identity
   * @param {() => Promise<T>} fn
   * @param {WriteIntent} [write]
   * @returns {Promise<T | undefined>}
   */
  async call(planner, op, identity, fn, write) {
    /** @type {Entry} */
    const e = { planner, op, identity: identity ? { ...identity } : null, start: Date.now(), end: 0, outcome: 'pending', write };
    this.entries.push(e);
    try {
      const v = await fn();
      if (this.frozen) return v;
      e.outcome = 'ok';
      e.end = Date.now();
      if (write?.kind === 'create' || write?.kind === 'update') {
        const p = /** @type {any} */ (v);
        e.result = { id: p.id, version: p.version };
      }
      return v;
    } catch (err) {
      const x = /** @type {any} */ (err);
      if (this.frozen) return undefined;
      e.end = Date.now();
      e.code = String(x?.code ?? x?.name ?? 'unknown');
      e.status = typeof x?.status === 'number' ? x.status : undefined;
      e.message = typeof x?.message === 'string' ? x.message : '';
      // A failure counts only when the visitor is told why (a non-empty, UI-ready message).
      e.outcome = e.message ? 'failed' : 'pending';
      return undefined;
    }
  }

  /** @param {number} ms */
  held(ms) { this.heldMs.push(ms); this.heldAt.push({ end: Date.now(), ms }); }

  /** @param {number} planner @param {number} posts @param {number} ms */
  expiryEpisode(planner, posts, ms) { this.episodes.push({ planner, posts, ms }); }

  /** @param {unknown} [err] the HostError (its status) or another failure */
  bffFailure(err) {
    if (this.frozen) return; // the stack is being stopped: not the run's
    this.bffFailures++;
    let st = err && typeof err === 'object' && 'status' in err ? String(err.status) : 'other';
    if (st === '0' && err instanceof Error) st = `0 ${err.message.slice(0, 60)}`;
    // A HostError's message starts with the path: /bff/token, /login or /logout.
    else if (err instanceof Error && err.message.startsWith('/')) st = `${st} ${err.message.split(':')[0]}`;
    this.bffFailureStatus[st] = (this.bffFailureStatus[st] ?? 0) + 1;
  }

  /** @param {string} what */
  note(what) { this.notes.push(what); }

  freeze() { this.frozen = true; }

  pending() { return this.entries.filter((e) => e.outcome === 'pending').length; }

  /**
   * check compares the ledger with the projects in the database.
   * @param {ProjectRow[]} rows the demo retailer's projects
   * @param {Array<{planner: number, uid: string, view: Array<{id: string, version: number}> | null, events: Set<string>, since: number, resyncs: number, reconnects: number,
   *   downWindows: Array<{from: number, to: number}>, resyncTimes: number[], sockets: LiveSocket[]}>} listeners
   * @param {Array<{from: number, to: number}>} [faultWindows] timed faults; held times overlapping one (or the 10 s after it) are not "healthy"
   */
  check(rows, listeners, faultWindows = []) {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const calls = { attempted: this.entries.length, succeeded: 0, failed: 0, lost: 0 };
    /** @type {Record<string, number>} */
    const failedBy = {};
    /** @type {any[]} */
    const failedSamples = [];
    for (const e of this.entries) {
      if (e.outcome === 'ok') calls.succeeded++;
      else if (e.outcome === 'failed') {
        calls.failed++;
        failedBy[e.code ?? '?'] = (failedBy[e.code ?? '?'] ?? 0) + 1;
        // The first few of each reason, to read what the visitor was told.
        if ((failedBy[e.code ?? '?'] ?? 0) <= 3) {
          failedSamples.push({ planner: e.planner, op: e.op, code: e.code, status: e.status, message: e.message, identity: e.identity, at: new Date(e.end).toISOString() });
        }
      } else calls.lost++;
    }
    // Acknowledged writes: the last word on each project made here.
    /** @type {Map<string, {version: number | null, uid: string, ambiguousAfter: boolean}>} */
    const want = new Map();
    const writes = this.entries.filter((e) => e.write).sort((a, b) => a.end - b.end);
    let acknowledged = 0;
    for (const e of writes) {
      const w = /** @type {WriteIntent} */ (e.write);
      const id = w.kind === 'create' ? e.result?.id : w.projectId;
      if (e.outcome === 'ok') {
        acknowledged++;
        want.set(id, { version: w.kind === 'delete' ? null : e.result.version, uid: w.uid, ambiguousAfter: false });
      } else if (id && want.has(id) && (e.status === undefined || e.status === 0 || e.status >= 500)) {
        // Sent but unanswered (network, 5xx): it may have landed.
        /** @type {any} */ (want.get(id)).ambiguousAfter = true;
      }
    }
    let missing = 0;
    let wrongVersion = 0;
    /** @type {string[]} */
    const problems = [];
    for (const [id, w] of want) {
      const row = byId.get(id);
      if (w.version === null) {
        if (row && !w.ambiguousAfter) { wrongVersion++; problems.push(`deleted ${id} is still there at v${row.version}`); }
        continue;
      }
      if (!row) {
        if (!w.ambiguousAfter) { missing++; problems.push(`acknowledged ${id} v${w.version} is missing`); }
        continue;
      }
      if (row.version !== w.version && !(w.ambiguousAfter && row.version > w.version)) {
        wrongVersion++;
        problems.push(`${id}: database v${row.version}, acknowledged v${w.version}`);
      }
    }
    // Duplicates: one logical create (one Idempotency-Key, one unique name) landing twice.
    /** @type {Map<string, number>} */
    const names = new Map();
    for (const r of rows) if (r.name.startsWith('soak ')) names.set(r.name, (names.get(r.name) ?? 0) + 1);
    let duplicates = 0;
    for (const [name, n] of names) if (n > 1) { duplicates += n - 1; problems.push(`"${name}" created ${n} times`); }
    // Identity: a project's name carries the uid of the visitor who created it.
    let wrongIdentity = 0;
    for (const r of rows) {
      const m = /^soak p\d+ (\S+) #\d+$/.exec(r.name);
      if (m && m[1] !== r.ownerUid) { wrongIdentity++; problems.push(`${r.id} "${r.name}" belongs to ${r.ownerUid}`); }
    }
    // TokenExpired posts per expiry: 1, plus at most the re-posts the backoff allows in the time waited.
    let extraPosts = 0;
    let unexplained = 0;
    for (const ep of this.episodes) {
      let allowed = 1;
      let t = 0;
      for (let i = 0; t <= ep.ms + 250; i++) {
        t += DEFAULT_BACKOFF[Math.min(i, DEFAULT_BACKOFF.length - 1)];
        if (t <= ep.ms + 250) allowed++;
      }
      if (ep.posts > 1) extraPosts += ep.posts - 1;
      if (ep.posts > allowed) { unexplained++; problems.push(`planner ${ep.planner}: ${ep.posts} TokenExpired in ${ep.ms} ms`); }
    }
    const callMs = this.entries.filter((e) => e.outcome !== 'pending').map((e) => e.end - e.start);
    // lastExpiry is when tokenExpired last arrived on socket s, if no
    // authenticated followed it before s closed (0: its token was good).
    const lastExpiry = (/** @type {LiveSocket} */ s) => {
      const end = s.closedAt ?? Infinity;
      const x = Math.max(0, ...s.expiredAt.filter((t) => t <= end));
      return x > 0 && !s.authenticatedAt.some((t) => t > x && t <= end) ? x : 0;
    };
    const live = listeners.map((l) => {
      const expectedWrites = writes.filter((e) => e.outcome === 'ok' && e.write?.kind !== 'delete' && e.write?.uid === l.uid && e.start > l.since && l.since > 0);
      const expected = expectedWrites.map((e) => `${e.result.id}@${e.result.version}`);
      const received = expected.filter((k) => l.events.has(k)).length;
      const key = (/** @type {Entry} */ e) => `${e.result.id}@${e.result.version}`;
      // A missed event is owed by a socket that had been told "subscribed"
      // (projects) before the write began (the server registers the
      // subscription before it queues that answer) and that afterwards
      // delivered the event of a write begun after this one was answered:
      // the server publishes an event before it answers the write and
      // writes each socket's messages in order, held ones included, so that
      // later event came after this one on the same socket. A socket open to
      // the end owes it too, unless its token had expired then (held until
      // the next authenticate). A socket that closed before passing it owes
      // nothing: the event was still queued or, while the token had
      // expired, held; both die with the socket, and the reconnect's resync
      // repairs the view. A server resync after the write explains it too.
      let unexplained = 0;
      const notOwed = { noSocket: 0, held: 0, queued: 0 };
      for (const e of expectedWrites) {
        if (l.events.has(key(e))) continue;
        if (l.resyncTimes.some((t) => t >= e.start)) continue;
        const subscribed = l.sockets.filter((s) => s.subscribedAt > 0 && s.subscribedAt < e.start && (s.closedAt === null || s.closedAt > e.start));
        const passedIt = (/** @type {LiveSocket} */ s) => expectedWrites.some((w) => w.start > e.end && s.events.has(key(w)));
        const owedBy = subscribed.find((s) => passedIt(s) || (s.closedAt === null && lastExpiry(s) === 0));
        if (owedBy) {
          unexplained++;
          problems.push(`listener planner ${l.planner} (${l.uid}): missed ${key(e)} (written ${new Date(e.end).toISOString()}) while its socket was up` +
            (owedBy.closedAt === null ? ' to the end' : ', which delivered later events'));
          continue;
        }
        if (subscribed.length === 0) { notOwed.noSocket++; continue; }
        // Why the socket did not deliver it, for the report.
        const x = lastExpiry(subscribed[subscribed.length - 1]);
        if (x > 0 && e.end >= x - 1000) notOwed.held++;
        else notOwed.queued++;
      }
      const db = rows.filter((r) => r.ownerUid === l.uid).map((r) => `${r.id}@${r.version}`).sort();
      const view = (l.view ?? []).map((p) => `${p.id}@${p.version}`).sort();
      const matches = JSON.stringify(db) === JSON.stringify(view);
      if (!matches) problems.push(`listener planner ${l.planner} (${l.uid}): view has ${view.length} projects, database ${db.length}`);
      return { planner: l.planner, uid: l.uid, expected: expected.length, received, missedWhileUp: unexplained, notOwed, downWindows: l.downWindows.length,
        resyncs: l.resyncs, reconnects: l.reconnects, viewMatchesDatabase: matches };
    });
    return {
      calls, failedBy, failedSamples, acknowledgedWrites: acknowledged, missing, wrongVersion, duplicates, wrongIdentity,
      tokenExpired: { episodes: this.episodes.length, exactlyOne: this.episodes.filter((e) => e.posts === 1).length, rePosts: extraPosts, unexplained },
      latencyMs: {
        calls: percentiles(callMs), held: percentiles(this.heldMs),
        heldHealthy: percentiles(this.heldAt.filter((h) => !faultWindows.some((w) => h.end - h.ms <= w.to + 10000 && h.end >= w.from)).map((h) => h.ms)),
      },
      live, viewMismatches: live.filter((l) => !l.viewMatchesDatabase).length,
      liveMissedWhileUp: live.reduce((n, l) => n + l.missedWhileUp, 0),
      bffFailures: this.bffFailures, bffFailureStatus: this.bffFailureStatus, notes: this.notes, problems: problems.slice(0, 50),
    };
  }
}

/** @param {number[]} xs */
function percentiles(xs) {
  const s = [...xs].sort((a, b) => a - b);
  /** @param {number} q */
  const at = (q) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0);
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.length ? s[s.length - 1] : 0 };
}

/**
 * failures lists the zero-count assertions a report breaks.
 * @param {ReturnType<Ledger['check']>} r
 */
export function failures(r) {
  /** @type {string[]} */
  const out = [];
  if (r.calls.lost) out.push(`${r.calls.lost} lost calls`);
  if (r.missing) out.push(`${r.missing} acknowledged writes missing`);
  if (r.wrongVersion) out.push(`${r.wrongVersion} at the wrong version`);
  if (r.duplicates) out.push(`${r.duplicates} duplicate creates`);
  if (r.wrongIdentity) out.push(`${r.wrongIdentity} writes under another identity`);
  if (r.tokenExpired.unexplained) out.push(`${r.tokenExpired.unexplained} expiries with unexplained TokenExpired posts`);
  if (r.viewMismatches) out.push(`${r.viewMismatches} live views differ from the database`);
  if (r.liveMissedWhileUp) out.push(`${r.liveMissedWhileUp} live events missed while the socket was up`);
  return out;
}
