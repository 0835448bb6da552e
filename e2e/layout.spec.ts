import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameLocator, Page, TestInfo } from '@playwright/test';
import { test, expect, planner, openPlan, signIn, waitForEvent } from './fixtures';

// The app layout (issue #15): at every frame size the plan is the main thing,
// the total and the basket button are in view without scrolling, and nothing
// scrolls sideways. The iframe is given exactly each size (the host page's
// container pinned to the viewport), anonymous and signed in, furnished.

const SIZES: Array<[number, number]> = [[1440, 900], [1280, 720], [1024, 768], [768, 1024], [390, 844]];
const FURNITURE = ['rug-vag-200x300', 'sofa-oslo-3', 'table-rund-coffee', 'table-ek-dining-6', 'chair-saga-dining', 'bed-natt-140',
  'storage-fjord-wardrobe-150', 'kitchen-fjell-sink-80', 'lamp-ljus-floor', 'armchair-hygge-recliner'];
const here = path.dirname(fileURLToPath(import.meta.url));
const seed = JSON.parse(readFileSync(path.join(here, '..', 'web', 'catalog', 'seed', 'catalog.json'), 'utf8')) as { products: Array<{ id: string; name: string }> };

/** Adds a product from the catalog (found by its name), opening the catalog's sheet when it is one. */
export async function add(frame: FrameLocator, id: string) {
  const opener = frame.getByTestId('open-catalog');
  if (await opener.isVisible()) await opener.click();
  await frame.getByTestId('catalog-search').fill(seed.products.find((p) => p.id === id)!.name);
  await frame.locator(`[data-testid="product"][data-product-id="${id}"]`).getByTestId('product-add').click();
}

/** Pins the planner's container to the viewport, so the iframe is exactly w × h. */
async function frameSize(page: Page, w: number, h: number | null) {
  if (h === null) {
    await page.locator('#planner').evaluate((el) => el.removeAttribute('style'));
    await page.setViewportSize({ width: 1400, height: 900 });
    return;
  }
  await page.setViewportSize({ width: w, height: h });
  await page.locator('#planner').evaluate((el) => {
    Object.assign((el as HTMLElement).style, { position: 'fixed', inset: '0', width: '100vw', height: '100vh', zIndex: '1000', minHeight: '0', border: '0', borderRadius: '0' });
  });
}

async function measure(frame: FrameLocator) {
  return frame.locator('html').evaluate(() => {
    const W = window.innerWidth, H = window.innerHeight;
    const inView = (sel: string) => {
      const el = document.querySelector(sel);
      if (!(el instanceof HTMLElement) || el.offsetParent === null) return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= W + 0.5 && r.bottom <= H + 0.5;
    };
    const p = document.querySelector('[data-testid="plan"]')!.getBoundingClientRect();
    const vis = Math.max(0, Math.min(p.right, W) - Math.max(p.left, 0)) * Math.max(0, Math.min(p.bottom, H) - Math.max(p.top, 0));
    const root = document.documentElement;
    return {
      W, H, planShare: vis / (W * H),
      total: inView('[data-testid="plan-total"]'), basket: inView('[data-testid="add-to-basket"]'),
      sideways: Math.max(root.scrollWidth - root.clientWidth, document.body.scrollWidth - document.body.clientWidth),
      scrolled: root.scrollTop + document.body.scrollTop,
    };
  });
}

async function check(page: Page, frame: FrameLocator, testInfo: TestInfo, who: string) {
  for (const [w, h] of SIZES) {
    await frameSize(page, w, h);
    await expect.poll(() => frame.locator('html').evaluate(() => window.innerWidth)).toBe(w);
    await expect(frame.getByTestId('plan-item').first()).toBeVisible();
    const m = await measure(frame);
    const file = testInfo.outputPath(`${who}-${w}x${h}.png`);
    await page.screenshot({ path: file });
    await testInfo.attach(`${who} ${w}×${h}`, { path: file, contentType: 'image/png' });
    expect(m.H, `${w}×${h}`).toBe(h);
    expect.soft(m.planShare, `${who} ${w}×${h}: the plan's share of the frame`).toBeGreaterThanOrEqual(0.5);
    expect.soft(m.total, `${who} ${w}×${h}: the total in view`).toBe(true);
    expect.soft(m.basket, `${who} ${w}×${h}: the basket button in view`).toBe(true);
    expect.soft(m.sideways, `${who} ${w}×${h}: sideways scroll`).toBeLessThanOrEqual(0);
    expect.soft(m.scrolled).toBe(0);
    // "Add all to basket" is one click away at this size.
    await frame.getByTestId('add-to-basket').click();
    await expect(frame.getByTestId('basket-note')).not.toBeEmpty();
  }
  await frameSize(page, 0, null);
}

test('the plan is the main thing at every frame size, guest and signed in', async ({ page, demo }, testInfo) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  await frame.getByTestId('room-width').fill('600');
  await frame.getByTestId('room-width').press('Enter');
  await frame.getByTestId('room-depth').fill('450');
  await frame.getByTestId('room-depth').press('Enter');
  for (const id of FURNITURE) await add(frame, id);
  await expect(frame.getByTestId('plan-item')).toHaveCount(FURNITURE.length);
  await check(page, frame, testInfo, 'guest');
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await waitForEvent(page, 'ProjectSavingSucceeded');
  await check(page, frame, testInfo, 'alice');
});

test('on a phone the catalog and the summary are sheets over the plan, opened from the dock', async ({ page, demo }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('catalog-pane')).toBeHidden();
  await expect(frame.getByTestId('side-pane')).toBeHidden();
  await frame.getByTestId('open-catalog').click();
  await expect(frame.getByTestId('catalog-pane')).toBeVisible();
  await expect(frame.getByTestId('catalog-search')).toBeFocused();
  await frame.getByTestId('product-add').first().click();
  // Adding closes the sheet: the item is in view on the plan.
  await expect(frame.getByTestId('catalog-pane')).toBeHidden();
  await expect(frame.getByTestId('plan-item')).toHaveCount(1);
  await frame.getByTestId('open-side').click();
  await expect(frame.getByTestId('summary-line')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(frame.getByTestId('side-pane')).toBeHidden();
  await expect(frame.getByTestId('open-side')).toBeFocused();
});
