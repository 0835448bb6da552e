import type { FrameLocator, Page } from '@playwright/test';
import { test, expect, planner, openPlan, signIn, waitForEvent, plannerDebug, type Demo } from './fixtures';

// The live channel (issue #6): a project saved in one page shows in another
// page of the same user within a second, pushed over /ws (not polled), and a
// page of another user receives none of it.

/** Collects the live channel's frames a page receives (the planner iframe's socket). */
function liveFrames(page: Page) {
  const frames: string[] = [];
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/ws?d=')) return;
    ws.on('framereceived', ({ payload }) => frames.push(typeof payload === 'string' ? payload : payload.toString('utf8')));
  });
  return frames;
}

/** Waits until the page's planner has authenticated its live socket. */
async function liveOpen(page: Page) {
  await expect.poll(() => plannerDebug<string>(page, 'liveState'), { message: 'live channel open' }).toBe('open');
}

async function signedIn(page: Page, demo: Demo, user: 'alice' | 'bob'): Promise<FrameLocator> {
  await openPlan(page, demo);
  await signIn(page, demo, user);
  await waitForEvent(page, 'LoginSucceeded');
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  return frame;
}

const projectEvents = (frames: string[]) => frames.filter((f) => /"topic":"projects"/.test(f) && /"type":"event"/.test(f));

test('a save in one page reaches the same user\'s other page within a second; another user sees nothing', async ({ page, context, browser, demo }) => {
  // Page A: alice makes a project.
  const frameA = await signedIn(page, demo, 'alice');
  await frameA.locator('[data-testid="product"]').first().getByTestId('product-add').click();
  await frameA.getByTestId('save').click();
  await expect(frameA.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  await expect(frameA.getByTestId('project')).toHaveCount(1);

  // Page B: alice again (same browser session), the same project open.
  const pageB = await context.newPage();
  const framesB = liveFrames(pageB);
  await pageB.goto(demo.hostURL + '/plan');
  await waitForEvent(pageB, 'LoginSucceeded');
  const frameB = planner(pageB);
  await frameB.getByTestId('project-open').click();
  await expect(frameB.getByTestId('plan-item')).toHaveCount(1);
  await liveOpen(pageB);

  // Page C: bob, in a browser session of his own.
  const other = await browser.newContext();
  const pageC = await other.newPage();
  const framesC = liveFrames(pageC);
  await signedIn(pageC, demo, 'bob');
  await liveOpen(pageC);

  // A adds an item and saves; B shows it within a second, with no reload of its own.
  await liveOpen(page);
  await frameA.locator('[data-testid="product"]').nth(1).getByTestId('product-add').click();
  await frameA.getByTestId('save').click();
  await expect(frameA.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  await expect(frameB.getByTestId('plan-item')).toHaveCount(2, { timeout: 1000 });
  await expect(frameB.getByTestId('conflict')).toBeHidden();
  expect(projectEvents(framesB).some((f) => f.includes('"event":"project.updated"')), framesB.join('\n')).toBe(true);
  // A's own event does not make A offer a reload of what it just saved.
  await expect(frameA.getByTestId('conflict')).toBeHidden();

  // Bob's socket got no project event at all, and his list stays empty.
  await expect(planner(pageC).getByTestId('project')).toHaveCount(0);
  expect(projectEvents(framesC), framesC.join('\n')).toEqual([]);
  await other.close();
});
