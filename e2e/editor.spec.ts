import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameLocator, Locator, Page, TestInfo } from '@playwright/test';
import {
  test, expect, planner, openPlan, signIn, waitForEvent, countEvents, recordRequests, isApiRequest, type Demo,
} from './fixtures';

// The room editor (issue #5): layout, warnings, undo/redo, saving (guest →
// sign-in → one project), reopening, conflicts between two pages, the basket.

const here = path.dirname(fileURLToPath(import.meta.url));
type SeedProduct = { id: string; name: string; width: number; depth: number; price: number };
const seed = JSON.parse(readFileSync(path.join(here, '..', 'web', 'catalog', 'seed', 'catalog.json'), 'utf8')) as { products: SeedProduct[] };
const product = (id: string) => {
  const p = seed.products.find((x) => x.id === id);
  if (!p) throw new Error(`no seed product ${id}`);
  return p;
};

const SOFA = 'sofa-oslo-3';
const ARMCHAIR = 'armchair-oslo';
const SOFA2 = 'sofa-aska-2';

/** Searches the catalog for a product by name until its card shows. */
async function find(frame: FrameLocator, productId: string) {
  const card = frame.locator(`[data-testid="product"][data-product-id="${productId}"]`);
  if (await card.count() === 0) {
    await frame.getByTestId('catalog-search').fill(product(productId).name);
    await expect(card).toBeVisible();
  }
  return card;
}

/** Clicks a catalog card's Add button. */
async function addByClick(frame: FrameLocator, productId: string) {
  await (await find(frame, productId)).getByTestId('product-add').click();
}

/** The client point of a room point in cm (the room rect spans 0..width × 0..depth). */
async function roomPoint(frame: FrameLocator, x: number, y: number) {
  const room = await box(frame.getByTestId('room'));
  const w = Number(await frame.getByTestId('room-width').inputValue());
  const d = Number(await frame.getByTestId('room-depth').inputValue());
  return { x: room.x + (x / w) * room.width, y: room.y + (y / d) * room.height };
}

/** Drags a catalog card onto the plan, dropping it at (x, y) cm in the room. */
async function addByDrag(page: Page, frame: FrameLocator, productId: string, x: number, y: number) {
  const card = await box((await find(frame, productId)).getByTestId('product-name'));
  const to = await roomPoint(frame, x, y);
  await page.mouse.move(card.x + card.width / 2, card.y + card.height / 2);
  await page.mouse.down();
  await page.mouse.move(card.x + card.width / 2 + 30, card.y + card.height / 2, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}

async function box(l: Locator) {
  await l.scrollIntoViewIfNeeded();
  const b = await l.boundingBox();
  if (!b) throw new Error('no bounding box');
  return b;
}

/** The plan's items as the API would store them, read from the SVG. */
async function layout(frame: FrameLocator) {
  return frame.getByTestId('plan-item').evaluateAll((els) => els.map((e) => {
    const d = (e as SVGGElement).dataset;
    return { id: d.itemId!, productId: d.productId!, x: Number(d.x), y: Number(d.y), rotation: Number(d.rotation) };
  }).sort((a, b) => a.id.localeCompare(b.id)));
}

const item = (frame: FrameLocator, id: string) => frame.locator(`[data-testid="plan-item"][data-item-id="${id}"]`);

/** Attaches a screenshot of the page to the test's report. */
async function shot(page: Page, testInfo: TestInfo, name: string, fullPage = true) {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

/** CSP violations and errors in the planner frame. */
function watchConsole(page: Page) {
  const bad: string[] = [];
  page.on('console', (m) => {
    // A missing favicon is no problem of the planner's; anything else is.
    if (/Content Security Policy|Refused to/.test(m.text()) || (m.type() === 'error' && !/Failed to load resource/.test(m.text()))) bad.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) bad.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => bad.push(String(e)));
  return bad;
}

async function ready(page: Page, demo: Demo) {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId(`product`).first()).toBeVisible();
  await expect(frame.getByTestId('plan-svg')).toBeVisible();
  return frame;
}

test('a visitor lays out a room: adds by click and drag, moves, rotates, sees the total; overlaps are flagged; undo/redo', async ({ page, demo }, testInfo) => {
  const problems = watchConsole(page);
  const frame = await ready(page, demo);
  await expect(frame.getByTestId('room-width')).toHaveValue('400');
  await expect(frame.getByTestId('room-depth')).toHaveValue('300');
  await expect(frame.locator('[data-testid="wall-label"][data-index="0"]')).toHaveText('400 cm');
  await expect(frame.getByTestId('scale-bar')).toBeVisible();

  await frame.getByTestId('room-width').fill('600');
  await frame.getByTestId('room-width').press('Enter');
  await expect(frame.locator('[data-testid="wall-label"][data-index="0"]')).toHaveText('600 cm');

  // Three by click, one by drag.
  await addByClick(frame, SOFA);
  await addByClick(frame, ARMCHAIR);
  await addByClick(frame, ARMCHAIR);
  await expect(frame.getByTestId('plan-item')).toHaveCount(3);
  await expect(frame.getByTestId('warning')).toHaveCount(0); // free spots: no overlaps
  await addByDrag(page, frame, SOFA2, 500, 150);
  await expect(item(frame, 'i4')).toHaveAttribute('data-x', '500');
  await expect(item(frame, 'i4')).toHaveAttribute('data-y', '150');
  await expect(frame.getByTestId('plan-item')).toHaveCount(4);

  // Move the first sofa by dragging it to x = 122 cm: it snaps to the 5 cm grid.
  const sofa = await box(item(frame, 'i1').locator('rect'));
  const to = await roomPoint(frame, 122, 150);
  await page.mouse.move(sofa.x + sofa.width / 2, sofa.y + sofa.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 10 });
  await page.mouse.up();
  await expect(item(frame, 'i1')).toHaveAttribute('data-x', '120');
  await expect(item(frame, 'i1')).toHaveAttribute('data-y', '150');

  // Rotate it with the button, then with R.
  await expect(item(frame, 'i1')).toHaveAttribute('data-rotation', '0');
  await frame.getByTestId('item-rotate').click();
  await expect(item(frame, 'i1')).toHaveAttribute('data-rotation', '90');
  await page.keyboard.press('r');
  await expect(item(frame, 'i1')).toHaveAttribute('data-rotation', '180');

  // The total: two sofas of different kinds, two armchairs.
  const want = product(SOFA).price + 2 * product(ARMCHAIR).price + product(SOFA2).price;
  await expect(frame.getByTestId('summary-total')).toHaveAttribute('data-minor', String(want));
  await expect(frame.getByTestId('summary-total')).toHaveText(euro(want));
  await expect(frame.locator(`[data-testid="summary-line"][data-product-id="${ARMCHAIR}"] [data-testid="summary-qty"]`)).toHaveText('2');
  await shot(page, testInfo, 'editor-desktop');

  // An armchair dropped onto the other one overlaps: both marked, one warning.
  const i2 = (await layout(frame)).find((i) => i.id === 'i2')!;
  await addByDrag(page, frame, ARMCHAIR, i2.x + 10, i2.y);
  await expect(frame.getByTestId('plan-item')).toHaveCount(5);
  await expect(frame.locator('[data-testid="warning"][data-kind="overlap"]')).not.toHaveCount(0);
  await expect(item(frame, 'i5')).toHaveClass(/\bbad\b/);
  await expect(item(frame, 'i2')).toHaveClass(/\bbad\b/);

  // Undo takes it away, redo brings it back; undo again and again walks back.
  await page.keyboard.press('Control+z');
  await expect(frame.getByTestId('plan-item')).toHaveCount(4);
  await expect(frame.getByTestId('warning')).toHaveCount(0);
  await page.keyboard.press('Control+Shift+z');
  await expect(frame.getByTestId('plan-item')).toHaveCount(5);
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z'); // the R rotation
  await expect(item(frame, 'i1')).toHaveAttribute('data-rotation', '90');
  await frame.getByTestId('undo').click(); // the button rotation
  await expect(item(frame, 'i1')).toHaveAttribute('data-rotation', '0');
  await frame.getByTestId('redo').click();
  await expect(item(frame, 'i1')).toHaveAttribute('data-rotation', '90');

  // Delete, duplicate and nudge with the keyboard on the selection (even
  // right after typing in a field: clicking the plan takes the focus).
  await frame.getByTestId('room-depth').focus();
  await item(frame, 'i4').locator('rect').click();
  await page.keyboard.press('Delete');
  await expect(item(frame, 'i4')).toHaveCount(0);
  await item(frame, 'i3').locator('rect').click();
  const x3 = (await layout(frame)).find((i) => i.id === 'i3')!.x;
  await page.keyboard.press('ArrowLeft');
  await expect(item(frame, 'i3')).toHaveAttribute('data-x', String(x3 - 5));
  await frame.getByTestId('item-duplicate').click();
  await expect(frame.getByTestId('plan-item')).toHaveCount(4);

  // A room size out of range is clamped; an item pushed outside the room is flagged.
  await frame.getByTestId('room-width').fill('20');
  await frame.getByTestId('room-width').press('Enter');
  await expect(frame.getByTestId('room-width')).toHaveValue('50');
  await frame.getByTestId('room-width').fill('150');
  await frame.getByTestId('room-width').press('Enter');
  await expect(frame.locator('[data-testid="warning"][data-kind="outside"]')).not.toHaveCount(0);

  // Zoom by buttons and wheel changes the view, Fit restores it.
  const vb0 = await frame.getByTestId('plan-svg').getAttribute('viewBox');
  await frame.getByTestId('zoom-in').click();
  expect(await frame.getByTestId('plan-svg').getAttribute('viewBox')).not.toBe(vb0);
  await frame.getByTestId('zoom-fit').click();
  expect(await frame.getByTestId('plan-svg').getAttribute('viewBox')).toBe(vb0);
  const corner = await roomPoint(frame, 140, 5); // on the floor, clear of items
  await page.mouse.move(corner.x, corner.y);
  await page.mouse.wheel(0, -400);
  await expect.poll(async () => Number(await frame.getByTestId('plan-svg').getAttribute('data-zoom'))).toBeGreaterThan(1);
  const vbZoomed = await frame.getByTestId('plan-svg').getAttribute('viewBox');
  await page.mouse.down(); // pan by dragging the floor
  await page.mouse.move(corner.x + 60, corner.y + 40, { steps: 5 });
  await page.mouse.up();
  const vbPanned = await frame.getByTestId('plan-svg').getAttribute('viewBox');
  expect(vbPanned).not.toBe(vbZoomed);
  expect(vbPanned!.split(' ').slice(2)).toEqual(vbZoomed!.split(' ').slice(2)); // same zoom, moved
  expect(await layout(frame)).toHaveLength(4); // panning moved no item

  expect(problems, problems.join('\n')).toEqual([]);
});

/** €1,234.00 as en formats it. */
function euro(minor: number) {
  return new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(minor / 100);
}

test('a guest\'s Save asks the host to sign in; after sign-in the design is saved once, listed, and reopens the same after a reload', async ({ page, demo }) => {
  const problems = watchConsole(page);
  const frame = await ready(page, demo);
  await addByClick(frame, SOFA);
  await addByClick(frame, ARMCHAIR);
  await frame.getByTestId('item-rotate').click(); // the armchair, selected when added
  const designed = await layout(frame);
  expect(designed).toHaveLength(2);

  const creates = recordRequests(page, isApiRequest(demo, 'POST', '/v1/projects'));
  await frame.getByTestId('save').click();
  await frame.getByTestId('save').click(); // pressed twice: still one project
  await waitForEvent(page, 'LoginRequired', 'in', 2);
  const loginRequired = page.locator('[data-testid="event-log-entry"][data-event="LoginRequired"]').first();
  await expect(loginRequired).toContainText('"reason":"save"');
  await expect(frame.getByTestId('save-state')).toHaveAttribute('data-state', 'login');
  expect(creates.requests).toHaveLength(0);

  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await waitForEvent(page, 'ProjectSavingSucceeded');
  await expect(frame.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  await expect(frame.getByTestId('project')).toHaveCount(1);
  await expect(frame.getByTestId('project-items')).toHaveText('2 items');
  expect(await layout(frame)).toEqual(designed); // kept across the sign-in
  await page.waitForTimeout(2500); // past the autosave delay: nothing more is created
  expect(creates.requests).toHaveLength(1);
  expect(await countEvents(page, 'ProjectSavingSucceeded')).toBe(1);

  // Rename it (autosaved), then reload the host page and open it again.
  await frame.getByTestId('project-rename').click();
  await frame.getByTestId('project-name-input').fill('Living room');
  await frame.getByTestId('project-name-input').press('Enter');
  await expect(frame.getByTestId('save-state')).toHaveAttribute('data-state', 'saved', { timeout: 8000 });
  await expect(frame.getByTestId('project-name')).toHaveText('Living room');
  expect(creates.requests).toHaveLength(1);

  await page.reload();
  await waitForEvent(page, 'LoginSucceeded');
  await expect(frame.getByTestId('project')).toHaveCount(1);
  // Signing in again reopens the project changed last.
  await expect(frame.getByTestId('editor-project-name')).toHaveText('Living room');
  await expect.poll(() => layout(frame)).toEqual(designed);
  await frame.getByTestId('project-open').click();
  await expect.poll(() => layout(frame)).toEqual(designed);

  // The host's LoadProject opens it as well (after a sign-out and in).
  const projectId = await frame.getByTestId('project').getAttribute('data-project-id');
  await page.getByTestId('logout-button').click();
  await expect(frame.getByTestId('plan-item')).toHaveCount(0);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded', 'in', 2); // the log restarted with the reload
  await page.evaluate(({ origin, projectId }) => {
    const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
    iframe.contentWindow!.postMessage({ event: 'LoadProject', content: { projectId } }, origin);
  }, { origin: demo.plannerURL, projectId });
  await waitForEvent(page, 'ProjectLoadingSucceeded');
  await expect.poll(() => layout(frame)).toEqual(designed);

  // Deleting asks first; Cancel keeps it, Delete removes it from the list and the plan.
  await frame.getByTestId('project-delete').click();
  await expect(frame.getByTestId('delete-confirm')).toContainText('Living room');
  await frame.getByTestId('delete-no').click();
  await expect(frame.getByTestId('delete-confirm')).toBeHidden();
  await expect(frame.getByTestId('project')).toHaveCount(1);
  await frame.getByTestId('project-delete').click();
  await frame.getByTestId('delete-yes').click();
  await expect(frame.getByTestId('project')).toHaveCount(0);
  await expect(frame.getByTestId('plan-item')).toHaveCount(0);
  await expect(frame.getByTestId('editor-project-name')).toHaveText('Untitled room');
  await page.waitForTimeout(1000); // the live channel's echo of our own delete is no news
  await expect(frame.getByTestId('alert')).toBeHidden();
  expect(problems, problems.join('\n')).toEqual([]);
});

test('two pages editing one project: the conflict is shown with a choice, and keeping mine overwrites', async ({ page, context, demo }) => {
  const frameA = await ready(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await addByClick(frameA, ARMCHAIR);
  await frameA.getByTestId('save').click();
  await expect(frameA.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  await expect(frameA.getByTestId('project')).toHaveCount(1);

  const pageB = await context.newPage();
  await pageB.goto(demo.hostURL + '/plan');
  await waitForEvent(pageB, 'LoginSucceeded');
  const frameB = planner(pageB);
  await frameB.getByTestId('project-open').click();
  await expect(frameB.getByTestId('plan-item')).toHaveCount(1);

  // Both change the project before either save lands.
  await item(frameA, 'i1').locator('rect').click();
  await frameA.getByTestId('item-rotate').click();
  await addByClick(frameB, SOFA2);
  await addByClick(frameB, SOFA2);
  const mine = await layout(frameB);

  // A saves first; B's save (or the live channel's news of A's) is a conflict.
  await expect(frameA.getByTestId('save-state')).toHaveAttribute('data-state', 'saved', { timeout: 8000 });
  await expect(frameB.getByTestId('conflict')).toBeVisible({ timeout: 10_000 });
  await expect(frameB.getByTestId('save-state')).toHaveAttribute('data-state', 'conflict');
  await expect(frameB.getByTestId('conflict-reload')).toBeVisible();
  await pageB.waitForTimeout(2500); // no autosave overwrites meanwhile
  await expect(frameB.getByTestId('conflict')).toBeVisible();

  await frameB.getByTestId('conflict-overwrite').click();
  await expect(frameB.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  await expect(frameB.getByTestId('conflict')).toBeHidden();

  // What is stored now is B's layout.
  await page.reload();
  await waitForEvent(page, 'LoginSucceeded');
  await frameA.getByTestId('project-open').click();
  await expect.poll(() => layout(frameA)).toEqual(mine);
});

test('after "Load their version" the next change from the other page loads quietly, with no conflict', async ({ page, context, demo }) => {
  const frameA = await ready(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await addByClick(frameA, ARMCHAIR);
  await frameA.getByTestId('save').click();
  await expect(frameA.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');

  const pageB = await context.newPage();
  await pageB.goto(demo.hostURL + '/plan');
  await waitForEvent(pageB, 'LoginSucceeded');
  const frameB = planner(pageB);
  await frameB.getByTestId('project-open').click();
  await expect(frameB.getByTestId('plan-item')).toHaveCount(1);

  await item(frameA, 'i1').locator('rect').click();
  await frameA.getByTestId('item-rotate').click();
  await addByClick(frameB, SOFA2);
  await expect(frameA.getByTestId('save-state')).toHaveAttribute('data-state', 'saved', { timeout: 8000 });
  await expect(frameB.getByTestId('conflict')).toBeVisible({ timeout: 10_000 });

  await frameB.getByTestId('conflict-reload').click();
  await expect(frameB.getByTestId('conflict')).toBeHidden();
  await expect.poll(() => layout(frameB)).toEqual(await layout(frameA));
  await expect(frameB.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');

  // A changes it again; B, with nothing unsaved, simply shows the new version.
  await addByClick(frameA, SOFA);
  await expect(frameA.getByTestId('save-state')).toHaveAttribute('data-state', 'saved', { timeout: 8000 });
  const theirs = await layout(frameA);
  await expect.poll(() => layout(frameB), { timeout: 10_000 }).toEqual(theirs);
  await expect(frameB.getByTestId('conflict')).toBeHidden();
  await expect(frameB.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
});

test('a signed-in user\'s unsaved new design leaves with Logout and is never saved to the next account', async ({ page, demo }) => {
  const frame = await ready(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  const creates = recordRequests(page, isApiRequest(demo, 'POST', '/v1/projects'));
  await addByClick(frame, SOFA);
  await addByClick(frame, ARMCHAIR);
  await page.getByTestId('logout-button').click(); // within the 2 s before autosave
  await expect(frame.getByTestId('plan-item')).toHaveCount(0);
  await expect(frame.getByTestId('save-state')).toHaveAttribute('data-state', 'new');

  await signIn(page, demo, 'bob');
  await waitForEvent(page, 'LoginSucceeded', 'in', 2);
  await page.waitForTimeout(2500); // past the autosave delay
  await expect(frame.getByTestId('plan-item')).toHaveCount(0);
  await expect(frame.getByTestId('project')).toHaveCount(0);
  expect(creates.requests).toHaveLength(0);
});

test('opening another project saves unsaved work first; in a conflict the visitor is asked, never silently dropped', async ({ page, context, demo }) => {
  const frameA = await ready(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  const row = (f: FrameLocator, name: string) => f.getByTestId('project').filter({ has: f.getByTestId('project-name').getByText(name, { exact: true }) });
  for (const name of ['Kitchen', 'Lounge']) {
    await frameA.getByTestId('new-project-name').fill(name);
    await frameA.getByTestId('new-project-create').click();
    await expect(frameA.getByTestId('editor-project-name')).toHaveText(name);
  }
  await page.getByTestId('logout-button').click();
  await signIn(page, demo, 'alice');
  await expect(frameA.getByTestId('project')).toHaveCount(2);
  // Signing in again reopens the project changed last.
  await expect(frameA.getByTestId('editor-project-name')).toHaveText('Lounge');

  // A new project (no name typed: it gets a distinct one), changed and
  // opened away from within the autosave delay: saved first.
  await frameA.getByTestId('new-project-create').click();
  await expect(frameA.getByTestId('editor-project-name')).toHaveText('Room 3');
  await addByClick(frameA, SOFA);
  await row(frameA, 'Kitchen').getByTestId('project-open').click();
  await expect(frameA.getByTestId('editor-project-name')).toHaveText('Kitchen');
  await expect(frameA.getByTestId('project')).toHaveCount(3);
  await expect(row(frameA, 'Room 3').getByTestId('project-items')).toHaveText('1 item');

  // B and A both change Kitchen: B's changes are in conflict.
  const pageB = await context.newPage();
  await pageB.goto(demo.hostURL + '/plan');
  await waitForEvent(pageB, 'LoginSucceeded');
  const frameB = planner(pageB);
  await row(frameB, 'Kitchen').getByTestId('project-open').click();
  await expect(frameB.getByTestId('editor-project-name')).toHaveText('Kitchen');
  await addByClick(frameA, ARMCHAIR);
  await addByClick(frameB, SOFA2);
  await expect(frameA.getByTestId('save-state')).toHaveAttribute('data-state', 'saved', { timeout: 8000 });
  await expect(frameB.getByTestId('conflict')).toBeVisible({ timeout: 10_000 });
  const mine = await layout(frameB);

  await row(frameB, 'Lounge').getByTestId('project-open').click();
  await expect(frameB.getByTestId('leave-confirm')).toBeVisible();
  await expect(frameB.getByTestId('leave-confirm')).toContainText('changed in another tab');
  await frameB.getByTestId('leave-stay').click();
  await expect(frameB.getByTestId('leave-confirm')).toBeHidden();
  await expect(frameB.getByTestId('editor-project-name')).toHaveText('Kitchen');
  expect(await layout(frameB)).toEqual(mine);
  await expect(frameB.getByTestId('conflict')).toBeVisible();

  await row(frameB, 'Lounge').getByTestId('project-open').click();
  await frameB.getByTestId('leave-discard').click();
  await expect(frameB.getByTestId('editor-project-name')).toHaveText('Lounge');
  await expect(frameB.getByTestId('plan-item')).toHaveCount(0);
  await expect(frameB.getByTestId('conflict')).toBeHidden();
});

test('Add all to basket reaches the host\'s basket with the right quantities and total', async ({ page, demo }) => {
  const frame = await ready(page, demo);
  await addByClick(frame, ARMCHAIR);
  await addByClick(frame, ARMCHAIR);
  await addByClick(frame, SOFA);
  await addByClick(frame, ARMCHAIR);
  const total = 3 * product(ARMCHAIR).price + product(SOFA).price;
  await expect(frame.getByTestId('summary-total')).toHaveAttribute('data-minor', String(total));
  await frame.getByTestId('add-to-basket').click();
  await waitForEvent(page, 'AddToBasket');
  const entry = page.locator('[data-testid="event-log-entry"][data-event="AddToBasket"]').first();
  await expect(entry).toContainText(`"productId":"${ARMCHAIR}","quantity":3,"unitPrice":${product(ARMCHAIR).price}`);
  await expect(page.getByTestId('basket-count')).toHaveText('4');

  await page.goto(demo.hostURL + '/basket');
  await expect(page.getByTestId('basket-line')).toHaveCount(2);
  await expect(page.locator(`[data-testid="basket-line"][data-product-id="${ARMCHAIR}"] [data-testid="basket-quantity"]`)).toHaveText('3');
  await expect(page.locator(`[data-testid="basket-line"][data-product-id="${SOFA}"] [data-testid="basket-quantity"]`)).toHaveText('1');
  await expect(page.getByTestId('basket-total')).toHaveText(euro(total));
});

/**
 * savedWithExtraItem signs alice in, saves a one-armchair project, and makes
 * every later read of it carry extra as well: an item whose product the API
 * would refuse on save, as a later catalog import leaves behind.
 */
async function savedWithExtraItem(page: Page, demo: Demo, extra: { id: string; productId: string; x: number; y: number; rotation: number }) {
  const frame = await ready(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await addByClick(frame, ARMCHAIR);
  await frame.getByTestId('save').click();
  await expect(frame.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  await page.route(`${demo.plannerURL}/v1/projects/*`, async (route) => {
    if (route.request().method() !== 'GET') return route.fallback();
    const res = await route.fetch();
    const body = await res.json();
    body.items.push(extra);
    await route.fulfill({ response: res, json: body });
  });
  return frame;
}

test('a product removed from the catalog since loads marked, unpriced and listed, without breaking the plan', async ({ page, demo }) => {
  const frame = await savedWithExtraItem(page, demo, { id: 'i9', productId: 'lamp-discontinued', x: 350, y: 250, rotation: 90 });
  await frame.getByTestId('project-open').click();
  await expect(frame.getByTestId('plan-item')).toHaveCount(2);
  await expect(item(frame, 'i9')).toHaveClass(/\bunk\b/);
  await expect(frame.locator('[data-testid="warning"][data-kind="unknown"]')).toContainText('lamp-discontinued');
  await expect(frame.getByTestId('summary-total')).toHaveAttribute('data-minor', String(product(ARMCHAIR).price));
  await expect(frame.getByTestId('summary')).toContainText('1 item(s) cannot be priced');
  // The plan still works: the known item moves, the unknown one can be removed.
  await item(frame, 'i9').locator('rect').click();
  await page.keyboard.press('Delete');
  await expect(frame.getByTestId('plan-item')).toHaveCount(1);
  await expect(frame.getByTestId('warning')).toHaveCount(0);
});

test('a product that fails to load (503) shows as loading, not unknown, and is asked for again', async ({ page, demo }) => {
  const frame = await savedWithExtraItem(page, demo, { id: 'i9', productId: 'lamp-flaky', x: 350, y: 250, rotation: 0 });
  let asked = 0;
  await page.route(`${demo.plannerURL}/v1/catalog/products/lamp-flaky`, async (route) => {
    asked++;
    if (asked <= 2) return route.fulfill({ status: 503, json: { error: { code: 'unavailable', message: 'try later' } } });
    return route.fulfill({ json: { id: 'lamp-flaky', name: 'Flaky lamp', category: 'lighting', description: '', width: 40, depth: 40, height: 150, price: 5900, currency: 'EUR', color: '#e0c080' } });
  });
  await frame.getByTestId('project-open').click();
  await expect(frame.getByTestId('plan-item')).toHaveCount(2);
  await expect.poll(() => asked).toBeGreaterThanOrEqual(1);
  await expect(item(frame, 'i9')).toHaveClass(/\bwait\b/);
  await expect(frame.locator('[data-testid="warning"][data-kind="unknown"]')).toHaveCount(0);
  await expect(frame.getByTestId('summary-loading')).toBeVisible();
  await expect(frame.getByTestId('summary')).not.toContainText('cannot be priced');
  // Asked again until it answers: then priced like any other.
  await expect(frame.locator('[data-testid="summary-line"][data-product-id="lamp-flaky"]')).toBeVisible({ timeout: 20_000 });
  await expect(item(frame, 'i9')).not.toHaveClass(/\b(wait|unk)\b/);
  await expect(frame.getByTestId('summary-total')).toHaveAttribute('data-minor', String(product(ARMCHAIR).price + 5900));
  expect(asked).toBe(3);
});

test('keys: Ctrl+D duplicates, Backspace deletes; keys typed in fields or on an open question leave items alone; undo during a drag sticks', async ({ page, demo }) => {
  const frame = await ready(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await addByClick(frame, ARMCHAIR); // i1, selected
  await item(frame, 'i1').locator('rect').click();
  await page.keyboard.press('Control+d');
  await expect(frame.getByTestId('plan-item')).toHaveCount(2);
  await page.keyboard.press('Backspace'); // the copy, selected
  await expect(frame.getByTestId('plan-item')).toHaveCount(1);
  await expect(item(frame, 'i1')).toBeVisible();

  // Typed in the room width and the catalog search, with i1 selected: no item moves, turns or goes.
  await item(frame, 'i1').locator('rect').click();
  const before = await layout(frame);
  await frame.getByTestId('room-width').focus();
  for (const k of ['Backspace', 'Delete', 'r', 'ArrowLeft', 'Control+d']) await page.keyboard.press(k);
  await frame.getByTestId('catalog-search').fill('');
  await frame.getByTestId('catalog-search').pressSequentially('rd');
  await frame.getByTestId('catalog-search').press('Backspace');
  await frame.getByTestId('catalog-search').press('Delete');
  expect(await layout(frame)).toEqual(before);
  await frame.getByTestId('catalog-search').fill('');

  // The project delete question is open (focus on Cancel): Delete and Backspace do not remove i1.
  await frame.getByTestId('save').click();
  await expect(frame.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  await item(frame, 'i1').locator('rect').click();
  await frame.getByTestId('project-delete').click();
  await expect(frame.getByTestId('delete-no')).toBeFocused();
  await page.keyboard.press('Delete');
  await page.keyboard.press('Backspace');
  await expect(frame.getByTestId('delete-confirm')).toBeVisible();
  await expect(frame.getByTestId('plan-item')).toHaveCount(1);
  await frame.getByTestId('delete-no').click();

  // Undo pressed mid-drag wins over the release.
  await addByClick(frame, SOFA2); // i2
  await expect(frame.getByTestId('plan-item')).toHaveCount(2);
  const start = await layout(frame);
  const r = await box(item(frame, 'i1').locator('rect'));
  await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
  await page.mouse.down();
  await page.mouse.move(r.x + r.width / 2 + 40, r.y + r.height / 2 + 10, { steps: 5 });
  await page.keyboard.press('Control+z'); // undoes adding i2
  await page.mouse.move(r.x + r.width / 2 + 60, r.y + r.height / 2 + 10, { steps: 3 });
  await page.mouse.up();
  expect(await layout(frame)).toEqual(start.filter((i) => i.id !== 'i2'));
});

test('SetUpSettings switches the editor to French and formats prices for the locale', async ({ page, demo }) => {
  const frame = await ready(page, demo);
  await addByClick(frame, ARMCHAIR);
  await page.evaluate((origin) => {
    const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
    iframe.contentWindow!.postMessage({ event: 'SetUpSettings', content: { locale: 'fr', currency: 'EUR' } }, origin);
  }, demo.plannerURL);
  await expect(frame.getByTestId('save')).toHaveText('Enregistrer');
  await expect(frame.getByTestId('summary-total')).toHaveText(new Intl.NumberFormat('fr', { style: 'currency', currency: 'EUR' }).format(product(ARMCHAIR).price / 100));
  await expect(frame.getByTestId('plan-item')).toHaveCount(1); // the plan survives the rebuild
});

test('the editor at phone width (360 × 740) and on desktop (1400 × 900)', async ({ page, demo }, testInfo) => {
  const problems = watchConsole(page);
  const frame = await ready(page, demo);
  await signIn(page, demo, 'alice'); // the New project form takes a row more
  await waitForEvent(page, 'LoginSucceeded');
  for (const id of [SOFA, ARMCHAIR, ARMCHAIR]) await addByClick(frame, id);
  await addByDrag(page, frame, SOFA2, 300, 60);
  await shot(page, testInfo, 'desktop-1400x900');
  // The whole plan, scale bar included, is in the editor pane's visible height: no inner scroll to see it.
  const fit = await frame.getByTestId('plan').evaluate((plan) => {
    const pane = plan.closest('.pane')!;
    const p = plan.getBoundingClientRect(), v = pane.getBoundingClientRect(), bar = plan.querySelector('[data-testid="scale-bar"]')!.getBoundingClientRect();
    return { scrollTop: pane.scrollTop, planBottom: p.bottom, paneBottom: v.bottom, barBottom: bar.bottom, height: p.height };
  });
  expect(fit.scrollTop).toBe(0);
  expect(fit.planBottom).toBeLessThanOrEqual(fit.paneBottom);
  expect(fit.barBottom).toBeLessThanOrEqual(fit.planBottom);
  expect(fit.height).toBeGreaterThanOrEqual(260);
  await page.setViewportSize({ width: 360, height: 740 });
  await expect(frame.getByTestId('plan-svg')).toBeVisible();
  await expect.poll(async () => (await box(frame.getByTestId('plan-svg'))).width).toBeLessThanOrEqual(340);
  const plan = await box(frame.getByTestId('plan-svg'));
  expect(plan.width).toBeGreaterThan(250);
  // Nothing in the planner is wider than the phone.
  expect(await frame.locator('html').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  await frame.getByTestId('editor').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await shot(page, testInfo, 'phone-360x740', false);
  // On a phone the summary is a sheet over the plan, opened from the dock.
  await frame.getByTestId('open-side').click();
  await expect(frame.getByTestId('summary-total')).toBeVisible();
  await shot(page, testInfo, 'phone-360x740-summary', false);
  // The summary table fits its panel: no hidden columns behind a scroll.
  const sum = await frame.getByTestId('summary').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(sum.scroll).toBeLessThanOrEqual(sum.client);
  await frame.getByTestId('side-close').click();
  await expect(frame.getByTestId('side-pane')).toBeHidden();

  // Touch: one finger drags an item, two fingers pinch the plan (pointer events of type touch).
  await frame.getByTestId('plan-svg').scrollIntoViewIfNeeded();
  const before = (await layout(frame)).find((i) => i.id === 'i2')!;
  const touched = await frame.locator('html').evaluate(() => {
    const svg = document.querySelector('[data-testid="plan-svg"]')!;
    const rect = document.querySelector('[data-item-id="i2"] rect')!.getBoundingClientRect();
    const fire = (type: string, target: Element, id: number, x: number, y: number) => target.dispatchEvent(new PointerEvent(type,
      { bubbles: true, cancelable: true, pointerId: id, pointerType: 'touch', isPrimary: id === 1, button: type === 'pointermove' ? -1 : 0, clientX: x, clientY: y }));
    const x = rect.left + rect.width / 2, y = rect.top + rect.height / 2;
    fire('pointerdown', document.querySelector('[data-item-id="i2"] rect')!, 1, x, y);
    for (let i = 1; i <= 10; i++) fire('pointermove', svg, 1, x + i * 3, y);
    fire('pointerup', svg, 1, x + 30, y);
    const zoom0 = (svg as SVGSVGElement).dataset.zoom;
    const r = svg.getBoundingClientRect();
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    fire('pointerdown', svg, 2, cx - 20, cy);
    fire('pointerdown', svg, 3, cx + 20, cy);
    for (let i = 1; i <= 5; i++) { fire('pointermove', svg, 2, cx - 20 - i * 8, cy); fire('pointermove', svg, 3, cx + 20 + i * 8, cy); }
    fire('pointerup', svg, 2, cx - 60, cy);
    fire('pointerup', svg, 3, cx + 60, cy);
    return { zoom0, zoom1: (svg as SVGSVGElement).dataset.zoom };
  });
  const after = (await layout(frame)).find((i) => i.id === 'i2')!;
  expect(after.x).toBeGreaterThan(before.x);
  expect(Number(touched.zoom1)).toBeGreaterThan(Number(touched.zoom0));
  expect(problems, problems.join('\n')).toEqual([]);
});
