import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, openPlan, type Demo } from './fixtures';
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
  const staff = admin(demo, 'console', 'user', 'add', '--entity', demo.retailerId, '--email', 'staff@demo.example');
  await signIn(page, demo, 'staff@demo.example', staff.oneTimePassword);
  await expect(page.getByTestId('console-retailer')).toHaveText('Nordlys Home');
  await expect(page.getByTestId('console-frame-ancestors')).toContainText(demo.hostURL);
  await expect(page.getByTestId('dash-sockets')).toHaveText('1'); // the dashboard's own

  // A visitor in another browser context opens the planner.
  const visitor = await browser.newContext();
  const vpage = await visitor.newPage();
  await openPlan(vpage, demo);
  await expect(page.getByTestId('dash-open')).toHaveText('1');
  await expect(page.getByTestId('dash-opened')).toHaveText('1');
  await expect(page.getByTestId('chart-opened').locator('path')).toHaveAttribute('d', /L/);

  // Another retailer's staff, signed in meanwhile, sees nothing of it.
  const other = admin(demo, 'entity', 'create', '--name', 'Other Shop', '--origin', 'https://other.example');
  const otherStaff = admin(demo, 'console', 'user', 'add', '--entity', other.id, '--email', 'staff@other.example');
  const opage = await (await browser.newContext()).newPage();
  await signIn(opage, demo, 'staff@other.example', otherStaff.oneTimePassword);
  await expect(opage.getByTestId('console-retailer')).toHaveText('Other Shop');
  await expect(opage.getByTestId('dash-opened')).toHaveText('0');
  await expect(opage.getByTestId('dash-open')).toHaveText('0');

  // Sign-out returns to the sign-in form.
  await page.getByTestId('signout').first().click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await visitor.close();
});
