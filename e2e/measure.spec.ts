import type { FrameLocator, Page, TestInfo } from '@playwright/test';
import { test, expect, planner, openPlan, planPoint as at } from './fixtures';

// The measuring tool (issue #16): a "Measure" button (reached with Tab,
// pressed with Enter) and two clicks on the plan show the distance between
// them, snapped to the room's corners and walls, in the room's units; the
// clicks never move or select an item; Escape puts the tool away. It loads
// with the room tools' chunk, without the shape tools.

const HIGHBOARD = 'storage-skjul-highboard';

async function shot(frame: FrameLocator, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await frame.getByTestId('plan-svg').screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

async function clickAt(page: Page, frame: FrameLocator, x: number, y: number) {
  const p = await at(page, frame, x, y);
  await page.mouse.click(p.x, p.y);
}

test('two clicks on the plan measure a distance, snapped to corners and walls, in the room units; Escape stops', async ({ page, demo }, testInfo) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('room-floor')).toBeVisible();
  await frame.getByTestId('catalog-search').fill('Skjul highboard');
  await frame.locator(`[data-testid="product"][data-product-id="${HIGHBOARD}"]`).getByTestId('product-add').click();
  const item = frame.getByTestId('plan-item');
  await expect(item).toHaveCount(1);
  const where = () => item.evaluate((e) => [Number((e as HTMLElement).dataset.x), Number((e as HTMLElement).dataset.y)]);
  const [ix, iy] = await where();
  await frame.getByTestId('plan-svg').click({ position: { x: 5, y: 5 } }); // nothing selected
  await expect(item).not.toHaveClass(/\bsel\b/);

  // Keyboard: Tab from "Edit room" reaches "Measure", Enter turns it on.
  const button = frame.getByTestId('measure-toggle');
  const readout = frame.getByTestId('measure-readout');
  await expect(readout).toBeHidden();
  await frame.getByTestId('room-tools-open').focus();
  await page.keyboard.press('Tab');
  await expect(button).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect(readout).toHaveText('Click two points on the plan (Esc to stop).');
  await expect(frame.getByTestId('room-preset')).toHaveCount(0); // the shape tools stay away

  // Corner to corner of the 400 × 300 room, each click a little off: 500 cm.
  await clickAt(page, frame, 4, -3);
  await expect(readout).toHaveText('Click the second point.');
  const second = await at(page, frame, 250, 150);
  await page.mouse.move(second.x, second.y, { steps: 3 });
  await expect(frame.getByTestId('measure-line')).toHaveCount(1); // the line follows the pointer
  await clickAt(page, frame, 397, 304);
  await expect(readout).toHaveText('Distance: 500 cm');
  await expect(frame.getByTestId('measure-label')).toHaveText('500 cm');
  await expect(frame.getByTestId('measure-point')).toHaveCount(2);
  await shot(frame, testInfo, 'measured-diagonal');
  expect(await frame.getByTestId('measure-point').evaluateAll((els) => els.map((e) => e.getAttribute('data-on')))).toEqual(['corner', 'corner']);

  // A third click starts again: from the highboard's centre (it is neither moved nor selected) straight to the
  // back wall, snapped onto its inner face.
  await clickAt(page, frame, ix, iy);
  await clickAt(page, frame, ix, -4);
  await expect(readout).toHaveAttribute('data-cm', /\d/);
  expect(Number(await readout.getAttribute('data-cm'))).toBeCloseTo(iy, 0); // the free point is to the cm
  expect(await frame.getByTestId('measure-point').evaluateAll((els) => els.map((e) => e.getAttribute('data-on')))).toEqual(['free', 'wall']);
  expect(await where()).toEqual([ix, iy]);
  await expect(item).not.toHaveClass(/\bsel\b/);

  // In the visitor's units.
  await clickAt(page, frame, 100, 100);
  await clickAt(page, frame, 100, 296);
  await expect(readout).toHaveText('Distance: 200 cm');
  await page.evaluate((origin) => {
    const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
    iframe.contentWindow!.postMessage({ event: 'SetUpSettings', content: { units: 'imperial' } }, origin);
  }, demo.plannerURL);
  await expect(readout).toHaveText(`Distance: 6' 7"`);
  await expect(frame.getByTestId('measure-label')).toHaveText(`6' 7"`);
  await shot(frame, testInfo, 'measured-imperial');

  // A measurement belongs to its room: a change of the room clears it.
  await frame.getByTestId('room-width').fill('450');
  await frame.getByTestId('room-width').press('Enter');
  await expect(frame.getByTestId('measure-line')).toHaveCount(0);
  await expect(readout).toHaveText('Click two points on the plan (Esc to stop).');
  await frame.getByTestId('undo').click();
  await clickAt(page, frame, 100, 100);
  await clickAt(page, frame, 100, 296);
  await expect(readout).toHaveText(`Distance: 6' 7"`);

  // Escape puts it away, the focus back on its button; the plan's clicks are the plan's again.
  await page.keyboard.press('Escape');
  await expect(button).toHaveAttribute('aria-pressed', 'false');
  await expect(button).toBeFocused();
  await expect(readout).toBeHidden();
  await expect(frame.getByTestId('measure-line')).toHaveCount(0);
  await clickAt(page, frame, ix, iy);
  await expect(item).toHaveClass(/\bsel\b/);
  await expect(frame.getByTestId('measure-point')).toHaveCount(0);
});
