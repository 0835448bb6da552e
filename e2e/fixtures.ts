import { test as base, expect, type Page, type FrameLocator, type Request, type TestInfo } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A running demo: planner service + reference host site on free loopback ports. */
export type Demo = {
  hostURL: string; // http://127.0.0.1:PORT
  plannerURL: string; // http://localhost:PORT
  passwords: { alice: string; bob: string };
  secret: string; // the demo retailer's API secret, to prove it never reaches the browser
  apiKey: string; // the demo retailer's API key (from the demo's state file), for minting in node
  distribution: string; // the demo retailer's distribution id
  retailerId: string; // the demo retailer's entity id
  dataDir: string; // the demo's --data directory (planner.db is in it), for admin commands
  stop: () => Promise<void>;
};

// bin: another build of cmd/demo (load.perf.ts compares two); default the one global-setup.ts built.
export type DemoOptions = { tokenTtl?: string; tokenMode?: 'remote' | 'partner-signed'; bin?: string };

/** Starts the demo binary built by global-setup.ts and waits for its banner. */
export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'planner-e2e-'));
  const secret = 'sk_e2e_' + randomBytes(32).toString('base64url');
  const args = ['--planner-addr', 'localhost:0', '--host-addr', '127.0.0.1:0', '--data', dir,
    '--token-ttl', opts.tokenTtl ?? '15m', '--token-mode', opts.tokenMode ?? 'remote'];
  const child: ChildProcess = spawn(opts.bin ?? path.join(here, '.bin', 'demo'), args, {
    env: { ...process.env, PLANNER_API_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${out}\n${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Press Ctrl+C')) { clearTimeout(timer); resolve(out); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`demo exited ${code}: ${out}\n${err}`)); });
  });
  const host = /Open the host site:\s+(\S+)\/plan/.exec(banner);
  const planner = /Planner service:\s+(\S+)/.exec(banner);
  const pw = /alice \/ (\S+)\s+bob \/ (\S+)/.exec(banner);
  if (!host || !planner || !pw) throw new Error(`unexpected demo banner: ${banner}`);
  // The demo keeps its retailer's ids (never the secret) in demo.json.
  const state = JSON.parse(readFileSync(path.join(dir, 'demo.json'), 'utf8')) as { apiKey: string; distributionId: string; retailerId: string };
  return {
    hostURL: host[1], plannerURL: planner[1], passwords: { alice: pw[1], bob: pw[2] }, secret,
    apiKey: state.apiKey, distribution: state.distributionId, retailerId: state.retailerId, dataDir: dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One thing the browser received: a response (its status line, every header
 * and the whole body, whatever its type) or a WebSocket frame.
 */
export type SeenItem = {
  kind: 'response' | 'ws';
  url: string;
  status: number; // 0 for WebSocket frames
  headers: string; // JSON of all headers
  body: string; // latin1, so any byte sequence survives
  bodyRead: boolean; // false when the browser no longer had the body (redirects, aborted loads)
};

/** Every response and WebSocket frame the browser received in a test, for the secret scan. */
export type Seen = SeenItem[];

/**
 * The forms a secret could take in what the browser receives: as is, without
 * its "sk_" prefix, and base64-encoded (e.g. inside a Basic credential).
 */
export function secretForms(secret: string): string[] {
  const forms = [secret, secret.replace(/^sk_/, '')];
  for (const s of [secret, secret.replace(/^sk_/, '')]) forms.push(Buffer.from(s, 'latin1').toString('base64').slice(0, -4));
  return forms;
}

/** The items whose headers or body contain any of needles. */
export function findIn(seen: Seen, needles: string[]): SeenItem[] {
  return seen.filter((s) => needles.some((n) => s.headers.includes(n) || s.body.includes(n)));
}

type Fixtures = { demoOptions: DemoOptions; demo: Demo; seen: Seen };

export const test = base.extend<Fixtures>({
  demoOptions: [{}, { option: true }],
  demo: async ({ demoOptions }, use) => {
    const demo = await startDemo(demoOptions);
    await use(demo);
    await demo.stop();
  },
  // Auto fixture: records every response (headers and body, in every page,
  // popup and frame of the test's context) and every WebSocket frame, then
  // fails the test if the API secret appears in any of them. It also saves a
  // screenshot of the embedded planner.
  seen: [async ({ context, demo }, use, testInfo) => {
    const seen: Seen = [];
    const pending: Promise<void>[] = [];
    context.on('response', (res) => {
      pending.push((async () => {
        const headers = JSON.stringify(await res.allHeaders().catch(() => ({})));
        let body = '';
        let bodyRead = false;
        try {
          body = (await res.body()).toString('latin1');
          bodyRead = true;
        } catch { /* a redirect or an aborted load has no body */ }
        seen.push({ kind: 'response', url: res.url(), status: res.status(), headers, body, bodyRead });
      })());
    });
    const watch = (page: Page) => page.on('websocket', (ws) => {
      ws.on('framereceived', ({ payload }) => {
        const body = typeof payload === 'string' ? payload : payload.toString('latin1');
        seen.push({ kind: 'ws', url: ws.url(), status: 0, headers: '{}', body, bodyRead: true });
      });
    });
    context.pages().forEach(watch);
    context.on('page', watch);
    await use(seen);
    await Promise.all(pending);
    const leaks = findIn(seen, secretForms(demo.secret));
    expect(leaks.map((s) => s.url), 'the API secret reached the browser in these responses').toEqual([]);
    await saveScreenshot(testInfo, context.pages()[0]);
  }, { auto: true }],
});

export { expect };

async function saveScreenshot(testInfo: TestInfo, page: Page | undefined) {
  if (!page || page.isClosed()) return;
  // The embedded planner itself when the page has one, else the whole page.
  const iframe = page.locator('[data-testid="planner-iframe"]').first();
  const file = testInfo.outputPath('planner.png');
  const shot = (await iframe.count().catch(() => 0)) > 0 && (await iframe.isVisible().catch(() => false))
    ? iframe.screenshot({ path: file, timeout: 5_000 })
    : page.screenshot({ path: file, timeout: 5_000 });
  if (await shot.then(() => true, () => false)) {
    await testInfo.attach('planner', { path: file, contentType: 'image/png' }).catch(() => {});
  }
}

/** The planner iframe of the host page. */
export function planner(page: Page): FrameLocator {
  return page.frameLocator('[data-testid="planner-iframe"]');
}

/** Protocol events the host page logged, in order, optionally by direction. */
export async function events(page: Page, direction?: 'in' | 'out'): Promise<string[]> {
  const sel = direction ? `[data-testid="event-log-entry"][data-direction="${direction}"]` : '[data-testid="event-log-entry"]';
  const names = await page.locator(sel).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.event || ''));
  return names.reverse(); // the log shows the newest first
}

/** Waits until the host page has logged event (from the planner by default). */
export async function waitForEvent(page: Page, event: string, direction: 'in' | 'out' = 'in', count = 1) {
  const entries = page.locator(`[data-testid="event-log-entry"][data-direction="${direction}"][data-event="${event}"]`);
  await expect.poll(() => entries.count(), { timeout: 20_000, message: `waiting for ${count}× ${event} (${direction})` }).toBeGreaterThanOrEqual(count);
}


/** planPoint is the page point of a point of the plan, in cm (the SVG's own units). */
export async function planPoint(page: Page, frame: FrameLocator, x: number, y: number) {
  const off = (await page.getByTestId('planner-iframe').boundingBox())!;
  const p = await frame.getByTestId('plan-svg').evaluate((svg, [x, y]) => {
    const q = new DOMPoint(x, y).matrixTransform((svg as SVGSVGElement).getScreenCTM()!);
    return { x: q.x, y: q.y };
  }, [x, y]);
  return { x: off.x + p.x, y: off.y + p.y };
}

/** Opens the host's plan page and waits for the anonymous handshake. */
export async function openPlan(page: Page, demo: Demo) {
  await page.goto(demo.hostURL + '/plan');
  await waitForEvent(page, 'AuthenticationSucceeded');
}

/** Signs in on the host page without leaving it. */
export async function signIn(page: Page, demo: Demo, user: 'alice' | 'bob') {
  await page.getByTestId('login-username').fill(user);
  await page.getByTestId('login-password').fill(demo.passwords[user]);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('signed-in-as')).toHaveText(user);
}

/** How many times the host page logged event in direction. */
export async function countEvents(page: Page, event: string, direction: 'in' | 'out' = 'in'): Promise<number> {
  return page.locator(`[data-testid="event-log-entry"][data-direction="${direction}"][data-event="${event}"]`).count();
}

/** Reads one of the planner iframe's read-only debug getters (window.__planner in static/planner/app.js). */
export async function plannerDebug<T = unknown>(page: Page, key: string): Promise<T> {
  return planner(page).locator('html').evaluate((_el, k) => {
    const dbg = (window as unknown as { __planner?: Record<string, unknown> }).__planner;
    if (!dbg) throw new Error('the planner app has not started (no window.__planner)');
    return dbg[k];
  }, key) as Promise<T>;
}

/**
 * Waits, on real time, until the planner no longer considers its token usable
 * (its exp on the server's clock, minus the gate's margin). Nothing happens in
 * the planner at that moment: the next API call is the one that gets held.
 */
export async function waitForTokenExpiry(page: Page, timeout = 30_000) {
  await expect.poll(() => plannerDebug<boolean>(page, 'tokenUsable'),
    { timeout, intervals: [200], message: 'waiting for the planner token to expire' }).toBe(false);
}

/** Requests of a page (all its frames) recorded from now on. */
export type RequestLog = { requests: Request[]; stop: () => void };

/** Starts recording the page's requests that match. */
export function recordRequests(page: Page, match: (r: Request) => boolean): RequestLog {
  const requests: Request[] = [];
  const on = (r: Request) => { if (match(r)) requests.push(r); };
  page.on('request', on);
  return { requests, stop: () => page.off('request', on) };
}

/** The POST /bff/token requests of the host page. */
export function isTokenRequest(demo: Demo) {
  return (r: Request) => r.method() === 'POST' && r.url() === demo.hostURL + '/bff/token';
}

/** API requests of the planner iframe, e.g. isApiRequest(demo, 'POST', '/v1/projects'). */
export function isApiRequest(demo: Demo, method: string, pathPrefix: string) {
  return (r: Request) => r.method() === method && r.url().startsWith(demo.plannerURL + pathPrefix);
}

/**
 * The claims of the bearer token a request carried (decoded, not verified),
 * or null when it carried none.
 */
export async function bearerClaims(r: Request): Promise<Record<string, unknown> | null> {
  const auth = (await r.allHeaders())['authorization'] || '';
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(auth);
  if (!m) return null;
  return JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8'));
}

/** The distribution id the host's plan page embeds the planner for (its #plan-config JSON). */
export async function distributionOf(demo: Demo): Promise<string> {
  const res = await fetch(demo.hostURL + '/plan');
  const html = await res.text();
  const m = /<script[^>]*id="plan-config"[^>]*>([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('the plan page has no #plan-config');
  const d = JSON.parse(m[1]).distribution;
  if (typeof d !== 'string' || d === '') throw new Error('#plan-config has no distribution');
  return d;
}

/**
 * Mints a token in node, as a BFF does (POST /v1/tokens with the demo
 * retailer's API key and secret): for tests that need a valid token outside
 * the host page.
 */
export async function mintToken(demo: Demo, opts: { kind?: 'legal-entity' | 'user'; userId?: string; access?: 'read' | 'write'; ttl?: number } = {}): Promise<string> {
  const form = new URLSearchParams({ api_key: demo.apiKey, api_secret: demo.secret, kind: opts.kind ?? 'legal-entity' });
  if (opts.userId) form.set('user_id', opts.userId);
  if (opts.access) form.set('access', opts.access);
  if (opts.ttl) form.set('ttl', String(opts.ttl));
  const res = await fetch(demo.plannerURL + '/v1/tokens', { method: 'POST', body: form });
  if (!res.ok) throw new Error(`POST /v1/tokens answered ${res.status}: ${await res.text()}`);
  const { token } = await res.json() as { token: string };
  return token;
}

/** Calls the planner API in node with a bearer token; the parsed JSON body and the status. */
export async function apiGet<T = unknown>(demo: Demo, token: string, pathAndQuery: string): Promise<{ status: number; body: T }> {
  const res = await fetch(demo.plannerURL + pathAndQuery, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  return { status: res.status, body: await res.json().catch(() => null) as T };
}
