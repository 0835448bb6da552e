// copy.js: the console's Copy buttons. A button with data-copy="ID" copies
// the text of the element with that id (the embed snippet, the API key, a
// new API secret) and says so for a moment. The buttons are hidden in the
// page and shown here, so a page without scripts offers none that fail.

/** @param {ParentNode} root */
export function startCopy(root) {
  for (const b of root.querySelectorAll('button[data-copy]')) {
    const button = /** @type {HTMLButtonElement} */ (b);
    const target = document.getElementById(button.dataset.copy ?? '');
    if (!target) continue;
    const label = button.textContent ?? 'Copy';
    /** @type {any} */
    let timer = null;
    button.hidden = false;
    button.addEventListener('click', async () => {
      const ok = await copyText(target);
      button.textContent = ok ? 'Copied' : 'Select and copy';
      button.classList.toggle('copied', ok);
      clearTimeout(timer);
      timer = setTimeout(() => { button.textContent = label; button.classList.remove('copied'); }, 2000);
    });
  }
}

/**
 * copyText puts the element's text on the clipboard; where the Clipboard API
 * is missing (a plain-HTTP page off loopback) it selects the text instead,
 * for the user's own Ctrl+C, and reports false.
 * @param {Element} el
 */
async function copyText(el) {
  try {
    await navigator.clipboard.writeText(el.textContent ?? '');
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
    return false;
  }
}
