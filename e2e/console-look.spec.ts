import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page, TestInfo } from '@playwright/test';
import { test, expect, type Demo } from './fixtures';

// The console's look (issue #17): every view at a phone, a laptop and a
// desktop size has its stylesheet, nothing wider than the screen, visible
// focus and no serious axe finding. The screenshots of every view at every
// size are attached to the test (and kept under test-results/) for a
// person to look at.

const here = path.dirname(fileURLToPath(import.meta.url));

const sizes = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 720 },
  { name: 'desktop', width: 1920, height: 1080 },
];

function admin(demo: Demo, ...args: string[]): any {
  return JSON.parse(execFileSync(path.join(here, '.bin', 'planner'), [...args, '--db', path.join(demo.dataDir, 'planner.db')], { encoding: 'utf8' }));
}

async function audit(page: Page, view: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, `${view}: serious or critical axe violations`).toEqual([]);
}

/** fits checks that nothing makes the page scroll sideways. */
async function fits(page: Page, view: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${view}: the page is wider than the screen`).toBeLessThanOrEqual(0);
}

/** shoot attaches a screenshot of the viewport, or of one element (a whole section, scrolled to). */
async function shoot(page: Page, testInfo: TestInfo, name: string, target?: string) {
  const file = testInfo.outputPath(`${name}.png`);
  if (target) await page.getByTestId(target).screenshot({ path: file });
  else await page.screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

test('every console view is styled, fits phone, laptop and desktop, and passes axe', async ({ page, demo }, testInfo) => {
  test.setTimeout(240_000); // some 40 screenshots and 8 axe audits
  const staff = admin(demo, 'console', 'user', 'add', '--entity', demo.retailerId, '--email', 'look@demo.example');
  const bad = readFileSync(path.join(here, '..', 'web', 'retailerops', 'testdata', 'bad-catalog.json'));

  // Sign-in, a refused sign-in and the password change.
  await page.setViewportSize(sizes[0]);
  await page.goto(demo.plannerURL + '/console');
  const css = await page.evaluate(() => [...document.styleSheets].map((s) => s.href ?? 'inline'));
  expect(css).toEqual([expect.stringMatching(/\/static\/console\/console\.[A-Z0-9]+\.css$/)]);
  for (const s of sizes) {
    await page.setViewportSize(s);
    await fits(page, `sign-in, ${s.name}`);
    await shoot(page, testInfo, `signin-${s.name}`);
  }
  await audit(page, 'sign-in');
  await page.getByTestId('signin-email').fill('look@demo.example');
  await page.getByTestId('signin-password').fill('not the password');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('console-error')).toBeVisible();
  await shoot(page, testInfo, 'signin-refused-desktop');
  await page.getByTestId('signin-password').fill(staff.oneTimePassword);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('password-form')).toBeVisible();
  await audit(page, 'password change');
  for (const s of sizes) {
    await page.setViewportSize(s);
    await fits(page, `password change, ${s.name}`);
    await shoot(page, testInfo, `password-${s.name}`);
  }
  await page.getByLabel('Current password').fill(staff.oneTimePassword);
  await page.getByTestId('password-next').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('dash-state')).toHaveText('Live');
  await audit(page, 'dashboard');

  // The live preview typed, with a refused origin; the problems of a bad catalog.
  await page.getByTestId('origin-input').fill('https://Shop.Example:443/');
  await expect(page.getByTestId('origin-preview')).toContainText('https://shop.example');
  await audit(page, 'embedding with a preview');
  await page.getByTestId('catalog-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: bad });
  await page.getByTestId('catalog-import').click();
  await expect(page.getByTestId('catalog-problem')).toHaveCount(5);
  await audit(page, 'catalog problems');
  for (const s of sizes) {
    await page.setViewportSize(s);
    await fits(page, `home, ${s.name}`);
    // Every section tab is on the screen, none scrolled out of its bar.
    const tabs = await page.locator('nav.tabs a').evaluateAll((as) => as.map((a) => a.getBoundingClientRect().right));
    expect(Math.max(...tabs), `section tabs, ${s.name}`).toBeLessThanOrEqual(s.width);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, testInfo, `home-top-${s.name}`);
    for (const view of ['dashboard', 'embedding', 'credentials', 'catalog']) await shoot(page, testInfo, `${view}-${s.name}`, view);
  }
  await page.getByTestId('origin-input').fill('https://*.example');
  await expect(page.getByTestId('origin-preview-error')).toBeVisible();
  await shoot(page, testInfo, 'embedding-error-desktop', 'embedding');

  // The dark scheme (the planner's too) keeps its contrast.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize(sizes[1]);
  await audit(page, 'dark scheme');
  await shoot(page, testInfo, 'home-dark-laptop');
  for (const view of ['embedding', 'catalog']) await shoot(page, testInfo, `${view}-dark-laptop`, view);
  await page.emulateMedia({ colorScheme: 'light' });

  // Keyboard focus is visible (an outline, not the browser's none).
  await page.getByTestId('origin-input').focus();
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).toBe('solid');

  // Copy puts the snippet, exactly as shown, on the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.plannerURL });
  await page.getByTestId('console-snippet-copy').click();
  await expect(page.getByTestId('console-snippet-copy')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await page.getByTestId('console-snippet').textContent());

  // The one-time secret after a rotation.
  await page.getByTestId('rotate-confirm').check();
  await page.getByTestId('rotate-secret').click();
  await expect(page.getByTestId('new-secret')).toHaveText(/^sk_/);
  await audit(page, 'new secret');
  for (const s of sizes) {
    await page.setViewportSize(s);
    await fits(page, `new secret, ${s.name}`);
    await shoot(page, testInfo, `secret-${s.name}`, 'credentials');
  }
});
