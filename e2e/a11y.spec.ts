import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect, planner, openPlan, signIn, waitForEvent } from './fixtures';

// Accessibility (issue #15): an axe audit of every main view of the planner
// fails on serious or critical violations, and a whole visit works by
// keyboard alone: add a product, move, rotate, delete it, send the plan to
// the basket.

async function audit(page: Page, view: string) {
  const results = await new AxeBuilder({ page }).include('[data-testid="planner-iframe"]').analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, `${view}: serious or critical axe violations`).toEqual([]);
}

test('axe finds nothing serious in the planner: guest, furnished, signed in, phone sheets', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  await audit(page, 'guest, empty');
  await frame.getByTestId('product-add').first().click();
  await frame.getByTestId('product-add').nth(3).click();
  await audit(page, 'guest, furnished');
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await expect(frame.getByTestId('new-project')).toBeVisible();
  await audit(page, 'signed in');
  await page.setViewportSize({ width: 390, height: 844 });
  await frame.getByTestId('open-catalog').click();
  await audit(page, 'phone, catalog sheet');
  await frame.getByTestId('open-side').click();
  await audit(page, 'phone, summary sheet');
});

// The whole visit by keyboard (issue #15), with the focus checked after each
// step. Selecting an item lifts it to the top of its layer (it is drawn over
// its neighbours), so the item is found by its id, never as "first".
test('a keyboard-only visit: add, move, rotate, delete, send to the basket', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  // Into the frame and to the first card's + by Tab alone.
  await frame.getByTestId('catalog-search').focus();
  let guard = 0;
  while (!(await frame.getByTestId('product-add').first().evaluate((el) => el === document.activeElement)) && guard++ < 40) await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab'); // the next card: add it too
  await page.keyboard.press('Enter');
  await expect(frame.getByTestId('plan-item')).toHaveCount(2);
  // To the plan's first item, its spoken name says where it is.
  // Pinned by its id: selecting lifts it to the top of its layer, so "first" moves.
  const id = await frame.getByTestId('plan-item').first().getAttribute('data-item-id');
  const item = frame.locator(`[data-testid="plan-item"][data-item-id="${id}"]`);
  await item.focus(); // focus selects it
  await expect(item).toBeFocused();
  await expect(item).toHaveAttribute('aria-label', /, \d+ by \d+ cm, -?\d+ cm from the left wall, -?\d+ cm from the back wall$/);
  await expect(item).toHaveClass(/\bsel\b/);
  const x0 = Number(await item.getAttribute('data-x'));
  await page.keyboard.press('ArrowRight');
  await expect(item).toHaveAttribute('data-x', String(x0 + 5));
  await expect(item).toBeFocused(); // still there after the move
  await page.keyboard.press('r');
  await expect(item).toHaveAttribute('data-rotation', '90');
  await expect(item).toBeFocused();
  // Visible focus: the focused item draws a focus outline.
  expect(await item.evaluate((el) => getComputedStyle(el.querySelector('.ed-fp')!).strokeWidth)).toBe('3px');
  await page.keyboard.press('Delete');
  await expect(frame.getByTestId('plan-item')).toHaveCount(1);
  // The basket button, reached by Tab from the head.
  await frame.getByTestId('save').focus();
  await page.keyboard.press('Tab');
  await expect(frame.getByTestId('add-to-basket')).toBeFocused();
  await page.keyboard.press('Enter');
  await waitForEvent(page, 'AddToBasket');
  await expect(frame.getByTestId('basket-note')).toHaveText('Sent to the basket.');
  await expect(frame.getByTestId('basket-note')).toHaveAttribute('role', 'status');
});
