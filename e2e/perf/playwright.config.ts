import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

// The editor's performance script: not part of the default suite (whose
// testMatch is *.spec.ts). Run it with
//   npx playwright test -c e2e/perf/playwright.config.ts
export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: /.*\.perf\.ts$/,
  outputDir: '../test-results/perf',
  globalSetup: '../global-setup.ts',
  timeout: 180_000,
  reporter: [['list']],
  // No Playwright trace or screenshots: the trace snapshots the whole DOM
  // around every action, inside the page, which the figures would include.
  use: { ...base.use, trace: 'off', screenshot: 'off' },
});
