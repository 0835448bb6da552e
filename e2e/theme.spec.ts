import type { Page } from '@playwright/test';
import { test, expect, planner, openPlan, plannerDebug } from './fixtures';

// White-label theming (issue #15): SetUpSettings {theme} restyles the planner
// through CSS custom properties; a theme with any value out of bounds is
// refused whole (dropped like any malformed message), and nothing changes.

/** Posts SetUpSettings from the host page into the planner, as the SDK does. */
async function post(page: Page, origin: string, content: unknown) {
  await page.evaluate(([o, c]) => {
    const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
    iframe.contentWindow!.postMessage({ event: 'SetUpSettings', content: c }, o as string);
  }, [origin, content] as const);
}

test('a retailer theme restyles the planner; a bad value is refused and changes nothing', async ({ page, demo }, testInfo) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  const basket = frame.getByTestId('add-to-basket');
  const look = () => basket.evaluate((el) => {
    const cs = getComputedStyle(el);
    return { bg: cs.backgroundColor, radius: getComputedStyle(document.querySelector('.pane')!).borderTopLeftRadius, font: getComputedStyle(document.body).fontFamily };
  });
  const before = await look();

  await post(page, demo.plannerURL, { theme: { accent: '#2D6A4F', accentText: '#ffffff', radius: 2, font: 'classic' } });
  await expect.poll(async () => (await look()).bg).toBe('rgb(45, 106, 79)');
  const themed = await look();
  expect(themed.radius).toBe('2px');
  expect(themed.font).toContain('Georgia');
  const file = testInfo.outputPath('themed.png');
  await page.screenshot({ path: file });
  await testInfo.attach('themed', { path: file, contentType: 'image/png' });

  // Refused whole: a colour that is not #rrggbb, an injection attempt, a
  // radius out of bounds, a font outside the list, an unknown field.
  const stats = () => plannerDebug<{ dropped: { shape: number } }>(page, 'bridgeStats');
  const dropped0 = (await stats()).dropped.shape;
  const bad = [
    { accent: 'red' }, { accent: '#2d6a4f; background: url(https://evil.example/x)' }, { radius: 99 },
    { font: 'Comic Sans MS' }, { accent: '#000000', behaviour: 'x' }, { accent: '#2d6a4f', accentText: '#2d6a50' },
  ];
  for (const theme of bad) await post(page, demo.plannerURL, { locale: 'fr', theme });
  await expect.poll(async () => (await stats()).dropped.shape - dropped0).toBe(bad.length);
  expect(await look()).toEqual(themed);
  await expect(frame.locator('html')).toHaveAttribute('lang', 'en'); // the whole message was dropped
  expect(before.bg).not.toBe(themed.bg);

});
