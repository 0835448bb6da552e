import {
  test, expect, planner, countEvents, openPlan, signIn, waitForEvent, plannerDebug, waitForTokenExpiry,
  recordRequests, isTokenRequest, isApiRequest,
} from './fixtures';

// 3. Expiry: with short TTLs, several calls made while expired produce exactly
// one TokenExpired and one /bff/token request, and every call completes after
// the refresh.
test.use({ demoOptions: { tokenTtl: '10s' } });

test('calls made while the token is expired are held, refreshed once, and all complete', async ({ page, demo }) => {
  await openPlan(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  const frame = planner(page);
  await expect(frame.getByTestId('status')).toHaveText('Signed in as alice');

  // A project to read back while expired.
  const name = `Expiry study ${Date.now()}`;
  await frame.getByTestId('new-project-name').fill(name);
  await frame.getByTestId('new-project-create').click();
  await expect(frame.getByTestId('project-name').filter({ hasText: name })).toHaveCount(1);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  const category = await frame.getByTestId('catalog-chip').nth(1).getAttribute('data-category');
  expect(category).toBeTruthy();

  // Real expiry: nothing is sent until the token runs out.
  await waitForTokenExpiry(page);
  expect(await countEvents(page, 'TokenExpired')).toBe(0);
  const tokenRequests = recordRequests(page, isTokenRequest(demo));
  const categories = recordRequests(page, isApiRequest(demo, 'GET', '/v1/catalog/categories'));
  const products = recordRequests(page, isApiRequest(demo, 'GET', '/v1/catalog/products'));
  const projectReads = recordRequests(page, isApiRequest(demo, 'GET', '/v1/projects/'));

  // Several calls in one task of the iframe, so every one of them is made
  // while expired (no token can arrive in between): three catalog refreshes,
  // a category filter, and opening the project — 9 API calls.
  const held = await frame.locator('html').evaluate((_el, cat) => {
    const dbg = (window as unknown as { __planner: { heldCount: number } }).__planner;
    // The live channel may already hold its own check of the expired token:
    // count only the calls made here.
    const before = dbg.heldCount;
    const refresh = document.querySelector<HTMLButtonElement>('[data-testid="catalog-refresh"]')!;
    refresh.click();
    refresh.click();
    refresh.click();
    document.querySelector<HTMLButtonElement>(`[data-testid="catalog-chip"][data-category="${cat}"]`)!.click();
    document.querySelector<HTMLButtonElement>('[data-testid="project-open"]')!.click();
    return dbg.heldCount - before;
  }, category);
  expect(held).toBe(8); // the project read joins after a microtask

  // The host answers the one TokenExpired with one token.
  await waitForEvent(page, 'TokenExpired');
  await waitForEvent(page, 'TokenRefreshed', 'out');
  await expect.poll(() => plannerDebug(page, 'heldCount')).toBe(0);

  // Every held call went out again and succeeded.
  const ok = async (rs: { requests: import('@playwright/test').Request[] }) =>
    Promise.all(rs.requests.map(async (r) => (await r.response())?.status()));
  await expect.poll(() => ok(categories)).toEqual([200, 200, 200, 200]);
  await expect.poll(() => ok(products)).toEqual([200, 200, 200, 200]);
  await expect.poll(() => ok(projectReads)).toEqual([200]);
  expect(products.requests.at(-1)!.url()).toContain('category=' + encodeURIComponent(category!));
  await expect(frame.getByTestId('editor-project-name')).toHaveText(name);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  expect(await plannerDebug(page, 'catalogStatus')).toBe('ready');
  await expect(frame.getByTestId('alert')).toBeHidden();
  await expect(frame.getByTestId('status')).toHaveText('Signed in as alice');

  // Exactly once each. The gate re-posts TokenExpired after 2 s while calls
  // still wait, so look again past that point: nothing more may come.
  await page.waitForTimeout(2_500);
  expect(await countEvents(page, 'TokenExpired')).toBe(1);
  expect(tokenRequests.requests).toHaveLength(1);
  expect(await tokenRequests.requests[0].response().then((r) => r?.status())).toBe(200);
  expect(await countEvents(page, 'TokenRefreshed', 'out')).toBe(1);
  expect(await countEvents(page, 'Login', 'out')).toBe(1); // the sign-in only: no second Login instead of a refresh
  expect(await countEvents(page, 'LoginSucceeded')).toBe(2); // sign-in, then the refreshed token
  expect(await plannerDebug(page, 'tokenUsable')).toBe(true);
});
