// fakes.test.js: the page, clock and token source the SDK's tests share. It
// holds no test; the .test.js name keeps it off the wire (the planner service
// serves static/ except *.test.js), and node --test runs it as an empty file.

import assert from 'node:assert/strict';
import { createPlanner, PROTOCOL_VERSION } from './planner-embed.js';

export const PLANNER = 'http://localhost:8090';
export const HOST = 'http://127.0.0.1:8080';
// Distinct tokens whose middle parts must never reach onEvent.
export const LE_TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJraW5kIjoibGVnYWwtZW50aXR5In0.LEsecretSignature1';
export const LE_TOKEN_2 = 'eyJhbGciOiJFZERTQSJ9.eyJraW5kIjoibGVnYWwtZW50aXR5In1.LEsecretSignature2';
export const USER_TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJraW5kIjoidXNlciJ9.USERsecretSignature1';
export const USER_TOKEN_2 = 'eyJhbGciOiJFZERTQSJ9.eyJraW5kIjoidXNlciJ8.USERsecretSignature2';
export const ALL_TOKENS = [LE_TOKEN, LE_TOKEN_2, USER_TOKEN, USER_TOKEN_2];
export const READY = { event: 'Ready', content: { protocol: PROTOCOL_VERSION, capabilities: ['Authentication', 'Login'] } };

/** settle lets pending promise callbacks run (one macrotask turn, no real waiting). */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

// ---- fakes ----

/** FakeMessageEvent carries what a browser MessageEvent would. */
export class FakeMessageEvent extends Event {
  /** @param {{data: unknown, origin: string, source: unknown}} init */
  constructor({ data, origin, source }) {
    super('message');
    this.data = data;
    this.origin = origin;
    this.source = source;
  }
}

/** FakeWindow is an EventTarget that counts its message listeners. */
export class FakeWindow extends EventTarget {
  listeners = 0;
  /**
   * @param {string} type
   * @param {any} fn
   */
  addEventListener(type, fn) {
    assert.equal(type, 'message');
    this.listeners++;
    super.addEventListener(type, fn);
  }
  /**
   * @param {string} type
   * @param {any} fn
   */
  removeEventListener(type, fn) {
    this.listeners--;
    super.removeEventListener(type, fn);
  }
}

/** FakeContentWindow is an iframe's window: it records what the host posts. */
export class FakeContentWindow {
  /** @type {{msg: any, targetOrigin: string}[]} */
  posts = [];
  /**
   * @param {unknown} msg
   * @param {string} targetOrigin
   */
  postMessage(msg, targetOrigin) {
    this.posts.push({ msg: structuredClone(msg), targetOrigin });
  }
}

export class FakeIframe {
  tagName = 'IFRAME';
  src = '';
  title = '';
  /** @type {Record<string, string>} */
  style = {};
  /** @type {Map<string, string>} */
  attributes = new Map();
  /** @type {FakeContentWindow | null} like a browser: null until the iframe is in the page */
  contentWindow = null;
  /** @type {FakeContainer | null} */
  parentNode = null;
  /** @param {string} name @param {string} value */
  setAttribute(name, value) { this.attributes.set(name, String(value)); }
  /** @param {string} name */
  getAttribute(name) { return this.attributes.get(name) ?? null; }
  remove() {
    if (!this.parentNode) return;
    this.parentNode.children = this.parentNode.children.filter((c) => c !== this);
    this.parentNode = null;
    this.contentWindow = null;
  }
}

export class FakeContainer {
  /** @type {FakeIframe[]} */
  children = [];
  ownerDocument = {
    /** @param {string} tag */
    createElement(tag) {
      assert.equal(tag, 'iframe');
      return new FakeIframe();
    },
  };
  /** @param {FakeIframe} child */
  appendChild(child) {
    this.children.push(child);
    child.parentNode = this;
    child.contentWindow = new FakeContentWindow();
    return child;
  }
}

/** fakeClock runs timers only when a test advances it. */
export function fakeClock() {
  let now = 0;
  let nextId = 1;
  /** @type {Map<number, {at: number, fn: () => void}>} */
  const timers = new Map();
  return {
    timers: {
      /** @param {() => void} fn @param {number} ms */
      setTimeout(fn, ms) {
        const id = nextId++;
        timers.set(id, { at: now + ms, fn });
        return id;
      },
      /** @param {any} id */
      clearTimeout(id) { timers.delete(id); },
    },
    get pending() { return timers.size; },
    get now() { return now; },
    /** advance moves time forward by ms, running due timers in order and letting promises settle. */
    async advance(/** @type {number} */ ms) {
      const end = now + ms;
      for (;;) {
        await settle();
        let due = null;
        for (const [id, t] of timers) {
          if (t.at <= end && (due === null || t.at < due.t.at)) due = { id, t };
        }
        if (due === null) break;
        timers.delete(due.id);
        now = due.t.at;
        due.t.fn();
      }
      now = end;
      await settle();
    },
  };
}

/**
 * tokenSource is a getToken() whose answers the test gives one by one.
 */
export function tokenSource() {
  /** @type {{resolve: (v: any) => void, reject: (e: any) => void}[]} */
  const waiting = [];
  const src = {
    calls: 0,
    /** @returns {Promise<any>} */
    getToken() {
      src.calls++;
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    get waiting() { return waiting.length; },
    /**
     * @param {string} token @param {'user' | 'legal-entity'} kind
     * @param {number} [lifeMs] expiresAt this far ahead of Date.now (tokens.js reads it so); default 15 min
     */
    async answer(token, kind, lifeMs = 15 * 60_000) {
      const w = waiting.shift();
      assert.ok(w, 'no getToken() call is waiting');
      w.resolve({ token, kind, expiresAt: new Date(Date.now() + lifeMs).toISOString() });
      await settle();
    },
    /** @param {string} message */
    async fail(message) {
      const w = waiting.shift();
      assert.ok(w, 'no getToken() call is waiting');
      w.reject(new Error(message));
      await settle();
    },
  };
  return src;
}

/**
 * setup builds a page (window, container, clock) and one planner on it.
 * @param {{win?: FakeWindow, clock?: ReturnType<typeof fakeClock>, plannerUrl?: string,
 *   locale?: string, handshakeTimeoutMs?: number, requestTimeoutMs?: number}} [o]
 */
export function setup(o = {}) {
  const win = o.win ?? new FakeWindow();
  const clock = o.clock ?? fakeClock();
  const container = new FakeContainer();
  const tokens = tokenSource();
  /** @type {any[]} */
  const events = [];
  const planner = createPlanner({
    container: /** @type {any} */ (container),
    plannerUrl: o.plannerUrl ?? PLANNER + '/some/path',
    distribution: 'd_demo 1',
    locale: o.locale,
    getToken: tokens.getToken,
    onEvent: (e) => events.push(structuredClone(e)),
    window: /** @type {any} */ (win),
    timers: clock.timers,
    handshakeTimeoutMs: o.handshakeTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
  });
  const iframe = /** @type {FakeIframe} */ (/** @type {unknown} */ (planner.iframe));
  const frameWindow = /** @type {FakeContentWindow} */ (iframe.contentWindow);
  return {
    win, clock, container, tokens, events, planner, iframe, frameWindow,
    /** posts lists what the host posted to this planner's iframe. */
    get posts() { return frameWindow.posts; },
    /** sent lists the events the host posted, in order. */
    get sent() { return frameWindow.posts.map((p) => p.msg.event); },
    /**
     * fromPlanner delivers a message as this planner's iframe would send it.
     * @param {unknown} data
     * @param {{origin?: string, source?: unknown}} [opt]
     */
    async fromPlanner(data, opt = {}) {
      win.dispatchEvent(new FakeMessageEvent({
        data, origin: opt.origin ?? PLANNER, source: 'source' in opt ? opt.source : frameWindow,
      }));
      await settle();
    },
    /** in lists the inbound events reported to onEvent. */
    get inbound() { return events.filter((e) => e.direction === 'in').map((e) => e.event); },
    get errors() { return events.filter((e) => e.event === 'error').map((e) => e.content); },
  };
}

/** @param {ReturnType<typeof setup>} env */
export async function readyAnonymous(env) {
  await env.fromPlanner(READY);
  await env.tokens.answer(LE_TOKEN, 'legal-entity');
}

/** @param {ReturnType<typeof setup>} env */
export async function readyUser(env) {
  await env.fromPlanner(READY);
  await env.tokens.answer(USER_TOKEN, 'user');
}

/**
 * handled marks p as handled at once (a rejection before the test awaits it
 * is then no unhandled rejection) and returns p itself to await later.
 * @template T
 * @param {Promise<T>} p
 * @returns {Promise<T>}
 */
export function handled(p) {
  p.catch(() => {});
  return p;
}

/**
 * rejection awaits p and returns the error it rejected with.
 * @param {Promise<unknown>} p
 * @returns {Promise<any>}
 */
export async function rejection(p) {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('promise resolved, want a rejection');
}

