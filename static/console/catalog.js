// catalog.js: the console's catalog import. It sends the chosen file to
// POST /console/catalog with an upload progress bar (XMLHttpRequest, the
// one browser API that reports upload progress), then lists the problems the
// console found in a table, each against its record as the file has it
// (index, id and name) with the field at fault, or refreshes the product
// list after an import. Nothing is imported
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
  const listBox = /** @type {HTMLElement | null} */ (root.querySelector('[data-testid="catalog-problems-box"]'));
  if (!form || !input || !progress || !status || !list || !listBox) return;
  const say = (/** @type {string} */ text, /** @type {'ok' | 'bad' | ''} */ kind) => {
    status.textContent = text;
    status.classList.toggle('ok', kind === 'ok');
    status.classList.toggle('bad', kind === 'bad');
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = input.files?.[0];
    if (!f) return;
    const text = await f.text();
    /** @type {unknown} */
    let parsed;
    try { parsed = JSON.parse(text.replace(/^\uFEFF/, '')); } catch { parsed = undefined; }
    list.replaceChildren();
    listBox.hidden = true;
    say('Uploading…', '');
    progress.hidden = false;
    progress.value = 0;
    const replace = /** @type {HTMLInputElement | null} */ (form.querySelector('[name="replace"]'))?.checked;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/console/catalog${replace ? '?replace=1' : ''}`);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = e.loaded / e.total; };
    xhr.onerror = () => say('The upload failed; nothing was imported.', 'bad');
    xhr.onload = () => {
      progress.value = 1;
      /** @type {{imported?: {categories: number, products: number}, problems?: Problem[]}} */
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* shown as a failure below */ }
      if (xhr.status === 200 && body.imported) {
        say(`Imported ${body.imported.products} products in ${body.imported.categories} categories.`, 'ok');
        void refresh(root);
        return;
      }
      const problems = body.problems ?? [{ message: `The console answered ${xhr.status}.` }];
      say(`Nothing was imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} (fix them all and import again).`, 'bad');
      for (const p of problems) list.append(problemRow(p, recordOf(parsed, p.record)));
      listBox.hidden = false;
    };
    xhr.send(text);
  });
}

/**
 * problemRow is one row of the problems table: the record (e.g.
 * products[1]), its id and name as the file has them, the field and the
 * message; a problem of the whole file has only its message.
 * @param {Problem} p
 * @param {{id?: string, name?: string} | null} rec
 */
function problemRow(p, rec) {
  const tr = document.createElement('tr');
  tr.dataset.testid = 'catalog-problem';
  const cell = (/** @type {string | Node} */ content) => {
    const td = document.createElement('td');
    td.append(content);
    tr.append(td);
    return td;
  };
  const code = (/** @type {string} */ text) => {
    const c = document.createElement('code');
    c.textContent = text;
    return c;
  };
  if (p.record) tr.dataset.record = p.record;
  cell(p.record ? code(p.record) : 'the file');
  cell([rec?.id ?? p.id, rec?.name && `“${rec.name}”`].filter(Boolean).join(' ') || '—');
  // The field as named inside its record ("width" of products[1].width).
  const field = p.field && p.record && p.field.startsWith(`${p.record}.`) ? p.field.slice(p.record.length + 1) : p.field;
  cell(field ? code(field) : '—');
  cell(p.message);
  return tr;
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
