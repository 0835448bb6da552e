import type { FrameLocator, Page, TestInfo } from '@playwright/test';
import { test, expect, planner, openPlan, signIn, waitForEvent, mintToken, apiGet, plannerDebug, type Demo, planPoint as at } from './fixtures';

// Real rooms (issue #16): an L drawn by editing a rectangle, a door and a
// window on its walls, a clearance warning, saved as a version 2 document and
// reopened; a version 1 project opened and saved as version 2; imperial units
// in and out; the 3D view (pixels of a wall, a door hole and a product),
// following a change and carrying the selection back to the plan, never
// through a wall.

const HIGHBOARD = 'storage-skjul-highboard'; // 100 × 45 × 140 cm, #556b7d

type Room = { width: number; depth: number; polygon?: { x: number; y: number }[]; openings?: { kind: string; wall: number; offset: number }[] };

async function shot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

const corners = (frame: FrameLocator) => frame.getByTestId('corner-handle').evaluateAll((els) =>
  els.map((e) => [Number(e.getAttribute('data-x')), Number(e.getAttribute('data-y'))]));

async function dblclickAt(page: Page, frame: FrameLocator, x: number, y: number) {
  const p = await at(page, frame, x, y);
  await page.mouse.dblclick(p.x, p.y);
}

async function drag(page: Page, frame: FrameLocator, from: [number, number], to: [number, number], alt = false) {
  const a = await at(page, frame, ...from), b = await at(page, frame, ...to);
  await page.mouse.move(a.x, a.y);
  if (alt) await page.keyboard.down('Alt');
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
  if (alt) await page.keyboard.up('Alt');
}

/** Pixels of the 3D canvas at world points (cm), as [r, g, b]. */
async function pixels3d(frame: FrameLocator, points: [number, number, number][]) {
  return frame.getByTestId('view3d').evaluate(async (c, pts) => {
    const canvas = c as HTMLCanvasElement & { view3d: { project(p: number[]): { x: number; y: number } } };
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const copy = document.createElement('canvas');
    copy.width = canvas.width; copy.height = canvas.height;
    const g = copy.getContext('2d')!;
    g.drawImage(canvas, 0, 0);
    const k = canvas.width / canvas.clientWidth;
    return pts.map((p) => {
      const s = canvas.view3d.project(p);
      return Array.from(g.getImageData(Math.round(s.x * k), Math.round(s.y * k), 1, 1).data.slice(0, 3));
    });
  }, points);
}

// The shape tools are a chunk of their own, loaded on "Edit room".
async function openTools(frame: FrameLocator) {
  await frame.getByTestId('room-tools-open').click();
  await expect(frame.getByTestId('room-preset')).toBeVisible();
  await expect(frame.getByTestId('room-tools-open')).toBeHidden();
}

async function signedIn(page: Page, demo: Demo) {
  await openPlan(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  const frame = planner(page);
  await expect(frame.getByTestId('plan-svg')).toBeVisible();
  await expect(frame.getByTestId('room-tools')).toBeVisible();
  await openTools(frame);
  return frame;
}

test('an L room with a door and a window: clearance, saved as v2, reopened; 3D shows it and picks', async ({ page, demo }, testInfo) => {
  test.setTimeout(180_000);
  const frame = await signedIn(page, demo);
  await frame.getByTestId('room-width').fill('500');
  await frame.getByTestId('room-width').press('Enter');
  await frame.getByTestId('room-depth').fill('400');
  await frame.getByTestId('room-depth').press('Enter');
  expect(await corners(frame)).toEqual([[0, 0], [500, 0], [500, 400], [0, 400]]);

  // An L by editing the rectangle: two corners added on walls, the corner between them dragged in.
  await dblclickAt(page, frame, 500, 250);
  await expect(frame.getByTestId('corner-handle')).toHaveCount(5);
  await dblclickAt(page, frame, 250, 400);
  await expect(frame.getByTestId('corner-handle')).toHaveCount(6);
  await drag(page, frame, [500, 400], [250, 250], true);
  await expect.poll(() => corners(frame)).toEqual([[0, 0], [500, 0], [500, 250], [250, 250], [250, 400], [0, 400]]);
  // A move that would cross walls is refused, and the note says why.
  await drag(page, frame, [250, 250], [600, 100], true);
  await expect(frame.getByTestId('room-note')).toContainText(/cross|inside out/);
  expect(await corners(frame)).toEqual([[0, 0], [500, 0], [500, 250], [250, 250], [250, 400], [0, 400]]);
  await expect(frame.getByTestId('floor-area')).toHaveText('Floor area: 16.3 m²');

  // A door (top wall, centred) and a window (it goes beside the door).
  await frame.getByTestId('add-door').click();
  await frame.getByTestId('add-window').click();
  await expect(frame.getByTestId('opening')).toHaveCount(2);
  const door = frame.locator('[data-testid="opening"][data-kind="door"]');
  await expect(door).toHaveAttribute('data-wall', '0');
  await expect(door).toHaveAttribute('data-offset', '205');
  await expect(frame.getByTestId('door-swing')).toHaveCount(1);

  // A highboard in the door's swing is flagged.
  await frame.getByTestId('catalog-search').fill('Skjul highboard');
  await frame.locator(`[data-testid="product"][data-product-id="${HIGHBOARD}"]`).getByTestId('product-add').click();
  const hb = frame.locator('[data-testid="plan-item"]').first();
  const id = (await hb.getAttribute('data-item-id'))!;
  const hbAt = async () => ({ x: Number(await hb.getAttribute('data-x')), y: Number(await hb.getAttribute('data-y')) });
  const start = await hbAt();
  await drag(page, frame, [start.x, start.y], [260, 60]);
  await expect.poll(hbAt).toEqual({ x: 260, y: 60 });
  await expect(frame.locator('[data-testid="warning"][data-kind="clearance"]')).toHaveCount(1);
  await expect(frame.locator('[data-testid="warning"][data-kind="clearance"]')).toContainText('Skjul highboard is in the swing of a door');
  await shot(page, testInfo, 'plan-2d');

  // Saved as version 2 and read back the same.
  await frame.getByTestId('save').click();
  await expect(frame.getByTestId('save-state')).toHaveAttribute('data-state', 'saved', { timeout: 8000 });
  const projectId = (await frame.getByTestId('project').first().getAttribute('data-project-id'))!;
  const token = await mintToken(demo, { kind: 'user', userId: 'alice' });
  const stored = (await apiGet<{ room: Room }>(demo, token, `/v1/projects/${projectId}`)).body.room;
  expect(stored.polygon).toEqual([{ x: 0, y: 0 }, { x: 500, y: 0 }, { x: 500, y: 250 }, { x: 250, y: 250 }, { x: 250, y: 400 }, { x: 0, y: 400 }]);
  expect(stored.openings?.map((o) => [o.kind, o.wall, o.offset])).toEqual([['door', 0, 205], ['window', 0, 70]]);

  await page.reload();
  await waitForEvent(page, 'LoginSucceeded');
  await frame.locator(`[data-testid="project-open"][data-project-id="${projectId}"]`).click();
  // Drawn at first paint, before any tool is loaded: the L, its door's swing and the warning.
  await expect(frame.getByTestId('door-swing')).toHaveCount(1);
  await expect(frame.getByTestId('corner-handle')).toHaveCount(0);
  await openTools(frame);
  await expect.poll(() => corners(frame)).toEqual([[0, 0], [500, 0], [500, 250], [250, 250], [250, 400], [0, 400]]);
  await expect(frame.getByTestId('opening')).toHaveCount(2);
  await expect(frame.locator('[data-testid="warning"][data-kind="clearance"]')).toHaveCount(1);

  // 3D: walls, the door's hole and the highboard's colour, where the plan has them.
  await frame.getByTestId('toggle-3d').click();
  const canvas = frame.getByTestId('view3d');
  await expect(canvas).toBeVisible();
  await expect.poll(async () => Number(await canvas.getAttribute('data-frames'))).toBeGreaterThan(0);
  await shot(page, testInfo, 'view-3d');
  const [wall, hole, top] = await pixels3d(frame, [[40, 150, 0.5], [280, 180, 0], [260, 140, 60]]);
  const grey = (c: number[]) => Math.max(...c) - Math.min(...c) < 25;
  expect(grey(wall), `wall pixel ${wall}`).toBe(true); // the wall's light grey
  expect(hole[2] - hole[0], `door hole pixel ${hole}`).toBeGreaterThan(10); // the blue-grey background through the hole
  const want = [0x55, 0x6b, 0x7d];
  expect(Math.hypot(...top.map((v, k) => v - want[k])), `highboard top ${top}`).toBeLessThan(45);

  // Selection crosses over: a click on the highboard in 3D selects it in the plan.
  const p = await canvas.evaluate((c) => (c as HTMLCanvasElement & { view3d: { project(p: number[]): { x: number; y: number } } }).view3d.project([260, 140, 60]));
  const box = (await canvas.boundingBox())!;
  await page.mouse.click(box.x + p.x, box.y + p.y);
  await frame.getByTestId('toggle-3d').click();
  await expect(frame.locator(`[data-testid="plan-item"][data-item-id="${id}"]`)).toHaveClass(/\bsel\b/);

  // A change in the editor shows in 3D at once: the highboard deleted, then back with undo.
  await frame.getByTestId('toggle-3d').click();
  const [before] = await pixels3d(frame, [[260, 140, 60]]);
  await frame.getByTestId('item-delete').click();
  const [after] = await pixels3d(frame, [[260, 140, 60]]);
  expect(Math.hypot(...after.map((v, k) => v - before[k])), `after delete ${after} vs ${before}`).toBeGreaterThan(30);
  await frame.getByTestId('undo').click();
  const [back] = await pixels3d(frame, [[260, 140, 60]]);
  // Back, no longer selected (the delete cleared the selection): its own colour again.
  expect(Math.hypot(...back.map((v, k) => v - want[k])), `after undo ${back}`).toBeLessThan(45);

  // The walk view stands at eye level.
  await frame.getByTestId('walk-3d').click();
  await expect(canvas).toHaveAttribute('data-mode', 'walk');
  await shot(page, testInfo, 'view-3d-walk');

  // Picking is depth-correct: backed out through the bottom wall, the highboard is behind that wall, and a click
  // where it would be selects nothing; walked back in, the same click selects it.
  const hbItem = frame.locator(`[data-testid="plan-item"][data-item-id="${id}"]`);
  const clickAt = async (w: [number, number, number]) => {
    const q = await canvas.evaluate((c, w) => (c as HTMLCanvasElement & { view3d: { project(p: number[]): { x: number; y: number } } }).view3d.project(w), w);
    await page.mouse.click(box.x + q.x, box.y + q.y);
  };
  const middle: [number, number, number] = [260, 100, 60];
  await expect(hbItem).not.toHaveClass(/\bsel\b/);
  for (let i = 0; i < 4; i++) await canvas.press('s');
  const [behind] = await pixels3d(frame, [middle]);
  const bluish = (c: number[]) => c[2] - c[0] > 15; // the highboard's blue-grey, lit or in shade
  expect(grey(behind) && !bluish(behind), `the wall hides the highboard: ${behind}`).toBe(true);
  await shot(page, testInfo, 'view-3d-behind-wall');
  await clickAt(middle);
  await expect.poll(() => canvas.evaluate((c) => document.activeElement === c)).toBe(true);
  await expect(hbItem).not.toHaveClass(/\bsel\b/);
  for (let i = 0; i < 4; i++) await canvas.press('w');
  const [seen] = await pixels3d(frame, [middle]);
  expect(bluish(seen), `back in, the highboard is in sight: ${seen}`).toBe(true);
  await clickAt(middle);
  await expect(hbItem).toHaveClass(/\bsel\b/);
});

test('a v1 project opens as its rectangle and saves as v2; imperial units in and out', async ({ page, demo }, testInfo) => {
  const token = await mintToken(demo, { kind: 'user', userId: 'alice', access: 'write' });
  const res = await fetch(demo.plannerURL + '/v1/projects', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Old room', room: { width: 420, depth: 310 }, items: [] }),
  });
  expect(res.status).toBe(201);
  const old = (await res.json()) as { id: string; room: Room };
  expect(old.room.polygon).toBeUndefined();

  const frame = await signedIn(page, demo);
  await frame.locator(`[data-testid="project-open"][data-project-id="${old.id}"]`).click();
  await expect.poll(() => corners(frame)).toEqual([[0, 0], [420, 0], [420, 310], [0, 310]]);

  // Imperial: lengths shown in feet and inches, typed in either unit.
  await frame.getByTestId('units').selectOption('imperial');
  await expect(frame.locator('[data-testid="wall-label"][data-index="0"]')).toHaveText(`13' 9"`);
  await expect(frame.getByTestId('floor-area')).toHaveText('Floor area: 140 ft²');
  const mid = await at(page, frame, 210, -5);
  await page.mouse.click(mid.x, mid.y);
  await expect(frame.getByTestId('wall-length')).toHaveValue(`13' 9"`);
  await frame.getByTestId('wall-length').fill(`10' 6"`);
  await frame.getByTestId('wall-length').press('Enter');
  await expect.poll(() => corners(frame)).toEqual([[0, 0], [320, 0], [320, 310], [0, 310]]);
  await frame.getByTestId('wall-length').fill('350 cm');
  await frame.getByTestId('wall-length').press('Enter');
  await expect.poll(() => corners(frame)).toEqual([[0, 0], [350, 0], [350, 310], [0, 310]]);
  await expect(frame.getByTestId('wall-length')).toHaveValue(`11' 6"`);
  await shot(page, testInfo, 'imperial');

  // The next save (the autosave) stores version 2.
  const read = async () => (await apiGet<{ room: Room; version: number }>(demo, token, `/v1/projects/${old.id}`)).body;
  await expect.poll(async () => (await read()).room.width, { timeout: 10_000 }).toBe(350);
  const stored = await read();
  expect(stored.room.polygon).toEqual([{ x: 0, y: 0 }, { x: 350, y: 0 }, { x: 350, y: 310 }, { x: 0, y: 310 }]);
  expect(stored.room.width).toBe(350);
});

test('the shape tools load on "Edit room", not before; a failed load says so and the next press retries', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  // A polygon room is drawn without them.
  await expect(frame.getByTestId('room-floor')).toBeVisible();
  await expect(frame.getByTestId('room-tools-open')).toBeVisible();
  await expect(frame.getByTestId('room-preset')).toHaveCount(0);
  await expect(frame.getByTestId('corner-handle')).toHaveCount(0);

  // From here on every chunk request fails: the network drops while the visitor reads.
  const late: string[] = [];
  let fail = true;
  await page.route('**/static/planner/chunk.*.js', (route) => {
    late.push(route.request().url());
    return fail ? route.abort('internetdisconnected') : route.continue();
  });
  await frame.getByTestId('room-tools-open').click();
  await expect(frame.getByTestId('room-note')).toContainText('The room tools could not be loaded');
  await expect(frame.getByTestId('room-tools-open')).toBeEnabled();
  expect(late.length).toBeGreaterThan(0);

  fail = false;
  await openTools(frame);
  expect(await corners(frame)).toHaveLength(4);
  await expect(frame.getByTestId('room-note')).toHaveText('');
});

test('SetUpSettings {units} from the host switches the plan to feet and inches and back', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('room-tools')).toBeVisible();
  const label = frame.locator('[data-testid="wall-label"][data-index="0"]');
  await expect(label).toHaveText('400 cm');
  const send = (content: object) => page.evaluate(([origin, content]) => {
    const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
    iframe.contentWindow!.postMessage({ event: 'SetUpSettings', content }, origin as string);
  }, [demo.plannerURL, content] as const);
  // Before the room tools are loaded: the drawing follows at once.
  await expect(frame.getByTestId('units')).toHaveCount(0);
  await send({ units: 'imperial' });
  await expect(label).toHaveText(`13' 1"`);
  // Loaded afterwards, the tools start in the units the host set.
  await openTools(frame);
  await expect(frame.getByTestId('units')).toHaveValue('imperial');
  await expect(frame.getByTestId('floor-area')).toHaveText('Floor area: 129 ft²');
  // A value outside the protocol is dropped whole: the locale with it does not apply either.
  await send({ units: 'cubits', locale: 'fr' });
  await expect.poll(() => plannerDebug<{ dropped: { shape: number } }>(page, 'bridgeStats').then((s) => s.dropped.shape)).toBe(1);
  await send({ locale: 'en', units: 'metric' });
  await expect(label).toHaveText('400 cm');
  await expect(frame.getByTestId('units')).toHaveValue('metric');
  await expect(frame.getByTestId('save')).toHaveText('Save');
});

test('while an item is dragged its distances to the walls are shown, in the room units', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('room-tools')).toBeVisible();
  await expect(frame.getByTestId('room-preset')).toHaveCount(0); // furnishing: the room tools stay unloaded
  await frame.getByTestId('catalog-search').fill('Skjul highboard');
  await frame.locator(`[data-testid="product"][data-product-id="${HIGHBOARD}"]`).getByTestId('product-add').click();
  const item = frame.getByTestId('plan-item');
  await expect(item).toHaveCount(1);
  const box = (await item.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  const to = await at(page, frame, 100, 200); // the centre: 50 cm from the left wall, 77.5 cm from the back one
  await page.mouse.move(to.x, to.y, { steps: 6 });
  const gap = frame.getByTestId('drag-gap');
  await expect(gap).toHaveCount(4);
  await expect.poll(() => gap.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-cm'))))).toEqual([50, 250, 177.5, 77.5]);
  await expect(gap.first()).toHaveText('50 cm');
  await page.mouse.up();
  await expect(gap).toHaveCount(0);
});
