import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleMessage, Frame, Page } from '@playwright/test';
import {
  test, expect, planner, countEvents, openPlan, signIn, waitForEvent, plannerDebug,
  recordRequests, mintToken, apiGet, type Demo,
} from './fixtures';

// 6. Origins: a page on an unregistered origin cannot frame the planner (CSP
// frame-ancestors: the planner app never starts there); messages from a
// window that is not the planner's parent are ignored even with a valid
// token; and nothing the planner posts reaches such a window.
//
// The demo registers exactly its host site's origin, http://127.0.0.1:HOST_PORT.
// `localhost` is another site than `127.0.0.1`, and another port is another
// origin of the same site: both are unregistered.

const here = path.dirname(fileURLToPath(import.meta.url));

// A tiny server for the fixture pages in e2e/pages, on 127.0.0.1 and a port
// of its own: an origin nobody registered.
let server: Server;
let otherOrigin: string;
test.beforeAll(async () => {
  server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    if (!/^[\w-]+\.html$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(path.join(here, 'pages', name));
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no server address');
  otherOrigin = `http://127.0.0.1:${addr.port}`;
});
test.afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** The page's child frame (where the planner was to be), once attached. */
async function childFrame(page: Page): Promise<Frame> {
  let frame: Frame | undefined;
  await expect.poll(() => {
    frame = page.frames().find((f) => f.parentFrame() === page.mainFrame());
    return frame !== undefined;
  }).toBe(true);
  return frame!;
}

/** Resolves with the console message in which the browser refuses to frame the planner. */
function frameRefusal(page: Page, demo: Demo): Promise<ConsoleMessage> {
  return page.waitForEvent('console', {
    predicate: (m) => m.text().includes('frame-ancestors') && m.text().includes(demo.plannerURL),
    timeout: 15_000,
  });
}

const unregistered = [
  {
    name: 'the host site itself under the other loopback name (localhost, same port)',
    url: (demo: Demo) => demo.hostURL.replace('127.0.0.1', 'localhost') + '/plan',
  },
  {
    name: 'a page on the registered host name but another port',
    url: (demo: Demo) => `${otherOrigin}/unregistered-embed.html?planner=${encodeURIComponent(demo.plannerURL)}&d=${encodeURIComponent(demo.distribution)}`,
  },
];

for (const { name, url } of unregistered) {
  test(`an unregistered origin cannot frame the planner: ${name}`, async ({ page, demo }) => {
    const target = url(demo);
    const origin = new URL(target).origin;
    expect(origin).not.toBe(demo.hostURL);
    const plannerPage = page.waitForResponse((r) => r.url().startsWith(demo.plannerURL + '/planner?'));
    const plannerCode = recordRequests(page, (r) => r.url().startsWith(demo.plannerURL + '/static/planner/') || r.url().startsWith(demo.plannerURL + '/v1/'));
    const refused = frameRefusal(page, demo);
    await page.goto(target);

    // The planner answered, with a policy naming only the registered origin...
    const res = await plannerPage;
    expect(res.status()).toBe(200);
    const csp = (await res.allHeaders())['content-security-policy'] ?? '';
    const ancestors = /frame-ancestors ([^;]*)/.exec(csp)?.[1].trim().split(/\s+/);
    expect(ancestors).toEqual([demo.hostURL]);
    expect(ancestors).not.toContain(origin);

    // ...and the browser refused to show it here: the app never started.
    const refusal = await refused;
    expect(refusal.text()).toContain('frame-ancestors');
    const frame = await childFrame(page);
    await expect.poll(() => frame.evaluate(() => typeof (window as unknown as { __planner?: unknown }).__planner)
      .catch(() => 'unreachable')).not.toBe('object');
    expect(frame.url()).not.toContain('/planner?');
    expect(plannerCode.requests.map((r) => r.url())).toEqual([]);

    // Nothing from the planner arrived on this page.
    if (await page.getByTestId('event-log').count() > 0) {
      // The real host page: its SDK logged no Ready, so it never sent a token.
      expect(await countEvents(page, 'Ready')).toBe(0);
      expect(await countEvents(page, 'Authentication', 'out')).toBe(0);
    } else {
      // The fixture page: it records every message; a control message shows it listens.
      await page.evaluate(() => window.postMessage({ control: true }, location.origin));
      await expect.poll(() => page.evaluate(() => (window as unknown as { received: unknown[] }).received.length)).toBe(1);
      expect(await page.evaluate(() => (window as unknown as { received: unknown[] }).received)).toEqual([{ origin, data: { control: true } }]);
      // Posting a valid token into the refused frame reaches no planner either.
      const token = await mintToken(demo);
      await page.evaluate((t) => (window as unknown as { postToPlanner: (e: string, c: unknown) => void }).postToPlanner('Authentication', { token: t }), token);
      expect(plannerCode.requests.map((r) => r.url())).toEqual([]);
    }
  });
}

test('messages from a window that is not the planner\'s parent are ignored, even with valid tokens; the planner posts nothing to it', async ({ page, context, demo }) => {
  await openPlan(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  const frame = planner(page);
  await expect(frame.getByTestId('status')).toHaveText('Signed in as alice');
  const hostOrigin = demo.hostURL;
  const plannerOrigin = demo.plannerURL;

  // Valid tokens of this very retailer: a guest's and bob's (with write access).
  const guestToken = await mintToken(demo);
  const bobToken = await mintToken(demo, { kind: 'user', userId: 'bob', access: 'write' });
  expect((await apiGet(demo, guestToken, '/v1/me')).status).toBe(200);
  expect((await apiGet(demo, bobToken, '/v1/me')).body).toMatchObject({ kind: 'user', uid: 'bob' });

  // A window on an unregistered origin, opened by the host page: it holds a
  // reference to the host (opener) and so to the planner iframe (opener.frames[0]).
  const popupOpened = context.waitForEvent('page');
  await page.evaluate((u) => { (window as unknown as { evil: Window | null }).evil = window.open(u, 'evil'); }, `${otherOrigin}/evil-popup.html`);
  const evil = await popupOpened;
  await evil.waitForLoadState();
  await expect(evil.getByTestId('evil-title')).toBeVisible();
  expect(new URL(evil.url()).origin).toBe(otherOrigin);
  const received = () => evil.evaluate(() => (window as unknown as { received: { origin: string; data: unknown }[] }).received);

  const before = await plannerDebug<{ received: number; accepted: number; dropped: { source: number; shape: number; origin: number } }>(page, 'bridgeStats');
  const meChecks = recordRequests(page, (r) => r.url().startsWith(demo.plannerURL + '/v1/me'));
  const eventsBefore = await page.getByTestId('event-log-entry').count();
  const basketBefore = await page.getByTestId('basket-count').textContent();

  // Into the planner: every host command, with valid tokens.
  const attack = [
    { event: 'Authentication', content: { token: guestToken } },
    { event: 'Login', content: { token: bobToken } },
    { event: 'TokenRefreshed', content: { token: bobToken } },
    { event: 'Logout', content: {} },
    { event: 'SetUpSettings', content: { locale: 'fr', currency: 'USD' } },
  ];
  expect(await evil.evaluate(([o, m]) => (window as unknown as { attackPlanner: (o: string, m: unknown[]) => number }).attackPlanner(o as string, m as unknown[]), [plannerOrigin, attack] as const)).toBe(attack.length);
  // Into the host page: planner-looking events, which its SDK must drop too.
  const fake = [
    { event: 'AddToBasket', content: { items: [{ productId: 'sofa-oslo-3', quantity: 9, unitPrice: 1 }] } },
    { event: 'TokenExpired', content: { kind: 'user' } },
    { event: 'LoginSucceeded', content: { kind: 'user', uid: 'mallory' } },
  ];
  expect(await evil.evaluate(([o, m]) => (window as unknown as { attackHost: (o: string, m: unknown[]) => number }).attackHost(o as string, m as unknown[]), [hostOrigin, fake] as const)).toBe(fake.length);

  // The planner saw every one and dropped it, for its source: none was acted on.
  await expect.poll(async () => (await plannerDebug<typeof before>(page, 'bridgeStats')).dropped.source)
    .toBe(before.dropped.source + attack.length);
  const after = await plannerDebug<typeof before>(page, 'bridgeStats');
  expect(after.accepted).toBe(before.accepted);
  expect(after.received).toBe(before.received + attack.length);
  expect(await plannerDebug(page, 'identity')).toEqual({ kind: 'user', uid: 'alice' });
  expect(await plannerDebug(page, 'settings')).toMatchObject({ locale: 'en', currency: '' });
  expect(await plannerDebug(page, 'hostOrigin')).toBe(hostOrigin);
  await expect(frame.getByTestId('status')).toHaveText('Signed in as alice');
  expect(meChecks.requests).toHaveLength(0); // not even checked with the API

  // Alice's session goes on: she saves a project, so the planner posts to its
  // host (ProjectSavingSucceeded) after the attack.
  const name = `Mine, not theirs ${Date.now()}`;
  await frame.getByTestId('new-project-name').fill(name);
  await frame.getByTestId('new-project-create').click();
  await waitForEvent(page, 'ProjectSavingSucceeded');
  await expect(frame.getByTestId('project-name').filter({ hasText: name })).toHaveCount(1);

  // The host logged only its own conversation with the planner: nothing the
  // popup sent, no refusals, no second sign-in, no basket.
  const log = await page.getByTestId('event-log-entry').evaluateAll((els) => els.map((e) => `${(e as HTMLElement).dataset.direction} ${(e as HTMLElement).dataset.event}`));
  const newEntries = log.slice(0, log.length - eventsBefore).reverse(); // the log shows the newest first
  expect(newEntries).toEqual(['in ProjectSavingSucceeded']);
  for (const ev of ['AuthenticationFailed', 'LoginFailed', 'AddToBasket', 'TokenExpired']) expect(await countEvents(page, ev)).toBe(0);
  expect(await countEvents(page, 'LoginSucceeded')).toBe(1);
  expect(await page.getByTestId('basket-count').textContent()).toBe(basketBefore);

  // Nothing the planner posted reached the popup. A control message from the
  // host page shows the popup does listen.
  await page.evaluate((o) => (window as unknown as { evil: Window }).evil.postMessage({ control: true }, o), otherOrigin);
  await expect.poll(async () => (await received()).length).toBe(1);
  expect(await received()).toEqual([{ origin: hostOrigin, data: { control: true } }]);
});
