import { test, expect, planner, events, countEvents, waitForEvent } from './fixtures';

// The plan page writes the planner iframe in its HTML, so the planner may be
// Ready before the host's script (and its SDK) runs: that Ready is lost. The
// SDK then posts Hello and the planner answers Ready again ({repeat: true}).
// Here the host's script is held until the planner has started, which makes
// the lost Ready certain; without Hello no token would ever be posted.
test('a planner Ready before the host SDK listens is asked for again with Hello', async ({ page, demo }) => {
  let release = () => {};
  const held = new Promise<void>((resolve) => { release = resolve; });
  await page.route('**/static/host/plan.*.js', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(demo.hostURL + '/plan', { waitUntil: 'commit' });

  // The planner app started (it posts Ready when it starts) while the SDK was not loaded.
  const frame = planner(page);
  await expect.poll(() => frame.locator('html').evaluate(() => typeof (window as unknown as { __planner?: unknown }).__planner)
    .catch(() => 'not yet'), { timeout: 20_000, intervals: [50] }).toBe('object');
  expect(await page.getByTestId('event-log-entry').count()).toBe(0);
  release();

  await waitForEvent(page, 'AuthenticationSucceeded');
  const seq = await events(page);
  const hello = seq.indexOf('Hello');
  const ready = seq.indexOf('Ready');
  expect(hello, `events: ${seq}`).toBe(0);
  expect(ready, `events: ${seq}`).toBeGreaterThan(hello);
  expect(seq.indexOf('Authentication'), `events: ${seq}`).toBeGreaterThan(ready);
  // The only Ready the host saw is the answer: the first one was lost.
  expect(await countEvents(page, 'Ready')).toBe(1);
  expect(await page.locator('[data-testid="event-log-entry"][data-event="Ready"]').textContent()).toContain('"repeat":true');
  await expect(frame.getByTestId('product').first()).toBeVisible();
});
