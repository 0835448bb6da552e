import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect, planner, openPlan, plannerDebug, type Demo } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));

/** admin runs the planner CLI on the demo's database: its stdout, or its error text and exit code. */
function admin(demo: Demo, ...args: string[]): { out: string; err: string; code: number } {
  try {
    const out = execFileSync(path.join(here, '.bin', 'planner'), [...args, '--db', path.join(demo.dataDir, 'planner.db')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { out, err: '', code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; status: number };
    return { out: x.stdout, err: x.stderr, code: x.status };
  }
}

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

test('a theme stored with the retailer is painted with the page; SetUpSettings overrides it; the CLI refuses a bad value', async ({ page, demo }, testInfo) => {
  const set = admin(demo, 'entity', 'theme', demo.retailerId, '--accent', '#2D6A4F', '--accent-text', '#ffffff', '--radius', '2', '--font', 'classic');
  expect(set.code, set.err).toBe(0);
  expect(JSON.parse(set.out).theme).toEqual({ accent: '#2d6a4f', accentText: '#ffffff', radius: 2, font: 'classic' });

  // A bad value is refused with the field and the rule, and changes nothing.
  for (const [args, want] of [
    [['--accent', 'red'], 'accent: must be a colour as #rrggbb'],
    [['--accent', '#2d6a4f;}body{display:none'], 'accent: must be a colour as #rrggbb'],
    [['--radius', '99'], 'radius: must be a whole number of px from 0 to 24'],
    [['--font', 'Comic Sans MS'], 'font: must be one of classic, geometric, humanist, rounded, system'],
  ] as const) {
    const bad = admin(demo, 'entity', 'theme', demo.retailerId, ...args);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain(want);
    expect(bad.err).toContain('the theme was not changed');
  }

  // Painted with the page, not by the scripts: the rule is a style element
  // in the head of the HTML as served, so the first paint is already themed.
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  const html = await (await page.request.get(`${demo.plannerURL}/planner?d=${demo.distribution}`)).text();
  expect(html.indexOf('<style>:root{--accent:#2d6a4f;')).toBeGreaterThan(0);
  expect(html.indexOf('<style>')).toBeLessThan(html.indexOf('<body'));
  const look = () => frame.getByTestId('add-to-basket').evaluate((el) => ({
    bg: getComputedStyle(el).backgroundColor,
    radius: getComputedStyle(document.querySelector('.pane')!).borderTopLeftRadius,
    font: getComputedStyle(document.body).fontFamily,
  }));
  const stored = await look();
  expect(stored.bg).toBe('rgb(45, 106, 79)');
  expect(stored.radius).toBe('2px');
  expect(stored.font).toContain('Georgia');
  const file = testInfo.outputPath('stored-theme.png');
  await page.screenshot({ path: file });
  await testInfo.attach('stored theme', { path: file, contentType: 'image/png' });

  // The host's SetUpSettings {theme} wins over the stored one, field by field.
  await post(page, demo.plannerURL, { theme: { accent: '#7b2cbf', accentText: '#ffffff' } });
  await expect.poll(async () => (await look()).bg).toBe('rgb(123, 44, 191)');
  expect((await look()).radius).toBe('2px');

  const cleared = admin(demo, 'entity', 'theme', demo.retailerId, '--clear');
  expect(cleared.code, cleared.err).toBe(0);
  expect(JSON.parse(cleared.out).theme).toBeUndefined();
});
