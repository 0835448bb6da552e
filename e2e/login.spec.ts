import { test, expect, planner, events, countEvents, openPlan, signIn, waitForEvent } from './fixtures';

// 2. Sign in on the host → Login → the user's projects shown; sign out →
// Logout → guest again, the user's project names gone from the iframe's DOM.
test('signing in shows the user\'s projects; signing out removes them from the planner', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('status')).toHaveText('Browsing as guest');

  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  let seq = await events(page);
  expect(seq.indexOf('Login'), `events: ${seq}`).toBeGreaterThan(seq.indexOf('AuthenticationSucceeded'));
  expect(seq.indexOf('LoginSucceeded'), `events: ${seq}`).toBeGreaterThan(seq.indexOf('Login'));
  await expect(frame.getByTestId('status')).toHaveText('Signed in as alice');

  // A project of alice's: a write through the token gate, then in her list.
  const name = `Alice's reading corner ${Date.now()}`;
  await frame.getByTestId('new-project-name').fill(name);
  await frame.getByTestId('new-project-create').click();
  await waitForEvent(page, 'ProjectSavingSucceeded');
  await expect(frame.getByTestId('project-name').filter({ hasText: name })).toHaveCount(1);
  const html = () => frame.locator('html').evaluate((el) => el.outerHTML);
  expect(await html()).toContain(name);

  await page.getByTestId('logout-button').click();
  await expect(page.getByTestId('login-submit')).toBeVisible();
  await waitForEvent(page, 'Logout', 'out');
  await waitForEvent(page, 'AuthenticationSucceeded', 'in', 2);
  seq = await events(page);
  const logout = seq.indexOf('Logout');
  expect(logout, `events: ${seq}`).toBeGreaterThan(seq.indexOf('LoginSucceeded'));
  expect(seq.indexOf('Authentication', logout), `events: ${seq}`).toBeGreaterThan(logout);
  expect(seq.indexOf('AuthenticationSucceeded', logout), `events: ${seq}`).toBeGreaterThan(logout);
  expect(await countEvents(page, 'LoginSucceeded')).toBe(1);

  await expect(frame.getByTestId('status')).toHaveText('Browsing as guest');
  await expect(frame.getByTestId('project')).toHaveCount(0);
  await expect(frame.getByTestId('projects-hint')).toBeVisible();
  // Not merely hidden: the name is nowhere in the iframe's document, nor in a form field.
  expect(await html()).not.toContain(name);
  expect(await frame.locator('body').evaluate((b) => b.textContent || '')).not.toContain(name);
  await expect(frame.getByTestId('new-project-name')).toBeHidden();
  expect(await frame.getByTestId('new-project-name').inputValue()).toBe('');
  // The guest still browses the catalog.
  await expect(frame.getByTestId('product').first()).toBeVisible();
});
