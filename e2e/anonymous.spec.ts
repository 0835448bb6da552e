import { test, expect, planner, events, openPlan } from './fixtures';

// 1. Anonymous: Ready → Authentication → AuthenticationSucceeded → catalog shown inside the iframe.
test('an anonymous visitor browses the catalog inside the planner', async ({ page, demo }) => {
  await openPlan(page, demo);
  const seq = await events(page);
  const ready = seq.indexOf('Ready');
  const auth = seq.indexOf('Authentication');
  const ok = seq.indexOf('AuthenticationSucceeded');
  expect(ready, `events: ${seq}`).toBeGreaterThanOrEqual(0);
  expect(auth, `events: ${seq}`).toBeGreaterThan(ready);
  expect(ok, `events: ${seq}`).toBeGreaterThan(auth);

  const frame = planner(page);
  await expect(frame.getByTestId('status')).toContainText('guest');
  await expect(frame.getByTestId('product').first()).toBeVisible();
  expect(await frame.getByTestId('product').count()).toBeGreaterThan(5);
  await expect(frame.getByTestId('product-price').first()).toContainText('€');
  // Guests see no projects, and a hint to sign in.
  await expect(frame.getByTestId('project')).toHaveCount(0);
});
