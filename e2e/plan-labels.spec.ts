import type { FrameLocator, Page, TestInfo } from '@playwright/test';
import { test, expect, planner, openPlan, signIn, waitForEvent, mintToken, type Demo } from './fixtures';

// Wall lengths on the plan (issue #15): one label per wall, outside the walls,
// never under furniture, readable at every zoom, in the visitor's units; at
// phone, laptop and desktop sizes, in a rectangle and in an L with items
// pushed against the walls. Screenshots of each are attached to the report.

type Pt = { x: number; y: number };
type Item = { id: string; productId: string; x: number; y: number; rotation: 0 | 90 | 180 | 270 };

const ROOMS: Record<string, { width: number; depth: number; polygon: Pt[]; items: Item[] }> = {
  rectangle: {
    width: 450, depth: 350,
    polygon: [{ x: 0, y: 0 }, { x: 450, y: 0 }, { x: 450, y: 350 }, { x: 0, y: 350 }],
    items: [
      // Backs on the right, top, bottom and left walls, one in a corner.
      { id: 'a', productId: 'storage-skjul-highboard', x: 427.5, y: 175, rotation: 90 },
      { id: 'b', productId: 'sofa-oslo-3', x: 200, y: 304, rotation: 180 },
      { id: 'c', productId: 'storage-fjord-wardrobe-100', x: 50, y: 29, rotation: 0 },
      { id: 'd', productId: 'kitchen-fjell-base-60', x: 30, y: 200, rotation: 270 },
    ],
  },
  L: {
    width: 500, depth: 400,
    polygon: [{ x: 0, y: 0 }, { x: 500, y: 0 }, { x: 500, y: 250 }, { x: 250, y: 250 }, { x: 250, y: 400 }, { x: 0, y: 400 }],
    items: [
      { id: 'a', productId: 'storage-skjul-highboard', x: 477.5, y: 125, rotation: 90 },
      { id: 'b', productId: 'storage-fjord-wardrobe-100', x: 400, y: 221, rotation: 180 },
      { id: 'c', productId: 'kitchen-fjell-base-60', x: 220, y: 330, rotation: 90 },
      { id: 'd', productId: 'sofa-oslo-3', x: 125, y: 354, rotation: 180 },
    ],
  },
};

const SIZES = { phone: { width: 390, height: 844 }, laptop: { width: 1280, height: 720 }, desktop: { width: 1920, height: 1080 } };

async function openRoom(page: Page, demo: Demo, room: (typeof ROOMS)[string]) {
  const token = await mintToken(demo, { kind: 'user', userId: 'alice', access: 'write' });
  const res = await fetch(demo.plannerURL + '/v1/projects', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Labels', room: { width: room.width, depth: room.depth, polygon: room.polygon, wallThickness: 12, openings: [] }, items: room.items }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await openPlan(page, demo);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  const frame = planner(page);
  // As the host opens one (the project list is a tab away on a phone).
  await page.evaluate(([origin, projectId]) => {
    const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
    iframe.contentWindow!.postMessage({ event: 'LoadProject', content: { projectId } }, origin);
  }, [demo.plannerURL, id]);
  await waitForEvent(page, 'ProjectLoadingSucceeded');
  await expect(frame.getByTestId('plan-item')).toHaveCount(room.items.length);
  return frame;
}

/** What the plan shows of its wall labels: text, screen boxes, whether inside the floor, and the items' boxes. */
async function labelsSeen(frame: FrameLocator) {
  return frame.getByTestId('plan-svg').evaluate(async (svg) => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const box = (e: Element) => { const r = e.getBoundingClientRect(); return { x0: r.left, y0: r.top, x1: r.right, y1: r.bottom }; };
    const floor = svg.querySelector('[data-testid="room-floor"]') as SVGGeometryElement;
    const plan = box(svg);
    const labels = [...svg.querySelectorAll('[data-testid="wall-label"]')].map((t) => {
      const b = (t as SVGGraphicsElement).getBBox();
      const c = new DOMPoint(b.x + b.width / 2, b.y + b.height / 2);
      return { text: t.textContent, box: box(t), inFloor: floor.isPointInFill(c) };
    });
    const items = [...svg.querySelectorAll('[data-testid="plan-item"]')].map((e) => box(e));
    const others = [...svg.querySelectorAll('[data-testid="dim-w"], [data-testid="dim-d"]')].length;
    return { labels, items, others, plan };
  });
}

type Box = { x0: number; y0: number; x1: number; y1: number };
const meets = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

async function check(frame: FrameLocator, walls: number, want: RegExp, where: string) {
  const seen = await labelsSeen(frame);
  expect(seen.others, `${where}: the old room dimensions are gone`).toBe(0);
  expect(seen.labels, where).toHaveLength(walls);
  for (const [i, l] of seen.labels.entries()) {
    expect(l.text, `${where}: label ${i}`).toMatch(want);
    expect(l.inFloor, `${where}: label ${i} (${l.text}) sits outside the walls`).toBe(false);
    const h = l.box.y1 - l.box.y0, w = l.box.x1 - l.box.x0;
    // Upright or turned along a side wall, its text stands 10 px or more.
    expect(Math.min(h, w), `${where}: label ${i} (${l.text}) is readable`).toBeGreaterThanOrEqual(10);
    expect(Math.min(h, w), `${where}: label ${i} (${l.text}) is not huge`).toBeLessThanOrEqual(24);
    for (const [k, it] of seen.items.entries()) expect(meets(l.box, it), `${where}: label ${i} (${l.text}) over item ${k}`).toBe(false);
  }
  return seen;
}

async function shot(frame: FrameLocator, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await frame.getByTestId('plan-svg').screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

for (const [size, viewport] of Object.entries(SIZES)) {
  for (const [name, room] of Object.entries(ROOMS)) {
    test(`wall lengths, ${name} at ${size} size: one per wall, outside, clear of items, readable when zoomed, in feet too`, async ({ page, demo }, testInfo) => {
      await page.setViewportSize(viewport);
      const frame = await openRoom(page, demo, room);
      await frame.getByTestId('plan-svg').scrollIntoViewIfNeeded();
      const seen = await check(frame, room.polygon.length, /^\d+ cm$/, 'zoom 1');
      // At zoom 1 every label is on screen.
      for (const l of seen.labels) expect(meets(l.box, seen.plan), `${l.text} on screen`).toBe(true);
      await shot(frame, testInfo, `${size}-${name}`);
      // Zoomed in and out, the labels keep their size on screen.
      await frame.getByTestId('zoom-in').click();
      await frame.getByTestId('zoom-in').click();
      await check(frame, room.polygon.length, /^\d+ cm$/, 'zoomed in');
      await shot(frame, testInfo, `${size}-${name}-zoomed-in`);
      await frame.getByTestId('zoom-fit').click();
      await frame.getByTestId('zoom-out').click();
      await check(frame, room.polygon.length, /^\d+ cm$/, 'zoomed out');
      await frame.getByTestId('zoom-fit').click();
      // The visitor's units (the host's SetUpSettings).
      await page.evaluate(([origin]) => {
        const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
        iframe.contentWindow!.postMessage({ event: 'SetUpSettings', content: { units: 'imperial' } }, origin);
      }, [demo.plannerURL]);
      await expect(frame.locator('[data-testid="wall-label"][data-index="0"]')).toHaveText(/'/);
      await check(frame, room.polygon.length, /^\d+' \d+"$/, 'imperial');
      await shot(frame, testInfo, `${size}-${name}-imperial`);
    });
  }
}
