// catalog.js: the console's catalog import. It sends the chosen file to
// POST /console/catalog with an upload progress bar (XMLHttpRequest, the
// one browser API that reports upload progress), then lists the problems the
// console found, each against its record as the file has it (index, id and
// name), or refreshes the product list after an import. Nothing is imported
// while any problem remains.

/** @typedef {{record?: string, id?: string, field?: string, message: string}} Problem */

/**
 * recordOf returns the record a problem names, read from the file's own
 * text: {id, name} when the file parses and the record is there.
 * @param {unknown} file the parsed file, or undefined
 * @param {string | undefined} record e.g. "products[3]"
 * @returns {{id?: string, name?: string} | null}
 */
export function recordOf(file, record) {
  const m = /^(categories|products)\[(\d+)\]$/.exec(record ?? '');
  if (!m || typeof file !== 'object' || file === null) return null;
  const list = /** @type {Record<string, unknown>} */ (file)[m[1]];
  if (!Array.isArray(list)) return null;
  const rec = list[Number(m[2])];
  if (typeof rec !== 'object' || rec === null) return null;
  const { id, name } = /** @type {{id?: unknown, name?: unknown}} */ (rec);
  return { id: typeof id === 'string' ? id : undefined, name: typeof name === 'string' ? name : undefined };
}

/** @param {HTMLElement} root the catalog section */
export function startCatalog(root) {
  const form = /** @type {HTMLFormElement | null} */ (root.querySelector('[data-testid="catalog-form"]'));
  const input = /** @type {HTMLInputElement | null} */ (root.querySelector('[data-testid="catalog-file"]'));
  const progress = /** @type {HTMLProgressElement | null} */ (root.querySelector('[data-testid="catalog-progress"]'));
  const status = root.querySelector('[data-testid="catalog-status"]');
  const list = root.querySelector('[data-testid="catalog-problems"]');
  if (!form || !input || !progress || !status || !list) return;

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = input.files?.[0];
    if (!f) return;
    const text = await f.text();
    /** @type {unknown} */
    let parsed;
    try { parsed = JSON.parse(text.replace(/^\uFEFF/, '')); } catch { parsed = undefined; }
    list.replaceChildren();
    status.textContent = 'Uploading…';
    progress.hidden = false;
    progress.value = 0;
    const replace = /** @type {HTMLInputElement | null} */ (form.querySelector('[name="replace"]'))?.checked;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/console/catalog${replace ? '?replace=1' : ''}`);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = e.loaded / e.total; };
    xhr.onerror = () => { status.textContent = 'The upload failed; nothing was imported.'; };
    xhr.onload = () => {
      progress.value = 1;
      /** @type {{imported?: {categories: number, products: number}, problems?: Problem[]}} */
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* shown as a failure below */ }
      if (xhr.status === 200 && body.imported) {
        status.textContent = `Imported ${body.imported.products} products in ${body.imported.categories} categories.`;
        void refresh(root);
        return;
      }
      const problems = body.problems ?? [{ message: `The console answered ${xhr.status}.` }];
      status.textContent = `Nothing was imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} (fix them all and import again).`;
      for (const p of problems) list.append(problemItem(p, recordOf(parsed, p.record)));
    };
    xhr.send(text);
  });
}

/**
 * @param {Problem} p
 * @param {{id?: string, name?: string} | null} rec
 */
function problemItem(p, rec) {
  const li = document.createElement('li');
  li.dataset.testid = 'catalog-problem';
  if (p.record) {
    li.dataset.record = p.record;
    const code = document.createElement('code');
    code.textContent = p.record;
    const who = [rec?.id ?? p.id, rec?.name && `“${rec.name}”`].filter(Boolean).join(' ');
    li.append(code, who ? ` ${who}: ` : ': ');
  }
  li.append(p.message);
  return li;
}

/** refresh swaps in the catalog's lists as the console now shows them. */
async function refresh(/** @type {HTMLElement} */ root) {
  const res = await fetch('/console', { headers: { Accept: 'text/html' } });
  if (!res.ok) return;
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  for (const id of ['catalog-categories', 'catalog-products']) {
    const next = doc.querySelector(`[data-testid="${id}"]`);
    root.querySelector(`[data-testid="${id}"]`)?.replaceWith(next ?? '');
  }
}
