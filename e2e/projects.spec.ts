import type { FrameLocator } from '@playwright/test';
import { test, expect, planner, openPlan, signIn, waitForEvent, mintToken, apiGet, distributionOf, type Demo } from './fixtures';

// "My projects" (issue: signed-in users get a project list with open,
// rename, delete with confirmation) and the shell in French.

/** Creates a project with the editor's New project form; it becomes the open one. */
async function create(frame: FrameLocator, name: string) {
  await frame.getByTestId('new-project-name').fill(name);
  await frame.getByTestId('new-project-create').click();
  await expect(frame.getByTestId('project-name').filter({ hasText: name })).toHaveCount(1);
  await expect(frame.getByTestId('editor-project-name')).toHaveText(name);
}

const row = (frame: FrameLocator, id: string) => frame.locator(`[data-testid="project"][data-project-id="${id}"]`);

async function serverNames(demo: Demo) {
  const asAlice = await mintToken(demo, { kind: 'user', userId: 'alice' });
  const { status, body } = await apiGet<{ projects: { name: string }[] }>(demo, asAlice, '/v1/projects');
  expect(status).toBe(200);
  return body.projects.map((p) => p.name).sort();
}

test('a signed-in user renames a project from the list and deletes another after a cancelled first try', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await create(frame, 'Kitchen');
  await create(frame, 'Lounge'); // the open project
  const kitchen = (await frame.getByTestId('project').filter({ hasText: 'Kitchen' }).getAttribute('data-project-id'))!;
  const lounge = (await frame.getByTestId('project').filter({ hasText: 'Lounge' }).getAttribute('data-project-id'))!;
  // Each row shows its small plan preview: the room's outline to scale (400 × 300 by default).
  for (const id of [kitchen, lounge]) {
    const preview = row(frame, id).getByTestId('project-preview');
    await expect(preview).toBeVisible();
    await expect(preview).toHaveAttribute('viewBox', '-32 -32 464 364');
    await expect(preview.locator('polygon')).toHaveAttribute('points', '0,0 400,0 400,300 0,300');
  }

  // Rename Kitchen from its row, by keyboard: the field takes the focus; Escape cancels, Enter saves.
  await row(frame, kitchen).getByTestId('project-list-rename').click();
  const input = row(frame, kitchen).getByTestId('project-list-name-input');
  await expect(input).toBeFocused();
  await expect(input).toHaveAttribute('aria-label', 'New name for “Kitchen”');
  await input.press('Escape');
  await expect(row(frame, kitchen).getByTestId('project-list-rename')).toBeFocused();
  await page.keyboard.press('Enter'); // the focused Rename button again
  await expect(input).toBeFocused();
  await input.fill('Big kitchen');
  await input.press('Enter');
  await expect(row(frame, kitchen).getByTestId('project-name')).toHaveText('Big kitchen');
  await expect(row(frame, kitchen).getByTestId('project-open')).toBeFocused();
  await expect(frame.getByTestId('editor-project-name')).toHaveText('Lounge'); // the open project is another

  // Delete Lounge: the row asks; Cancel deletes nothing.
  await row(frame, lounge).getByTestId('project-list-delete').click();
  const confirm = row(frame, lounge).getByTestId('project-list-delete-confirm');
  await expect(confirm).toHaveAttribute('role', 'alertdialog');
  await expect(confirm).toContainText('Delete “Lounge”? This cannot be undone.');
  await expect(row(frame, lounge).getByTestId('project-list-delete-no')).toBeFocused();
  await row(frame, lounge).getByTestId('project-list-delete-no').click();
  await expect(confirm).toBeHidden();
  await expect(row(frame, lounge).getByTestId('project-list-delete')).toBeFocused();
  await expect(frame.getByTestId('project')).toHaveCount(2);
  expect(await serverNames(demo)).toEqual(['Big kitchen', 'Lounge']);

  // Then confirm. It was the open project: the editor shows a new, untitled room.
  await row(frame, lounge).getByTestId('project-list-delete').click();
  await row(frame, lounge).getByTestId('project-list-delete-yes').click();
  await expect(frame.getByTestId('project')).toHaveCount(1);
  await expect(frame.getByTestId('project-name')).toHaveText(['Big kitchen']);
  await expect(frame.getByTestId('editor-project-name')).toHaveText('Untitled room');
  await expect(frame.getByTestId('alert-text')).toHaveText('“Lounge” was deleted; the editor shows a new, untitled room.');
  await page.waitForTimeout(2500); // past the autosave delay: the deleted project is not saved back
  expect(await serverNames(demo)).toEqual(['Big kitchen']);

  // The list after a reload agrees.
  await page.reload();
  await waitForEvent(page, 'LoginSucceeded');
  await expect(frame.getByTestId('project-name')).toHaveText(['Big kitchen']);
});

test('a rename from a list that is out of date is refused with a message and the list refreshed', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await create(frame, 'Kitchen');
  await create(frame, 'Lounge');
  const kitchen = (await frame.getByTestId('project').filter({ hasText: 'Kitchen' }).getAttribute('data-project-id'))!;
  await row(frame, kitchen).getByTestId('project-list-rename').click();
  // Meanwhile another tab renames it (the server moves to a new version).
  const asAlice = await mintToken(demo, { kind: 'user', userId: 'alice', access: 'write' });
  const stored = (await apiGet<{ version: number; room: unknown; items: unknown[] }>(demo, asAlice, `/v1/projects/${kitchen}`)).body;
  const res = await fetch(`${demo.plannerURL}/v1/projects/${kitchen}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${asAlice}`, 'Content-Type': 'application/json', 'If-Match': `"${stored.version}"` },
    body: JSON.stringify({ name: 'Their kitchen', room: stored.room, items: stored.items }),
  });
  expect(res.status).toBe(200);
  await row(frame, kitchen).getByTestId('project-list-name-input').fill('My kitchen');
  await row(frame, kitchen).getByTestId('project-list-rename-save').click();
  await expect(frame.getByTestId('alert-text')).toContainText('was changed in another tab or on another device, so nothing was done');
  await expect(row(frame, kitchen).getByTestId('project-name')).toHaveText('Their kitchen');
  expect(await serverNames(demo)).toEqual(['Lounge', 'Their kitchen']);
});

test('SetUpSettings {locale: "fr"} turns the status line, the catalog panel and "My projects" French', async ({ page, demo }) => {
  await openPlan(page, demo);
  const frame = planner(page);
  await expect(frame.getByTestId('product').first()).toBeVisible();
  await expect(frame.getByTestId('status')).toHaveText('Browsing as guest');
  await page.evaluate((origin) => {
    const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
    iframe.contentWindow!.postMessage({ event: 'SetUpSettings', content: { locale: 'fr', currency: 'EUR' } }, origin);
  }, demo.plannerURL);
  await expect(frame.getByTestId('status')).toHaveText('Navigation en tant qu’invité');
  await expect(frame.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(frame.locator('#catalog-title')).toHaveText('Catalogue');
  await expect(frame.getByTestId('catalog-refresh')).toHaveText('Actualiser');
  await expect(frame.getByTestId('catalog-chip').first()).toHaveText('Tous les produits');
  await expect(frame.getByTestId('catalog-search')).toHaveAttribute('placeholder', 'Rechercher');
  await expect(frame.getByTestId('catalog-search')).toHaveAttribute('aria-label', 'Rechercher dans le catalogue');
  const first = frame.getByTestId('product').first();
  const name = await first.getByTestId('product-name').textContent();
  await expect(first.getByTestId('product-add')).toHaveAttribute('aria-label', `Ajouter ${name} au plan`);
  await expect(frame.locator('#projects-title')).toHaveText('Mes projets');
  await expect(frame.getByTestId('projects-hint')).toHaveText('Connectez-vous sur le site pour garder vos créations.');

  await signIn(page, demo, 'alice');
  await waitForEvent(page, 'LoginSucceeded');
  await expect(frame.getByTestId('status')).toHaveText('Connecté en tant que alice');
  await expect(frame.getByTestId('projects-note')).toHaveText('Aucun projet enregistré pour l’instant.');

  // And back: English is as before.
  await page.evaluate((origin) => {
    const iframe = document.querySelector('[data-testid="planner-iframe"]') as HTMLIFrameElement;
    iframe.contentWindow!.postMessage({ event: 'SetUpSettings', content: { locale: 'en' } }, origin);
  }, demo.plannerURL);
  await expect(frame.getByTestId('status')).toHaveText('Signed in as alice');
  await expect(frame.locator('#catalog-title')).toHaveText('Catalog');
});

test('French comes as a chunk of its own: fetched for a French page before its text, never for an English one', async ({ page, demo }) => {
  const chunks: string[] = [];
  page.on('request', (r) => { if (/\/static\/planner\/chunk\.[^/]+\.js$/.test(r.url())) chunks.push(r.url()); });
  const dist = await distributionOf(demo);
  // Opened as a page of its own, the planner only says where it belongs: in the page's language.
  await page.goto(`${demo.plannerURL}/planner?d=${encodeURIComponent(dist)}&locale=en`);
  await expect(page.getByTestId('status')).toHaveText(/^This page is meant to be embedded by /);
  const english = [...chunks];
  await page.goto(`${demo.plannerURL}/planner?d=${encodeURIComponent(dist)}&locale=fr`);
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByTestId('status')).toHaveText(/^Cette page est faite pour être intégrée au site de /);
  const french = chunks.slice(english.length).filter((u) => !english.includes(u));
  expect(french, 'the French table, beside what an English page loads').toHaveLength(1);
});
