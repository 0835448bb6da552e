import {
  test, expect, planner, countEvents, openPlan, waitForEvent, plannerDebug, waitForTokenExpiry,
  recordRequests, isTokenRequest, isApiRequest,
} from './fixtures';

// 4. Refresh failure: the BFF answers 503 for a while → the planner shows the
// waiting state, then recovers; a call past its deadline shows an error; none
// vanishes.
test.use({ demoOptions: { tokenTtl: '10s' } });

const WAITING = 'Waiting for the site to renew your session…';
const HOLD_TIMEOUT = 'The shop did not renew your session in time, so this action was not completed. Please try again.';

test('while the BFF fails the planner waits, fails calls past their deadline, and recovers', async ({ page, demo }) => {
  // A fake clock (flowing at real speed) for the whole context, so the 30 s
  // hold deadline can be jumped over instead of waited out.
  await page.clock.install();
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  await expect(frame.getByTestId('status')).toHaveText('Browsing as guest');

  // After the first token, the BFF is down: every /bff/token answers 503.
  let down = true;
  await page.route('**/bff/token', (route) => (down
    ? route.fulfill({
      status: 503,
      headers: { 'Retry-After': '1', 'Cache-Control': 'no-store' },
      json: { error: { code: 'upstream_unavailable', message: 'the planner service is unavailable; try again later' } },
    })
    : route.fallback()));
  const tokenRequests = recordRequests(page, isTokenRequest(demo));
  const categories = recordRequests(page, isApiRequest(demo, 'GET', '/v1/catalog/categories'));
  const statuses = () => Promise.all(tokenRequests.requests.map(async (r) => (await r.response())?.status()));

  await waitForTokenExpiry(page);
  const failFirst = frame.getByTestId('catalog-refresh');

  // Call A is held and the planner says it waits; the host keeps failing.
  await failFirst.click();
  await expect(frame.getByTestId('status')).toHaveText(WAITING);
  await waitForEvent(page, 'TokenExpired');
  await expect.poll(statuses).toEqual([503]);
  // categories + products, and possibly the live channel's own check once
  // its socket hears of the expiry (held the same way, silent if it fails).
  expect(await plannerDebug(page, 'heldCount')).toBeGreaterThanOrEqual(2);
  expect(await plannerDebug(page, 'catalogStatus')).toBe('loading');
  await expect(frame.getByTestId('alert')).toBeHidden();
  expect(categories.requests).toHaveLength(0); // nothing went out with the expired token

  // Past the 30 s hold deadline: call A fails with a clear error, not silently.
  await page.clock.fastForward('00:31');
  // (The gate's own state may be 'waiting' again at once: the live channel,
  // reconnecting on the same fake clock, asks anew.)
  await expect(frame.getByTestId('alert-text')).toHaveText(HOLD_TIMEOUT);
  await expect.poll(() => plannerDebug(page, 'catalogStatus')).toBe('error');
  expect(categories.requests).toHaveLength(0);

  // A's failure stays on screen (the visitor may dismiss it) while call B,
  // still without a token, is held: waiting again, and the host retries meanwhile.
  await expect(frame.getByTestId('alert-dismiss')).toBeVisible();
  await frame.getByTestId('catalog-refresh').click();
  await expect(frame.getByTestId('status')).toHaveText(WAITING);
  await expect(frame.getByTestId('alert-text')).toHaveText(HOLD_TIMEOUT);
  await expect.poll(async () => (await statuses()).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
  expect((await statuses()).every((s) => s === 503)).toBe(true);
  expect(await plannerDebug(page, 'heldCount')).toBeGreaterThanOrEqual(2);
  expect(await plannerDebug(page, 'catalogStatus')).toBe('loading');

  // The BFF comes back. Skip the host's retry backoff (at most 30 s) one
  // second at a time, stopping at the first good answer: one jump of 30 s
  // would also pass call B's own hold deadline and fail it.
  down = false;
  await expect.poll(async () => {
    if ((await statuses()).at(-1) === 200) return true;
    await page.clock.fastForward(1000);
    return false;
  }, { timeout: 20_000, intervals: [100], message: 'waiting for the host to retry /bff/token' }).toBe(true);

  // The planner recovers on its own and call B itself completes (the one
  // categories request; the catalog was loading, not failed, so nothing else reloads it).
  await waitForEvent(page, 'TokenRefreshed', 'out');
  await expect(frame.getByTestId('status')).toHaveText('Browsing as guest', { timeout: 15_000 });
  await expect.poll(() => plannerDebug(page, 'heldCount')).toBe(0);
  await expect.poll(() => Promise.all(categories.requests.map(async (r) => (await r.response())?.status()))).toEqual([200]);
  await expect.poll(() => plannerDebug(page, 'catalogStatus')).toBe('ready');
  await expect(frame.getByTestId('product').first()).toBeVisible();
  // A's alert was about the catalog, which now loaded: the planner clears it.
  await expect(frame.getByTestId('alert')).toBeHidden();
  expect((await statuses()).at(-1)).toBe(200);
  expect(await plannerDebug(page, 'gateState')).toBe('ok');
  expect(await countEvents(page, 'AuthenticationSucceeded')).toBe(2);
});
