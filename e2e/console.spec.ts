import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { test, expect, openPlan, planner, findIn, secretForms, signIn as hostSignIn, waitForEvent, type Demo } from './fixtures';
import type { Page } from '@playwright/test';

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

/** The BFF's upstream mint (bff package): POST /v1/tokens with the API key and secret. */
async function bffMint(demo: Demo, secret: string) {
  const res = await fetch(demo.plannerURL + '/v1/tokens', { method: 'POST', body: new URLSearchParams({ api_key: demo.apiKey, api_secret: secret }) });
  return { status: res.status, body: await res.json() };
}

test('staff rotate the secret: shown once, the old one stops minting, the new one mints, no visitor response has it', async ({ page, demo, context, seen }) => {
  const staff = admin(demo, 'console', 'user', 'add', '--entity', demo.retailerId, '--email', 'keys@demo.example');
  await signIn(page, demo, 'keys@demo.example', staff.oneTimePassword);
  await expect(page.getByTestId('console-api-key')).toHaveText(demo.apiKey);
  await expect(page.getByTestId('new-secret')).toHaveCount(0);
  expect((await bffMint(demo, demo.secret)).status).toBe(200);

  await page.getByTestId('rotate-confirm').check();
  await page.getByTestId('rotate-secret').click();
  const fresh = (await page.getByTestId('new-secret').textContent()) ?? '';
  expect(fresh).toMatch(/^sk_/);
  expect(fresh).not.toBe(demo.secret);

  const old = await bffMint(demo, demo.secret);
  expect(old.status).toBe(401);
  expect(old.body.error.code).toBe('invalid_client');
  const next = await bffMint(demo, fresh);
  expect(next.status).toBe(200);
  expect(next.body.token).toBeTruthy();

  // Shown once: the console's next page has no secret.
  await page.goto(demo.plannerURL + '/console');
  await expect(page.getByTestId('console-api-key')).toHaveText(demo.apiKey);
  await expect(page.getByTestId('new-secret')).toHaveCount(0);

  // The planner page, its code and the SDK, loaded in this same browser, never carry it.
  const visitor = await context.newPage();
  await visitor.goto(`${demo.plannerURL}/planner?d=${demo.distribution}`);
  await visitor.goto(`${demo.plannerURL}/static/embed/planner-embed.js`);
  await expect.poll(() => seen.filter((s) => s.url.startsWith(demo.plannerURL + '/static/planner/') && s.bodyRead).length).toBeGreaterThanOrEqual(1);
  await expect.poll(() => seen.filter((s) => s.url.endsWith('/static/embed/planner-embed.js') && s.bodyRead).length).toBe(1);
  await expect.poll(() => findIn(seen, secretForms(fresh)).map((s) => s.url)).toEqual([demo.plannerURL + '/console/secret']);
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
