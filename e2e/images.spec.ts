import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, planner, openPlan, type Demo } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));

// Product images (issue 15): a product may carry an image on an origin its
// retailer registered (planner entity image-origin add); the planner page's
// CSP img-src allows exactly those origins, the catalog card shows the
// image, and an image on any other origin is refused at import.

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

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#c0392b"/></svg>';

/** An image server on its own loopback origin; it logs the paths asked for. */
async function imageServer(): Promise<{ origin: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    if (req.url?.endsWith('.svg')) {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-store' }).end(SVG);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

/** A catalog file of one or two products in the seed's first category ("aaa-" ids list first). */
function catalogFile(demo: Demo, name: string, products: { id: string; name: string; image: string }[]): string {
  const file = path.join(demo.dataDir, name);
  writeFileSync(file, JSON.stringify({
    currency: 'EUR',
    categories: [{ id: 'sofas', name: 'Sofas' }],
    products: products.map((p) => ({ ...p, category: 'sofas', width: 200, depth: 90, height: 80, price: 49900, color: '#6b7b8c' })),
  }));
  return file;
}

test('a product image on a registered origin shows on its card; one on another origin is refused at import', async ({ page, demo }, testInfo) => {
  const registered = await imageServer();
  const other = await imageServer();
  try {
    const add = admin(demo, 'entity', 'image-origin', 'add', demo.retailerId, registered.origin);
    expect(add.code, add.err).toBe(0);
    expect(JSON.parse(add.out).imgSrc).toBe(`img-src 'self' data: ${registered.origin}`);

    // Another origin is refused at import, naming the record and the origin; nothing is imported.
    const refused = admin(demo, 'catalog', 'import', demo.retailerId,
      catalogFile(demo, 'elsewhere.json', [{ id: 'aaa-elsewhere', name: 'Elsewhere sofa', image: `${other.origin}/elsewhere.svg` }]));
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain(`products[0] ("aaa-elsewhere"): image is on ${other.origin}, which is not one of the retailer's image origins`);

    const ok = admin(demo, 'catalog', 'import', demo.retailerId, catalogFile(demo, 'pictured.json', [
      { id: 'aaa-pictured', name: 'Pictured sofa', image: `${registered.origin}/pictured.svg` },
      { id: 'aab-missing', name: 'Sofa with a lost picture', image: `${registered.origin}/missing.png` },
    ]));
    expect(ok.code, ok.err).toBe(0);

    const pageCSP = page.waitForResponse((r) => r.url().startsWith(`${demo.plannerURL}/planner?`));
    await openPlan(page, demo);
    const csp = (await (await pageCSP).allHeaders())['content-security-policy'] ?? '';
    expect(csp.split(';').map((d) => d.trim()).filter((d) => d.startsWith('img-src'))).toEqual([`img-src 'self' data: ${registered.origin}`]);

    const frame = planner(page);
    const card = frame.locator('[data-testid="product"][data-product-id="aaa-pictured"]');
    const img = card.getByTestId('product-image');
    await expect(img).toBeVisible();
    await expect(img).toHaveAttribute('alt', 'Pictured sofa');
    await expect(img).toHaveAttribute('loading', 'lazy');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBe(64);
    const box = await img.boundingBox();
    expect(box && Math.round(box.width) >= 40 && Math.round(box.width) <= 48).toBe(true);
    expect(registered.paths).toContain('/pictured.svg');

    // An image that fails to load gives way to the plan symbol.
    const lost = frame.locator('[data-testid="product"][data-product-id="aab-missing"]');
    await expect(lost.locator('svg.thumb')).toBeVisible();
    await expect(lost.getByTestId('product-image')).toHaveCount(0);

    // The refused product never reached the catalog, and its origin was never asked.
    await expect(frame.locator('[data-testid="product"][data-product-id="aaa-elsewhere"]')).toHaveCount(0);
    expect(other.paths).toEqual([]);

    const file = testInfo.outputPath('product-image.png');
    await card.screenshot({ path: file });
    await testInfo.attach('product-image', { path: file, contentType: 'image/png' });
  } finally {
    registered.server.close();
    other.server.close();
  }
});

test('the CSP refuses an image whose origin was removed; the card shows the symbol', async ({ page, demo }) => {
  const images = await imageServer();
  try {
    expect(admin(demo, 'entity', 'image-origin', 'add', demo.retailerId, images.origin).code).toBe(0);
    const ok = admin(demo, 'catalog', 'import', demo.retailerId,
      catalogFile(demo, 'pictured.json', [{ id: 'aaa-pictured', name: 'Pictured sofa', image: `${images.origin}/pictured.svg` }]));
    expect(ok.code, ok.err).toBe(0);
    const removed = admin(demo, 'entity', 'image-origin', 'remove', demo.retailerId, images.origin);
    expect(removed.code, removed.err).toBe(0);

    await openPlan(page, demo);
    const card = planner(page).locator('[data-testid="product"][data-product-id="aaa-pictured"]');
    await expect(card.locator('svg.thumb')).toBeVisible();
    await expect(card.getByTestId('product-image')).toHaveCount(0);
    expect(images.paths).toEqual([]); // blocked by the page's CSP before any request
  } finally {
    images.server.close();
  }
});
