import type { FrameLocator, Page } from '@playwright/test';
import { test, expect, planner, openPlan, signIn, waitForEvent, mintToken, planPoint as at } from './fixtures';

// Wall-mounted products (catalog `mount: "wall"`, the demo seed's Fjell wall
// cabinets): one goes onto the nearest wall's inner face, facing the room,
// when added and when dragged; a wall cabinet above a base cabinet is not an
// overlap (a tall pantry under one is); a wardrobe in front of a window is
// flagged, a base cabinet lower than the sill is not.

const WALL_CAB = 'kitchen-fjell-wall-60'; // 60 × 37 × 80 cm, hung at 145 cm
const BASE_CAB = 'kitchen-fjell-base-60'; // 60 × 60 × 87 cm
const PANTRY = 'kitchen-fjell-tall-60'; // 60 × 60 × 217 cm
const WARDROBE = 'storage-fjord-wardrobe-100'; // 100 × 58 × 201 cm

async function drag(page: Page, frame: FrameLocator, from: [number, number], to: [number, number]) {
  const a = await at(page, frame, ...from), b = await at(page, frame, ...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
}

const placed = (frame: FrameLocator, id: string) => frame.locator(`[data-testid="plan-item"][data-item-id="${id}"]`).evaluate((e) => {
  const d = (e as HTMLElement).dataset;
  return { x: Number(d.x), y: Number(d.y), rotation: Number(d.rotation) };
});

test('a wall cabinet goes onto the nearest wall, its back on the inner face, facing the room', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('room-floor')).toBeVisible();
  await frame.getByTestId('catalog-search').fill('Fjell wall cabinet 60');
  await frame.locator(`[data-testid="product"][data-product-id="${WALL_CAB}"]`).getByTestId('product-add').click();
  const item = frame.getByTestId('plan-item');
  await expect(item).toHaveCount(1);
  const id = (await item.getAttribute('data-item-id'))!;
  // Added: on one of the 400 × 300 room's walls, its 37 cm depth out from it, its back to that wall.
  const first = await placed(frame, id);
  const onAWall = [first.rotation === 0 && first.y === 18.5, first.rotation === 90 && first.x === 381.5,
    first.rotation === 180 && first.y === 281.5, first.rotation === 270 && first.x === 18.5];
  expect(onAWall.filter(Boolean), JSON.stringify(first)).toHaveLength(1);

  // Dragged near the right wall, it hangs there, turned to face the room; near the bottom wall, there.
  await drag(page, frame, [first.x, first.y], [340, 152]);
  await expect.poll(() => placed(frame, id)).toEqual({ x: 381.5, y: 150, rotation: 90 });
  await drag(page, frame, [381.5, 150], [203, 250]);
  await expect.poll(() => placed(frame, id)).toEqual({ x: 205, y: 281.5, rotation: 180 });
  // Hanging on a wall it is inside the room, and nothing is flagged.
  await expect(frame.getByTestId('warning')).toHaveCount(0);
  await expect(item).not.toHaveClass(/\b(bad|out)\b/);
});

test('a wall cabinet above a base cabinet is fine, above a tall pantry it overlaps; a wardrobe before a window is flagged', async ({ page, demo }) => {
  const token = await mintToken(demo, { kind: 'user', userId: 'alice', access: 'write' });
  const room = {
    width: 400, depth: 300, wallThickness: 12,
    polygon: [{ x: 0, y: 0 }, { x: 400, y: 0 }, { x: 400, y: 300 }, { x: 0, y: 300 }],
    // A window in the top wall (x 140–260) and one in the left wall (y 90–210), both with a 90 cm sill.
    openings: [{ id: 'o1', kind: 'window', wall: 0, offset: 140, width: 120, sill: 90 }, { id: 'o2', kind: 'window', wall: 3, offset: 90, width: 120, sill: 90 }],
  };
  const items = [
    { id: 'base', productId: BASE_CAB, x: 100, y: 270, rotation: 180 }, // on the bottom wall
    { id: 'wall1', productId: WALL_CAB, x: 100, y: 281.5, rotation: 180 }, // above it
    { id: 'pantry', productId: PANTRY, x: 300, y: 270, rotation: 180 },
    { id: 'wall2', productId: WALL_CAB, x: 300, y: 281.5, rotation: 180 }, // into the pantry's top
    { id: 'wardrobe', productId: WARDROBE, x: 200, y: 29, rotation: 0 }, // before the top window
    { id: 'low', productId: BASE_CAB, x: 30, y: 150, rotation: 270 }, // under the left window's sill
  ];
  const res = await fetch(demo.plannerURL + '/v1/projects', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Kitchen', room, items }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { id: projectId } = (await res.json()) as { id: string };

  await openPlan(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  const frame = planner(page);
  await frame.locator(`[data-testid="project-open"][data-project-id="${projectId}"]`).click();
  await expect(frame.getByTestId('plan-item')).toHaveCount(items.length);
  const node = (id: string) => frame.locator(`[data-testid="plan-item"][data-item-id="${id}"]`);

  // One overlap: the pantry reaches into the wall cabinet over it; the base cabinet stops below its neighbour's 145 cm.
  const overlaps = frame.locator('[data-testid="warning"][data-kind="overlap"]');
  await expect(overlaps).toHaveCount(1);
  await expect(overlaps).toHaveText('Fjell tall pantry unit overlaps Fjell wall cabinet 60');
  for (const id of ['pantry', 'wall2']) await expect(node(id)).toHaveClass(/\bbad\b/);
  for (const id of ['base', 'wall1']) await expect(node(id)).not.toHaveClass(/\bbad\b/);

  // One window blocked: the wardrobe; the base cabinet under the other window's sill is not.
  const windows = frame.locator('[data-testid="warning"][data-kind="clearance"]');
  await expect(windows).toHaveCount(1);
  await expect(windows).toHaveText('Fjord wardrobe, 2 doors stands in front of a window');
  await expect(node('wardrobe')).toHaveClass(/\bblocking\b/);
  await expect(node('low')).not.toHaveClass(/\bblocking\b/);

  // Moved off the window, the wardrobe is no longer flagged.
  await drag(page, frame, [200, 29], [330, 100]);
  await expect(windows).toHaveCount(0);
  await expect(node('wardrobe')).not.toHaveClass(/\bblocking\b/);
});
