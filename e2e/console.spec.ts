import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { test, expect, openPlan, planner, findIn, secretForms, signIn as hostSignIn, waitForEvent, countEvents, type Demo } from './fixtures';
import type { Page, WebSocket } from '@playwright/test';

const here = path.dirname(fileURLToPath(import.meta.url));

/** admin runs the planner CLI on the demo's database and returns its JSON. */
function admin(demo: Demo, ...args: string[]): any {
  const out = execFileSync(path.join(here, '.bin', 'planner'), [...args, '--db', path.join(demo.dataDir, 'planner.db')], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** signIn signs a console user in and replaces the one-time password. */
async function signIn(page: Page, demo: Demo, email: string, oneTime: string) {
  await page.goto(demo.plannerURL + '/console');
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(oneTime);
  await page.getByTestId('signin-submit').click();
  await page.getByLabel('Current password').fill(oneTime);
  await page.getByTestId('password-next').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('dash-state')).toHaveText('Live');
}

test('staff see the dashboard move while a visitor plans; another retailer sees none of it', async ({ page, demo, browser }) => {
  test.setTimeout(150_000);
  const staff = admin(demo, 'console', 'user', 'add', '--entity', demo.retailerId, '--email', 'staff@demo.example');
  await signIn(page, demo, 'staff@demo.example', staff.oneTimePassword);
  await expect(page.getByTestId('console-retailer')).toHaveText('Nordlys Home') // the demo's retailer (cmd/demo);
  await expect(page.getByTestId('console-frame-ancestors')).toContainText(demo.hostURL);
  await expect(page.getByTestId('dash-sockets')).toHaveText('1'); // the dashboard's own

  // A visitor in another browser context opens the planner.
  const visitor = await browser.newContext({ viewport: { width: 1400, height: 900 } }); // the config's, so the side pane shows
  const vpage = await visitor.newPage();
  await openPlan(vpage, demo);
  await expect(page.getByTestId('dash-open')).toHaveText('1');
  await expect(page.getByTestId('dash-opened')).toHaveText('1');
  await expect(page.getByTestId('chart-opened').locator('path')).toHaveAttribute('d', /L/);

  // The visitor adds products, signs in on the host, saves and sends the room to the basket;
  // the planner reports in batches (at most one every 20 s), so the dashboard follows within one.
  const vframe = planner(vpage);
  await vframe.getByTestId('product-add').first().click();
  await vframe.getByTestId('product-add').first().click();
  await vframe.getByTestId('add-to-basket').click();
  await waitForEvent(vpage, 'AddToBasket');
  await hostSignIn(vpage, demo, 'alice');
  await waitForEvent(vpage, 'LoginSucceeded');
  await vframe.getByTestId('new-project-name').fill(`Console ${Date.now()}`);
  await vframe.getByTestId('new-project-create').click();
  await waitForEvent(vpage, 'ProjectSavingSucceeded');
  await expect(page.getByTestId('dash-saves')).toHaveText(/^[1-9]/, { timeout: 30_000 }); // created, and maybe saved since
  await expect(page.getByTestId('dash-added')).toHaveText('2', { timeout: 30_000 });
  await expect(page.getByTestId('dash-baskets')).toHaveText('1', { timeout: 30_000 });
  await expect(page.getByTestId('dash-signedin')).toHaveText('1', { timeout: 30_000 });
  await expect(page.getByTestId('dash-value')).not.toHaveText('—');

  // Another retailer's staff, signed in meanwhile, sees nothing of it.
  const other = admin(demo, 'entity', 'create', '--name', 'Other Shop', '--origin', 'https://other.example');
  const otherStaff = admin(demo, 'console', 'user', 'add', '--entity', other.id, '--email', 'staff@other.example');
  const opage = await (await browser.newContext()).newPage();
  await signIn(opage, demo, 'staff@other.example', otherStaff.oneTimePassword);
  await expect(opage.getByTestId('console-retailer')).toHaveText('Other Shop');
  await expect(opage.getByTestId('dash-opened')).toHaveText('0');
  await expect(opage.getByTestId('dash-open')).toHaveText('0');
  for (const id of ['dash-added', 'dash-saves', 'dash-baskets', 'dash-signedin']) await expect(opage.getByTestId(id)).toHaveText('0');
  await expect(opage.getByTestId('dash-value')).toHaveText('—');
  await expect(opage.getByTestId('console-api-key')).not.toHaveText(demo.apiKey);
  await expect(opage.getByTestId('catalog-products')).toHaveCount(1);
  await expect(opage.getByTestId('catalog-product')).toHaveCount(0); // the other shop has no catalog

  // Sign-out returns to the sign-in form.
  await page.getByTestId('signout').first().click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await visitor.close();
});

test('staff import a bad catalog and see each problem against its record, then a good one reaches open planners', async ({ page, demo, browser }) => {
  const staff = admin(demo, 'console', 'user', 'add', '--entity', demo.retailerId, '--email', 'catalog@demo.example');
  await signIn(page, demo, 'catalog@demo.example', staff.oneTimePassword);
  await expect(page.getByTestId('catalog-product').first()).toBeVisible(); // the seed catalog

  const visitor = await browser.newContext();
  const vpage = await visitor.newPage();
  await openPlan(vpage, demo);
  const frame = planner(vpage);

  const bad = readFileSync(path.join(here, '..', 'web', 'retailerops', 'testdata', 'bad-catalog.json'));
  await page.getByTestId('catalog-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: bad });
  await page.getByTestId('catalog-import').click();
  await expect(page.getByTestId('catalog-status')).toContainText('Nothing was imported: 5 problems');
  await expect(page.getByTestId('catalog-progress')).toHaveJSProperty('value', 1);
  const problems = page.getByTestId('catalog-problem');
  await expect(problems).toHaveCount(5);
  await expect(problems.nth(1)).toHaveAttribute('data-record', 'products[1]');
  await expect(problems.nth(1)).toContainText('sofa-2 “Wide sofa”');
  await expect(problems.nth(1)).toContainText('width');
  await expect(problems.nth(2)).toContainText('color');
  await expect(page.getByTestId('catalog-products')).not.toContainText('Wide sofa');

  const good = {
    currency: 'EUR',
    categories: [{ id: 'console-lamps', name: 'Console lamps' }],
    products: [{ id: 'lamp-console', name: 'Console reading lamp', category: 'console-lamps', width: 30, depth: 30, height: 150, price: 4999, color: '#ddcc00' }],
  };
  await page.getByTestId('catalog-file').setInputFiles({ name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(good)) });
  await page.getByTestId('catalog-import').click();
  await expect(page.getByTestId('catalog-status')).toHaveText('Imported 1 products in 1 categories.');
  await expect(problems).toHaveCount(0);
  await expect(page.getByTestId('catalog-categories')).toContainText('Console lamps');

  // The open planner hears the catalog event and lists the new product without a reload.
  await frame.getByTestId('catalog-search').fill('Console reading lamp');
  await expect(frame.locator('[data-testid="product"][data-product-id="lamp-console"]')).toBeVisible();
  await visitor.close();
});

/** A host site (cmd/hostsite) running on its own with the given API credentials, for its BFF. */
type HostSite = { url: string; out: () => string; stop: () => Promise<void> };

/** startHostSite starts cmd/hostsite against the demo's planner and waits for its credentials check. */
async function startHostSite(demo: Demo, apiKey: string, secret: string): Promise<HostSite> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'planner-e2e-hostsite-'));
  const child = spawn(path.join(here, '.bin', 'hostsite'),
    ['--addr', '127.0.0.1:0', '--planner-url', demo.plannerURL, '--distribution', demo.distribution, '--db', path.join(dir, 'hostsite.db')],
    { env: { ...process.env, PLANNER_API_KEY: apiKey, PLANNER_API_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  await expect.poll(() => /credentials accepted|refused|not reachable/.test(out) || child.exitCode !== null,
    { timeout: 20_000, message: 'the host site checks its credentials at start-up' }).toBe(true);
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
  if (!url) { await stop(); throw new Error(`hostsite did not start: ${out}`); }
  return { url, out: () => out, stop };
}

test('staff rotate the secret in the console: the running BFF with the old one fails clearly, a BFF given the new one works', async ({ page, demo, context, seen }) => {
  test.setTimeout(90_000);
  const staff = admin(demo, 'console', 'user', 'add', '--entity', demo.retailerId, '--email', 'keys@demo.example');
  await signIn(page, demo, 'keys@demo.example', staff.oneTimePassword);
  await expect(page.getByTestId('console-api-key')).toHaveText(demo.apiKey);
  await expect(page.getByTestId('new-secret')).toHaveCount(0);

  await page.getByTestId('rotate-confirm').check();
  await page.getByTestId('rotate-secret').click();
  const fresh = (await page.getByTestId('new-secret').textContent()) ?? '';
  expect(fresh).toMatch(/^sk_/);
  expect(fresh).not.toBe(demo.secret);

  // The demo's host site has been running all along with the old secret, and
  // has minted nothing yet: its BFF's first mint is refused. The visitor is
  // told the planner service is unavailable (never the API's answer); the
  // planner waits for a token and says so.
  const visitor = await context.newPage();
  const refused = visitor.waitForResponse((r) => r.url() === demo.hostURL + '/bff/token');
  await visitor.goto(demo.hostURL + '/plan');
  const res = await refused;
  expect(res.status()).toBe(503);
  expect((await res.json()).error.code).toBe('upstream_unavailable');
  await waitForEvent(visitor, 'AuthenticationRequired');
  expect(await countEvents(visitor, 'AuthenticationSucceeded')).toBe(0);
  // Its operator sees why: the BFF's metrics count the planner API's 4xx.
  await expect.poll(async () => (await (await fetch(demo.hostURL + '/internal/metrics')).text())
    .match(/planner_bff_upstream_errors_total\{reason="status_4xx"\} (\d+)/)?.[1]).not.toBe('0');

  // A host site started with the old secret says so at once and is not ready.
  const stale = await startHostSite(demo, demo.apiKey, demo.secret);
  try {
    expect(stale.out()).toContain('the planner API refused PLANNER_API_KEY and PLANNER_API_SECRET');
    const ready = await fetch(stale.url + '/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/^not ready: .*refused/);
  } finally {
    await stale.stop();
  }

  // The host site given the new secret is ready, and once its origin is
  // registered (in the console too) a visitor of it gets the planner.
  const next = await startHostSite(demo, demo.apiKey, fresh);
  try {
    expect(next.out()).toContain('planner API credentials accepted');
    expect((await fetch(next.url + '/readyz')).status).toBe(200);
    await page.goto(demo.plannerURL + '/console');
    await page.getByTestId('origin-input').fill(next.url);
    await expect(page.getByTestId('origin-preview')).toContainText(next.url);
    await page.getByTestId('origin-add').click();
    await expect(page.getByTestId('console-origins')).toContainText(next.url);
    const shop = await context.newPage();
    await openPlan(shop, { ...demo, hostURL: next.url });
    await expect(planner(shop).getByTestId('product').first()).toBeVisible();
  } finally {
    await next.stop();
  }

  // Shown once: the console's next page has no secret.
  await page.goto(demo.plannerURL + '/console');
  await expect(page.getByTestId('console-api-key')).toHaveText(demo.apiKey);
  await expect(page.getByTestId('new-secret')).toHaveCount(0);

  // The planner page, its code and the SDK, loaded in this same browser, never carry it.
  const other = await context.newPage();
  await other.goto(`${demo.plannerURL}/planner?d=${demo.distribution}`);
  await other.goto(`${demo.plannerURL}/static/embed/planner-embed.js`);
  await expect.poll(() => seen.filter((s) => s.url.startsWith(demo.plannerURL + '/static/planner/') && s.bodyRead).length).toBeGreaterThanOrEqual(1);
  await expect.poll(() => seen.filter((s) => s.url.endsWith('/static/embed/planner-embed.js') && s.bodyRead).length).toBe(1);
  await expect.poll(() => findIn(seen, secretForms(fresh)).map((s) => s.url)).toEqual([demo.plannerURL + '/console/secret']);
});

test.describe('with 10 s tokens', () => {
  test.use({ demoOptions: { tokenTtl: '10s' } });

  test('the dashboard\'s live socket outlives its token: told tokenExpired, it re-authenticates on the same socket and keeps counting', async ({ page, demo, browser }) => {
    test.setTimeout(90_000);
    /** Every live socket the console page opened, with the frames each way. */
    const sockets: { ws: WebSocket; sent: any[]; received: any[] }[] = [];
    page.on('websocket', (ws) => {
      const s = { ws, sent: [] as any[], received: [] as any[] };
      sockets.push(s);
      ws.on('framesent', ({ payload }) => s.sent.push(JSON.parse(String(payload))));
      ws.on('framereceived', ({ payload }) => s.received.push(JSON.parse(String(payload))));
    });
    const staff = admin(demo, 'console', 'user', 'add', '--entity', demo.retailerId, '--email', 'expiry@demo.example');
    await signIn(page, demo, 'expiry@demo.example', staff.oneTimePassword);
    expect(sockets).toHaveLength(1);
    const live = sockets[0];
    const types = (list: any[]) => list.map((m) => m.type);

    // The token runs out (10 s): the server says so and the dashboard answers with a new token.
    await expect.poll(() => types(live.received), { timeout: 25_000, message: 'the server says tokenExpired' }).toContain('tokenExpired');
    await expect.poll(() => types(live.received).filter((t) => t === 'authenticated').length).toBe(2);
    const auths = live.sent.filter((m) => m.type === 'authenticate').map((m) => m.payload.token);
    expect(auths).toHaveLength(2);
    expect(auths[1]).not.toBe(auths[0]);
    expect(types(live.received).lastIndexOf('authenticated')).toBeGreaterThan(types(live.received).indexOf('tokenExpired'));
    await expect(page.getByTestId('dash-state')).toHaveText('Live');

    // Still the one socket, still fed: a visitor opening the planner now shows up.
    const visitor = await browser.newContext();
    await openPlan(await visitor.newPage(), demo);
    await expect(page.getByTestId('dash-sockets')).toHaveText('2'); // the dashboard's and the visitor's planner's
    // The planner reports in batches (at most one every 20 s).
    await expect(page.getByTestId('dash-opened')).toHaveText('1', { timeout: 30_000 });
    await expect(page.getByTestId('dash-open')).toHaveText('1', { timeout: 30_000 });
    expect(sockets).toHaveLength(1);
    expect(live.ws.isClosed()).toBe(false);
    await visitor.close();
  });
});

test('an origin added in the console frames the planner at once', async ({ page, demo }) => {
  const staff = admin(demo, 'console', 'user', 'add', '--entity', demo.retailerId, '--email', 'origins@demo.example');
  await signIn(page, demo, 'origins@demo.example', staff.oneTimePassword);
  // The host site under its other loopback name is another origin, not registered yet.
  const other = demo.hostURL.replace('127.0.0.1', 'localhost');
  await page.getByTestId('origin-input').fill(other);
  await page.getByTestId('origin-add').click();
  await expect(page.getByTestId('console-origins')).toContainText(other);
  await expect(page.getByTestId('console-frame-ancestors')).toHaveText(`frame-ancestors ${demo.hostURL} ${other}`);

  const host = await page.context().newPage();
  const plannerPage = host.waitForResponse((r) => r.url().startsWith(demo.plannerURL + '/planner?'));
  await host.goto(other + '/plan');
  const csp = (await (await plannerPage).allHeaders())['content-security-policy'] ?? '';
  expect(/frame-ancestors ([^;]*)/.exec(csp)?.[1].trim().split(/\s+/)).toEqual([demo.hostURL, other]);
  await waitForEvent(host, 'Ready'); // the planner started inside the frame and spoke to its host
});
