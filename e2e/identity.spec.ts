import type { Request, Route } from '@playwright/test';
import {
  test, expect, planner, countEvents, openPlan, signIn, waitForEvent, plannerDebug, waitForTokenExpiry,
  recordRequests, isTokenRequest, bearerClaims, mintToken, apiGet,
} from './fixtures';

// 5. Identity: a write held as a user (token expired, POST /v1/projects held
// in the token gate), then sign-out on the host before the refresh comes back
// → the write is not replayed, as guest or as anyone; the UI says it failed.
test.use({ demoOptions: { tokenTtl: '10s' } });

const WAITING = 'Waiting for the site to renew your session…';
const SIGNED_OUT_FAILURE = 'You were signed out before this change could be saved.';
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

test('a write held across a sign-out on the host is never replayed, as guest or as anyone', async ({ page, demo }) => {
  await openPlan(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  const frame = planner(page);
  await expect(frame.getByTestId('status')).toHaveText('Signed in as alice');

  const isProjectWrite = (r: Request) => WRITE_METHODS.includes(r.method()) && r.url().startsWith(demo.plannerURL + '/v1/projects');
  const writes = recordRequests(page, isProjectWrite);
  const apiCalls = recordRequests(page, (r) => r.url().startsWith(demo.plannerURL + '/v1/'));

  // Control: a write while the token is good goes out, as alice. This shows
  // the recorder sees writes, so "none" later means none.
  const control = `Control ${Date.now()}`;
  await frame.getByTestId('new-project-name').fill(control);
  await frame.getByTestId('new-project-create').click();
  await waitForEvent(page, 'ProjectSavingSucceeded');
  await expect(frame.getByTestId('project-name').filter({ hasText: control })).toHaveCount(1);
  expect(writes.requests.map((r) => r.method())).toEqual(['POST']);
  expect(await bearerClaims(writes.requests[0])).toMatchObject({ kind: 'user', uid: 'alice' });
  writes.requests.length = 0;

  // From now on the host's BFF answer to the planner's TokenExpired is parked:
  // the sign-out happens while alice's refresh is still on its way.
  let parked: Route | null = null;
  let onParked: (r: Route) => void = () => {};
  const parkedRoute = new Promise<Route>((resolve) => { onParked = resolve; });
  await page.route('**/bff/token', (route) => {
    if (parked !== null) return route.fallback();
    parked = route;
    onParked(route);
  });
  const tokenRequests = recordRequests(page, isTokenRequest(demo));

  // The token runs out; the new project's POST is held in the gate.
  await waitForTokenExpiry(page);
  const held = `Held across sign-out ${Date.now()}`;
  await frame.getByTestId('new-project-name').fill(held);
  await frame.getByTestId('new-project-create').click();
  await waitForEvent(page, 'TokenExpired');
  const refresh = await parkedRoute;
  await expect(frame.getByTestId('status')).toHaveText(WAITING);
  // The POST, and possibly the live channel's check once its socket hears of the expiry.
  expect(await plannerDebug(page, 'heldCount')).toBeGreaterThanOrEqual(1);
  expect(writes.requests).toHaveLength(0); // nothing went out with the expired token

  // Sign-out on the host, before the refresh is answered.
  const callsBeforeLogout = apiCalls.requests.length;
  await page.getByTestId('logout-button').click();
  await expect(page.getByTestId('login-submit')).toBeVisible();
  await waitForEvent(page, 'Logout', 'out');
  await waitForEvent(page, 'ProjectSavingFailed');
  await waitForEvent(page, 'AuthenticationSucceeded', 'in', 2);

  // The held write failed, visibly, and told the host why.
  await expect(frame.getByTestId('alert-text')).toHaveText(SIGNED_OUT_FAILURE);
  await expect(frame.getByTestId('status')).toHaveText('Browsing as guest');
  expect(await plannerDebug(page, 'heldCount')).toBe(0);
  expect(await plannerDebug(page, 'identity')).toEqual({ kind: 'legal-entity', uid: '' });
  const failure = page.locator('[data-testid="event-log-entry"][data-direction="in"][data-event="ProjectSavingFailed"]');
  await expect(failure).toHaveCount(1);
  await expect(failure).toContainText('identity_changed');
  expect(await frame.locator('html').evaluate((el) => el.outerHTML)).not.toContain(held);

  // Now alice's parked refresh comes back, late. It was sent with her old
  // session cookie, which the sign-out ended: the BFF must not hand out her
  // user token for it, and the host SDK must not pass on whatever it got.
  await refresh.fallback();
  const lateAnswer = await (await tokenRequests.requests[0].response())!.json().catch(() => null);
  expect(lateAnswer?.kind, 'the BFF answered a signed-out session with a user token').not.toBe('user');

  // Every API call since the sign-out was a guest's read (one more round trip
  // to the planner first, so anything the late answer set off has happened).
  await frame.getByTestId('catalog-refresh').click();
  await expect.poll(() => plannerDebug(page, 'catalogStatus')).toBe('ready');
  expect(await countEvents(page, 'TokenRefreshed', 'out')).toBe(0);
  expect(await countEvents(page, 'Login', 'out')).toBe(1); // the sign-in only
  expect(await countEvents(page, 'Authentication', 'out')).toBe(2); // the first visit and the sign-out
  const since = apiCalls.requests.slice(callsBeforeLogout);
  expect(since.length).toBeGreaterThan(0);
  for (const r of since) {
    expect(r.method(), r.url()).toBe('GET');
    expect(await bearerClaims(r), r.url()).toMatchObject({ kind: 'legal-entity' });
  }
  // No write went out at all, with a legal-entity token or any other.
  expect(writes.requests.map((r) => `${r.method()} ${r.url()}`)).toEqual([]);

  // Alice signs in again: the held write is not replayed as her either.
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded', 'in', 2);
  await expect(frame.getByTestId('project-name').filter({ hasText: control })).toHaveCount(1);
  await expect(frame.getByTestId('project-name').filter({ hasText: held })).toHaveCount(0);
  expect(writes.requests).toHaveLength(0);

  // And on the server: alice has the control project only.
  const asAlice = await mintToken(demo, { kind: 'user', userId: 'alice' });
  const { status, body } = await apiGet<{ projects: { name: string }[] }>(demo, asAlice, '/v1/projects');
  expect(status).toBe(200);
  expect(body.projects.map((p) => p.name)).toEqual([control]);
});
