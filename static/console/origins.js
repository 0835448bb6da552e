// origins.js: the Embedding section's live frame-ancestors preview. As the
// staff member types an origin, it asks GET /console/origins/preview (the
// server's own check, web.NormalizeOrigin, the one the add form runs) and
// shows the policy the planner page would send after the add, the typed
// origin normalised and marked, or the reason it is refused, before
// anything is submitted. Asking the server rather than copying its parser
// means the preview can never disagree with the form's answer.
//
// The core (previewer) is DOM-free: it waits for a pause in the typing,
// cancels the question it no longer needs and drops any answer older than
// the latest, so a slow answer never overwrites a newer one.

/**
 * @typedef {{state: 'empty'} |
 *   {state: 'ok', value: string, origin: string, registered: boolean, frameAncestors: string} |
 *   {state: 'error', value: string, message: string}} Preview
 */

/** @typedef {{setTimeout: (fn: () => void, ms: number) => any, clearTimeout: (id: any) => void}} Clock */

/**
 * previewer returns input(value), to be called on every keystroke; onResult
 * receives the preview of the latest value only.
 * @param {{fetch: typeof fetch, clock?: Clock, delay?: number, onResult: (p: Preview) => void}} opts
 */
export function previewer({ fetch, clock = globalThis, delay = 150, onResult }) {
  let seq = 0;
  /** @type {any} */
  let timer = null;
  /** @type {AbortController | null} */
  let inflight = null;

  async function ask(/** @type {string} */ value, /** @type {number} */ mine) {
    inflight?.abort();
    const ctl = new AbortController();
    inflight = ctl;
    /** @type {Preview} */
    let p;
    try {
      const res = await fetch(`/console/origins/preview?origin=${encodeURIComponent(value)}`, { signal: ctl.signal });
      const body = await res.json();
      if (res.ok) {
        p = { state: 'ok', value, origin: String(body.origin), registered: body.registered === true, frameAncestors: String(body.frameAncestors) };
      } else {
        p = { state: 'error', value, message: String(body?.error?.message ?? `The console answered ${res.status}.`) };
      }
    } catch (err) {
      if (ctl.signal.aborted) return; // a newer value took over
      p = { state: 'error', value, message: 'The preview is unavailable; the form still checks the origin when you add it.' };
    }
    if (mine === seq) onResult(p);
  }

  return function input(/** @type {string} */ value) {
    const mine = ++seq;
    clock.clearTimeout(timer);
    if (value.trim() === '') {
      inflight?.abort();
      onResult({ state: 'empty' });
      return;
    }
    timer = clock.setTimeout(() => void ask(value, mine), delay);
  };
}

/**
 * policyParts splits a frame-ancestors policy into text runs, the run equal
 * to origin marked, for drawing with <mark> without building HTML.
 * @param {string} policy e.g. "frame-ancestors https://a.example https://b.example"
 * @param {string} origin
 * @returns {{text: string, mark: boolean}[]}
 */
export function policyParts(policy, origin) {
  return policy.split(/( )/).filter((s) => s !== '').map((text) => ({ text, mark: text === origin }));
}

/** startOrigins wires the preview to the Embedding section. @param {HTMLElement} root */
export function startOrigins(root) {
  const input = /** @type {HTMLInputElement | null} */ (root.querySelector('[data-testid="origin-input"]'));
  const box = /** @type {HTMLElement | null} */ (root.querySelector('[data-testid="origin-preview-box"]'));
  const next = root.querySelector('[data-testid="origin-preview"]');
  const named = root.querySelector('[data-testid="origin-preview-origin"]');
  const error = /** @type {HTMLElement | null} */ (root.querySelector('[data-testid="origin-preview-error"]'));
  if (!input || !box || !next || !named || !error) return;
  const onResult = (/** @type {Preview} */ p) => {
    box.hidden = p.state !== 'ok';
    error.hidden = p.state !== 'error';
    input.setAttribute('aria-invalid', String(p.state === 'error'));
    if (p.state === 'ok') {
      named.textContent = p.registered ? `${p.origin} (already registered: no change)` : p.origin;
      next.replaceChildren(...policyParts(p.frameAncestors, p.origin).map(({ text, mark }) => {
        if (!mark) return document.createTextNode(text);
        const m = document.createElement('mark');
        m.textContent = text;
        return m;
      }));
    } else if (p.state === 'error') {
      error.textContent = p.message;
    }
  };
  const update = previewer({ fetch: (...a) => fetch(...a), onResult });
  input.addEventListener('input', () => update(input.value));
  if (input.value) update(input.value); // a value the browser restored
}
