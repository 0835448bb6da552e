import { randomBytes } from 'node:crypto';
import {
  test, expect, planner, openPlan, signIn, waitForEvent, waitForTokenExpiry, mintToken,
  findIn, secretForms, type Seen,
} from './fixtures';

// 7. Secrets: every response body and header the browser receives is scanned
// (the auto fixture `seen` in fixtures.ts does it in every spec) and the API
// secret never appears. This spec walks through anonymous → sign-in → expiry
// → sign-out and shows the scan is not vacuous: the secret it looks for is
// the one the BFF really uses, the scan saw the responses that matter with
// their bodies, and it finds a planted canary in a header, a text body and a
// binary body.
test.use({ demoOptions: { tokenTtl: '10s' } });

/** The recorded responses whose URL starts with prefix. */
function responses(seen: Seen, prefix: string) {
  return seen.filter((s) => s.kind === 'response' && s.url.startsWith(prefix));
}

test('the API secret never reaches the browser through sign-in, expiry and sign-out, and the scan sees everything', async ({ page, demo, seen }) => {
  // The secret the scan looks for is the live one: the API accepts it, and refuses another.
  await mintToken(demo);
  const wrong = await fetch(demo.plannerURL + '/v1/tokens', {
    method: 'POST', body: new URLSearchParams({ api_key: demo.apiKey, api_secret: demo.secret + 'x' }),
  });
  expect(wrong.status).toBe(401);

  // Anonymous → sign-in → a write → expiry and refresh → sign-out.
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await frame.getByTestId('new-project-name').fill(`Secret-free ${Date.now()}`);
  await frame.getByTestId('new-project-create').click();
  await waitForEvent(page, 'ProjectSavingSucceeded');
  await waitForTokenExpiry(page);
  await frame.getByTestId('catalog-refresh').click();
  await waitForEvent(page, 'TokenExpired');
  await waitForEvent(page, 'TokenRefreshed', 'out');
  await expect(frame.getByTestId('status')).toHaveText('Signed in as alice');
  await page.getByTestId('logout-button').click();
  await waitForEvent(page, 'AuthenticationSucceeded', 'in', 2);
  await expect(frame.getByTestId('status')).toHaveText('Browsing as guest');

  // The scan saw the responses that matter, headers and bodies: the host's
  // pages and the SDK, the planner page and its code, every token the BFF
  // handed out (guest, alice, alice refreshed, guest again), the API's answers.
  const read = (prefix: string) => responses(seen, prefix).filter((s) => s.bodyRead);
  await expect.poll(() => read(demo.hostURL + '/bff/token').filter((s) => s.body.includes('"token"')).length).toBeGreaterThanOrEqual(4);
  expect(read(demo.hostURL + '/plan').some((s) => s.body.includes('data-testid="event-log"'))).toBe(true);
  // The host page's script, bundled with its copy of the SDK (minified: its string literals remain).
  expect(read(demo.hostURL + '/static/host/plan.').some((s) => s.body.includes('planner-iframe'))).toBe(true);
  const plannerPage = read(demo.plannerURL + '/planner?');
  expect(plannerPage.length).toBeGreaterThan(0);
  expect(plannerPage[0].headers.toLowerCase()).toContain('content-security-policy');
  expect(read(demo.plannerURL + '/static/planner/').length).toBeGreaterThanOrEqual(2); // the bundled main.js and planner.css
  // Guest, alice and guest again were checked with /v1/me; alice's renewal
  // renews the identity in use, so the planner used it without asking.
  expect(read(demo.plannerURL + '/v1/me').length).toBeGreaterThanOrEqual(3);
  expect(read(demo.plannerURL + '/v1/catalog/products').some((s) => s.body.includes('"products"'))).toBe(true);
  expect(read(demo.plannerURL + '/v1/projects').some((s) => s.status === 201)).toBe(true);
  expect(responses(seen, demo.hostURL + '/login').some((s) => s.headers.toLowerCase().includes('set-cookie'))).toBe(true);

  // None of it holds the secret (the fixture checks again, over everything, at the end).
  expect(findIn(seen, secretForms(demo.secret)).map((s) => s.url)).toEqual([]);

  // The scan finds what is there: a canary planted in a header, a text body
  // and a binary body, in the plain and base64 forms the secret is looked for in.
  const canary = 'sk_canary_' + randomBytes(24).toString('base64url');
  const forms = secretForms(canary);
  await page.route(demo.hostURL + '/e2e-canary/**', (route) => {
    const which = new URL(route.request().url()).pathname.split('/').pop();
    if (which === 'header') return route.fulfill({ status: 204, headers: { 'X-Leak': canary } });
    if (which === 'text') return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ x: canary.slice(3) }) });
    return route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.concat([randomBytes(16), Buffer.from(forms[2]), randomBytes(16)]) });
  });
  await page.evaluate(async () => {
    for (const which of ['header', 'text', 'binary']) await (await fetch(`/e2e-canary/${which}`)).arrayBuffer();
  });
  await expect.poll(() => findIn(seen, forms).map((s) => new URL(s.url).pathname).sort())
    .toEqual(['/e2e-canary/binary', '/e2e-canary/header', '/e2e-canary/text']);
});
