// planner.mjs: one virtual planner. It runs the real planner shell of
// static/planner/ (app.js: bridge, session, token gate, API client, live
// client) with Node's fetch and the ws WebSocket, a view that only records,
// and a stand-in for the host page around the iframe that plays the host
// SDK's part (static/embed/tokens.js): one getToken() per need however many
// TokenExpired arrive, TokenRefreshed when the kind did not change, Login /
// Logout + Authentication when it did.
//
// The virtual visitor's own calls go through createApi over the app's own
// gate, so every one of them is held, released or failed by the real gate;
// the ledger records each of them.

import { WebSocket as WS } from 'ws';
import { createApp } from '../../static/planner/app.js';
import { createApi } from '../../static/planner/api.js';
import { createTokenGate } from '../../static/planner/token-gate.js';
import { liveURL } from '../../static/planner/live.js';
import { brokenGate } from './broken-gate.mjs';

/**
 * @typedef {import('./host.mjs').Browser} Browser
 * @typedef {import('./ledger.mjs').Ledger} Ledger
 * @typedef {{plannerURL: string, hostURL: string, distribution: string, retailerName: string}} Target
 */

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

export class VirtualPlanner {
  /**
   * @param {object} o
   * @param {number} o.index
   * @param {Target} o.target
   * @param {Browser} o.browser
   * @param {Ledger} o.ledger
   * @param {number} o.skewMs client clock minus real clock
   * @param {'guest' | 'user' | 'listener'} o.role
   * @param {Record<string, string>} o.passwords
   * @param {string} o.user the user this tab signs in as ('' for a guest)
   * @param {string} [o.breakGate] harness-only: 'drop-held' | 'replay-held'
   * @param {() => number} o.random
   * @param {number} [o.switchRate] share of a signed-in tab's actions that switch users while a write is held
   */
  constructor({ index, target, browser, ledger, skewMs, role, passwords, user, breakGate, random, switchRate = 0.04 }) {
    this.switchRate = switchRate;
    Object.assign(this, { index, target, browser, ledger, skewMs, role, passwords, user, random });
    this.index = index; this.target = target; this.browser = browser; this.ledger = ledger;
    this.skewMs = skewMs; this.role = role; this.passwords = passwords; this.user = user; this.random = random;
    this.breakGate = breakGate ?? '';
    /** @type {Set<any>} */
    this.sockets = new Set();
    /** @type {Map<string, {id: string, version: number, uid: string}>} projects this tab made and keeps */
    this.mine = new Map();
    this.created = 0;
    /** @type {{kind: string, uid: string} | null} what the stand-in last handed the planner */
    this.posted = null;
    /** @type {Promise<void> | null} the stand-in's one token request in flight */
    this.need = null;
    /** @type {(() => void) | null} createWhileSwitching's write, made at the next TokenExpired */
    this.onExpiry = null;
    this.switching = false;
    /** @type {{start: number, posts: number} | null} the current expiry episode as the host sees it */
    this.episode = null;
    /** @type {number | null} */
    this.waitingSince = null;
    /** @type {Set<string>} project events (id@version) this tab's live socket received */
    this.liveEvents = new Set();
    this.liveSubscribedAt = 0;
    /** @type {Array<{from: number, to: number}>} times this tab's live socket was down (closed → subscribed again) */
    this.downWindows = [];
    /** @type {number | null} */
    this.downSince = null;
    /** @type {number[]} when the server told this tab to resync */
    this.resyncTimes = [];
    /** @type {import('./ledger.mjs').LiveSocket[]} every live socket this tab opened, oldest first */
    this.liveSockets = [];
    this.reconnects = 0;
    this.socketsOpened = 0;
    this.resyncs = 0;
    this.viewProjects = /** @type {Array<{id: string, version: number}> | null} */ (null);
    this.alerts = 0;
    this.stopped = false;
  }

  /** start builds the planner app and lets the host stand-in answer its Ready. */
  start() {
    const skew = this.skewMs;
    const clock = {
      now: () => Date.now() + skew,
      setTimeout: (/** @type {() => void} */ fn, /** @type {number} */ ms) => setTimeout(fn, ms),
      clearTimeout: (/** @type {any} */ h) => clearTimeout(h),
    };
    const self = this;
    /** @type {Set<(ev: any) => void>} */
    const listeners = new Set();
    const parent = { postMessage: (/** @type {any} */ msg, /** @type {string} */ origin) => self.onPlannerMessage(msg, origin) };
    this.win = {
      addEventListener: (/** @type {string} */ _t, /** @type {(ev: any) => void} */ fn) => { listeners.add(fn); },
      removeEventListener: (/** @type {string} */ _t, /** @type {(ev: any) => void} */ fn) => { listeners.delete(fn); },
      /** @param {any} data */
      dispatch: (data) => { for (const fn of listeners) fn({ data, origin: self.hostOrigin, source: parent }); },
    };
    this.hostOrigin = new URL(this.target.hostURL).origin;
    class SoakSocket extends WS {
      /** @param {string} url */
      constructor(url) {
        super(url);
        self.sockets.add(this);
        if (self.socketsOpened++ > 0) self.reconnects++;
        /** @type {import('./ledger.mjs').LiveSocket} */
        const rec = { subscribedAt: 0, closedAt: null, events: new Set(), expiredAt: [], authenticatedAt: [] };
        self.liveSockets.push(rec);
        this.addEventListener('close', () => {
          self.sockets.delete(this);
          rec.closedAt = Date.now();
          if (self.downSince === null) self.downSince = Date.now();
        });
        this.addEventListener('message', (/** @type {any} */ ev) => self.onLiveMessage(String(ev.data), rec));
      }
    }
    /** @param {import('../../static/planner/token-gate.js').TokenGateOptions} opts */
    const createGate = (opts) => {
      const onState = opts.onState;
      const gate = (this.breakGate ? brokenGate(this.breakGate) : createTokenGate)({
        ...opts,
        onState: (state) => {
          const now = Date.now();
          if (state === 'waiting' && this.waitingSince === null) this.waitingSince = now;
          if (state !== 'waiting' && this.waitingSince !== null) {
            if (state === 'ok') this.ledger.held(now - this.waitingSince);
            this.waitingSince = null;
          }
          // An expiry episode, as the gate has it, ends when no call waits any
          // more (released, or failed after the hold deadline).
          if (state !== 'waiting') this.closeEpisode();
          onState?.(state);
        },
      });
      this.gate = gate;
      return gate;
    };
    const view = {
      status: () => {},
      alert: (/** @type {string | null} */ m) => { if (m !== null) this.alerts++; },
      catalog: () => {},
      projects: (/** @type {any} */ p) => { this.viewProjects = p.signedIn ? p.items.map((/** @type {any} */ i) => ({ id: i.id, version: i.version })) : null; },
    };
    const plannerOrigin = new URL(this.target.plannerURL);
    const wsBase = `ws://${plannerOrigin.host}/ws`;
    this.app = createApp({
      config: {
        origins: [this.hostOrigin], apiBase: this.target.plannerURL, distribution: this.target.distribution,
        retailerName: this.target.retailerName, locale: 'en', liveUrl: liveURL(wsBase, this.target.distribution),
      },
      view, win: this.win, parent, clock, fetch: /** @type {any} */ (globalThis.fetch), WebSocket: /** @type {any} */ (SoakSocket),
      createGate: /** @type {any} */ (createGate),
    });
    this.app.mountEditor(() => ({ load() {}, clear() {}, destroy() {}, identityChanged() {} }));
    this.api = createApi(/** @type {any} */ (this.gate));
  }

  /**
   * onPlannerMessage is the host page's listener: what the planner posts.
   * @param {{event: string, content: any}} msg
   * @param {string} targetOrigin
   */
  onPlannerMessage(msg, targetOrigin) {
    if (targetOrigin !== this.hostOrigin) this.ledger.note('posted to a wrong origin');
    if (this.stopped) return;
    switch (msg.event) {
      case 'Ready':
      case 'AuthenticationRequired':
        this.answerNeed();
        return;
      case 'TokenExpired':
        if (this.episode === null) this.episode = { start: Date.now(), posts: 0 };
        this.episode.posts++;
        if (this.onExpiry) {
          const fn = this.onExpiry;
          this.onExpiry = null;
          this.switching = true;
          fn();
          void this.switchUser().finally(() => { this.switching = false; });
          return;
        }
        this.answerNeed();
    }
  }

  /**
   * @param {string} text
   * @param {import('./ledger.mjs').LiveSocket} rec the socket it came on
   */
  onLiveMessage(text, rec) {
    let m;
    try { m = JSON.parse(text); } catch { return; }
    const now = Date.now();
    if (m.type === 'tokenExpired') rec.expiredAt.push(now);
    if (m.type === 'authenticated') rec.authenticatedAt.push(now);
    if (m.type === 'subscribed' && m.payload?.topic === 'projects') {
      if (!rec.subscribedAt) rec.subscribedAt = now;
      if (!this.liveSubscribedAt) this.liveSubscribedAt = Date.now();
      if (this.downSince !== null) this.downWindows.push({ from: this.downSince, to: Date.now() });
      this.downSince = null;
    }
    if (m.type === 'resync') { this.resyncs++; this.resyncTimes.push(Date.now()); }
    if (m.type === 'event' && m.payload?.topic === 'projects') {
      const k = `${m.payload.id}@${m.payload.version}`;
      this.liveEvents.add(k);
      rec.events.add(k);
    }
  }

  /**
   * post sends a host command into the planner.
   * @param {string} event
   * @param {unknown} [content]
   */
  post(event, content = {}) { this.win?.dispatch({ event, content }); }

  /** answerNeed gets one token for the planner's need, single-flight. */
  answerNeed() {
    if (this.need || this.switching) return;
    this.need = (async () => {
      try {
        const t = await this.browser.token();
        if (this.stopped) return;
        this.hand(t);
      } catch (err) {
        // The planner re-posts TokenExpired with backoff; each re-post asks again.
        this.ledger.bffFailure(err);
      } finally {
        this.need = null;
      }
    })();
  }

  /**
   * hand posts a token the way the SDK would: TokenRefreshed for the same kind.
   * @param {{token: string, kind: string}} t
   */
  hand(t) {
    const before = this.posted;
    this.posted = { kind: t.kind, uid: '' };
    if (before === null) this.post(t.kind === 'user' ? 'Login' : 'Authentication', { token: t.token });
    else if (before.kind === t.kind) this.post('TokenRefreshed', { token: t.token });
    else if (t.kind === 'user') this.post('Login', { token: t.token });
    else {
      this.post('Logout');
      this.post('Authentication', { token: t.token });
    }
  }

  /** closeEpisode records the TokenExpired posts of the episode that just ended. */
  closeEpisode() {
    if (!this.episode) return;
    this.ledger.expiryEpisode(this.index, this.episode.posts, Date.now() - this.episode.start);
    this.episode = null;
  }

  /** signIn signs this tab's browser in (if it is not) and hands the planner the user token. */
  async signIn() {
    if (this.browser.user !== this.user) await this.browser.login(this.user, this.passwords[this.user]);
    this.hand(await this.browser.token());
  }

  /** signOut signs the browser out and hands the planner a guest token (SDK logout()). */
  async signOut() {
    await this.browser.logout();
    this.posted = null;
    this.post('Logout');
    this.hand(await this.browser.token());
  }

  /**
   * switchUser: while the planner waits for a token, the visitor signs out
   * and the other demo user signs in on this browser; the answer is Logout
   * then Login, as the SDK's logout() and login() would post them.
   */
  async switchUser() {
    try {
      const next = this.user === 'alice' ? 'bob' : 'alice';
      await this.browser.logout();
      this.post('Logout');
      this.user = next;
      await this.browser.login(next, this.passwords[next]);
      const t = await this.browser.token();
      this.posted = { kind: t.kind, uid: '' };
      this.post('Login', { token: t.token });
    } catch (err) {
      this.ledger.bffFailure(err);
      this.switching = false;
      this.answerNeed();
    }
  }

  /** identity is who the gate speaks for now (read in the same tick as a call). */
  identity() { return this.gate?.identity ?? null; }

  /**
   * call runs one API call through the ledger.
   * @template T
   * @param {string} op
   * @param {() => Promise<T>} fn
   * @param {object} [write] what an acknowledged write means
   * @returns {Promise<T | undefined>}
   */
  async call(op, fn, write) {
    const id = this.identity();
    return this.ledger.call(this.index, op, id, fn, write);
  }

  /** browse reads the catalog as a visitor does. */
  async browse() {
    const cats = await this.call('categories', () => this.api.categories());
    const cat = cats?.[Math.floor(this.random() * cats.length)];
    const page = await this.call('products', () => this.api.products({ category: cat?.id, limit: 20 }));
    const p = page?.products?.[Math.floor(this.random() * page.products.length)];
    if (p) await this.call('product', () => this.api.product(p.id));
    return page?.products ?? [];
  }

  /**
   * doc is a project document this tab writes; name carries who made it.
   * @param {string} uid
   * @param {number} n
   * @param {Array<{id: string}>} products
   */
  doc(uid, n, products) {
    const items = products.slice(0, 1 + Math.floor(this.random() * 3)).map((p, i) => ({
      id: `i${i}`, productId: p.id, x: 100 + i * 50, y: 100, rotation: /** @type {0} */ (0),
    }));
    return { name: `soak p${this.index} ${uid} #${n}`, room: { width: 400 + n, depth: 300 }, items };
  }

  /** @param {Array<{id: string}>} products */
  async create(products) {
    const id = this.identity();
    if (!id || id.kind !== 'user') return;
    const n = ++this.created;
    const doc = this.doc(id.uid, n, products);
    const p = await this.ledger.call(this.index, 'create', id, () => this.api.createProject(doc), { kind: 'create', name: doc.name, uid: id.uid });
    if (p) this.mine.set(p.id, { id: p.id, version: p.version, uid: id.uid });
  }

  /** @param {Array<{id: string}>} products */
  async update(products) {
    const id = this.identity();
    const mine = [...this.mine.values()].filter((m) => id && m.uid === id.uid);
    const m = mine[Math.floor(this.random() * mine.length)];
    if (!m || !id) return;
    const doc = this.doc(id.uid, ++this.created, products);
    const p = await this.ledger.call(this.index, 'update', id, () => this.api.updateProject(m.id, m.version, doc),
      { kind: 'update', projectId: m.id, uid: id.uid });
    if (p) m.version = p.version;
  }

  async remove() {
    const id = this.identity();
    const mine = [...this.mine.values()].filter((m) => id && m.uid === id.uid);
    const m = mine[Math.floor(this.random() * mine.length)];
    if (!m || !id) return;
    const ok = await this.ledger.call(this.index, 'delete', id, () => this.api.deleteProject(m.id, m.version).then(() => true),
      { kind: 'delete', projectId: m.id, uid: id.uid });
    if (ok) this.mine.delete(m.id);
  }

  /**
   * createWhileSwitching: wait for the token to run out, make a write, and
   * have the host switch users before it answers; the write must fail with
   * identity_changed, never land as the next user.
   * @param {Array<{id: string}>} products
   */
  async createWhileSwitching(products) {
    /** @type {Promise<void>} */
    const done = new Promise((resolve) => {
      // Run at the next TokenExpired, whichever call made it: the token is
      // unusable then, so this create is held.
      this.onExpiry = () => { this.create(products).then(() => resolve()); };
    });
    await Promise.race([done, sleep(25000)]);
    this.onExpiry = null;
  }

  /**
   * run is the visitor's life until stop(): think, act, think.
   * @param {() => boolean} running
   */
  async run(running) {
    const think = () => sleep(300 + this.random() * 1700);
    // A listener must end up signed in to have a view to check: like a host
    // page whose SDK retries getToken, it tries again (the BFF may be
    // refusing for a moment: its per-user limit, an outage) until it is in.
    for (let attempt = 0; this.role !== 'guest' && running(); attempt++) {
      try {
        await this.signIn();
        break;
      } catch (err) {
        this.ledger.bffFailure(err);
        if (this.role !== 'listener') break;
        await sleep(Math.min(4000, 500 * 2 ** attempt));
      }
    }
    let products = /** @type {Array<{id: string}>} */ ([]);
    const signedIn0 = () => this.identity()?.kind === 'user';
    while (running()) {
      await think();
      if (!running()) break;
      if (this.role === 'user' && signedIn0() && products.length && this.random() < this.switchRate) {
        await this.createWhileSwitching(products);
        continue;
      }
      const r = this.random();
      const signedIn = this.identity()?.kind === 'user';
      try {
        if (!signedIn || r < 0.35) {
          const got = await this.browse();
          if (got.length) products = got;
          if (this.role === 'user' && !signedIn && this.random() < 0.3) await this.signIn();
          continue;
        }
        if (products.length === 0) continue;
        if (r < 0.6) await this.create(products);
        else if (r < 0.8) await this.update(products);
        else if (r < 0.9) await this.remove();
        else if (r < 0.93) await this.call('projects', () => this.api.projects());
        else if (this.role === 'user' && r < 0.96) await this.signOut();
      } catch (err) {
        this.ledger.bffFailure(err);
      }
    }
  }

  /** dropSockets closes this tab's live sockets without a close frame. */
  dropSockets() {
    for (const s of this.sockets) s.terminate();
  }

  stop() {
    this.stopped = true;
    this.app?.destroy();
  }
}
