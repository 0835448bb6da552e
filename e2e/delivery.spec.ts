import { test, expect, planner, openPlan } from './fixtures';

// The planner arrives bundled and precompressed (issue 14): the page loads
// its hashed bundle and stylesheet, in the encoding the browser asked for,
// never the source modules, and the anonymous flow works from them under
// the page's CSP (script-src 'self'). The page's first load is at most 3
// requests; the editor's chunk comes after, through import().
for (const encoding of ['br', 'gzip'] as const) {
  test.describe(`with Accept-Encoding: ${encoding}`, () => {
    test.use({ extraHTTPHeaders: { 'Accept-Encoding': encoding } });

    test(`the bundled planner runs the anonymous flow (${encoding})`, async ({ page, demo }) => {
      const assets: { url: string; encoding: string; cache: string; vary: string }[] = [];
      page.on('response', async (res) => {
        const u = new URL(res.url());
        if (u.pathname.startsWith('/static/') && /\.(js|css)$/.test(u.pathname)) {
          const h = await res.allHeaders();
          assets.push({ url: res.url(), encoding: h['content-encoding'] ?? '', cache: h['cache-control'] ?? '', vary: h['vary'] ?? '' });
        }
      });
      const violations: string[] = [];
      page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });

      await openPlan(page, demo);
      const frame = planner(page);
      await expect(frame.getByTestId('status')).toContainText('guest');
      await expect(frame.getByTestId('product').first()).toBeVisible();
      expect(await frame.getByTestId('product').count()).toBeGreaterThan(5);

      // The first load is what the page names (its module, the chunks that
      // module imports statically, preloaded, and its stylesheet): at most 3
      // requests, every name content-hashed.
      const plannerFrame = page.frames().find((f) => f.url().startsWith(demo.plannerURL + '/planner'));
      expect(plannerFrame, 'the planner frame').toBeTruthy();
      const named = await plannerFrame!.evaluate(() => [...document.querySelectorAll('script[type="module"][src], link[rel="modulepreload"], link[rel="stylesheet"]')]
        .map((e) => new URL((e as HTMLScriptElement).src || (e as HTMLLinkElement).href).pathname));
      expect(named.length).toBeLessThanOrEqual(3);
      expect(named).toContainEqual(expect.stringMatching(/^\/static\/planner\/main\.[A-Z2-7]{8}\.js$/));
      expect(named).toContainEqual(expect.stringMatching(/^\/static\/planner\/planner\.[A-Z2-7]{8}\.css$/));
      // The room editor is a chunk of its own, fetched by import() as the
      // app starts: it is there, and what the page loaded beyond its first
      // load is such chunks only.
      await expect(frame.getByTestId('plan-empty')).toBeVisible();
      const paths = assets.filter((a) => a.url.startsWith(demo.plannerURL + '/static/planner/')).map((a) => new URL(a.url).pathname);
      for (const p of named) expect(paths).toContain(p);
      for (const p of paths) expect(p).toMatch(/^\/static\/planner\/[a-z0-9-]+\.[A-Z2-7]{8}\.(js|css)$/);
      const later = paths.filter((p) => !named.includes(p));
      expect(later.length, `loaded by import(): ${later}`).toBeGreaterThan(0);
      for (const p of later) expect(p).toMatch(/^\/static\/planner\/chunk\.[A-Z2-7]{8}\.js$/);
      // Every script and stylesheet, the host page's too, in the asked encoding.
      expect(assets.length).toBeGreaterThanOrEqual(4);
      for (const a of assets) {
        expect(a.encoding, a.url).toBe(encoding);
        expect(a.vary, a.url).toBe('Accept-Encoding');
        expect(a.cache, a.url).toBe('public, max-age=31536000, immutable');
      }
      expect(violations).toEqual([]);
    });
  });
}
