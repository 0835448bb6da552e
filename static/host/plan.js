// The reference host site's "Plan your room" page: embeds the planner with
// the host SDK, gets tokens from the site's own BFF, signs in and out without
// a reload, forwards AddToBasket to the basket, and logs every protocol message.
import { createPlanner } from '../embed/planner-embed.js';

/** @typedef {{plannerUrl: string, distribution: string, user: string, locale: string}} PlanConfig */

const configEl = /** @type {HTMLElement} */ (document.getElementById('plan-config'));
/** @type {PlanConfig} */
const config = JSON.parse(configEl.textContent || '{}');
const log = /** @type {HTMLOListElement} */ (document.getElementById('event-log'));
const notice = /** @type {HTMLElement} */ (document.getElementById('planner-notice'));
const loginForm = /** @type {HTMLFormElement} */ (document.getElementById('inline-login'));
const logoutForm = /** @type {HTMLFormElement} */ (document.getElementById('logout-form'));
const MAX_LOG = 300;

/** The CSRF token of the current session (it changes on sign-in and sign-out). */
let csrf = /** @type {HTMLInputElement} */ (loginForm.elements.namedItem('csrf')).value;

/**
 * Asks the site's BFF for a planner token. The custom header is what the BFF
 * requires to tell its own page from a cross-site form.
 * @returns {Promise<{token: string, kind: 'legal-entity'|'user', expiresAt: string}>}
 */
async function getToken() {
  const res = await fetch('/bff/token', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-Planner-BFF': '1', Accept: 'application/json' },
  });
  if (!res.ok) {
    let message = `token service answered ${res.status}`;
    try {
      const body = await res.json();
      message = body?.error?.message || message;
    } catch { /* not JSON */ }
    throw new Error(message);
  }
  return res.json();
}

/**
 * Appends one protocol message to the page's event log.
 * @param {{direction?: string, event: string, content?: unknown}} e
 */
function logEvent(e) {
  const li = document.createElement('li');
  li.dataset.testid = 'event-log-entry';
  li.dataset.event = e.event;
  li.dataset.direction = e.direction || 'in';
  const arrow = e.direction === 'out' ? '→' : '←';
  const time = new Date().toLocaleTimeString();
  li.textContent = `${time} ${arrow} ${e.event}${e.content === undefined ? '' : ' ' + JSON.stringify(e.content)}`;
  log.prepend(li);
  while (log.children.length > MAX_LOG) log.lastElementChild?.remove();
}

/** @param {string} text @param {'info'|'error'} [kind] */
function showNotice(text, kind = 'info') {
  notice.textContent = text;
  notice.className = `notice ${kind}`;
  notice.hidden = false;
}

/** @param {string} user */
function showUser(user) {
  const signedIn = /** @type {HTMLElement} */ (document.querySelector('[data-testid="signed-in"]'));
  const who = /** @type {HTMLElement} */ (document.querySelector('[data-testid="signed-in-as"]'));
  const loginLink = /** @type {HTMLElement} */ (document.querySelector('[data-testid="login-link"]'));
  who.textContent = user;
  signedIn.hidden = !user;
  loginLink.hidden = !!user;
  loginForm.hidden = !!user;
  for (const input of document.querySelectorAll('input[name="csrf"]')) /** @type {HTMLInputElement} */ (input).value = csrf;
}

/** @param {{items?: Array<{productId: string, quantity: number, unitPrice: number, name?: string, currency?: string}>}} content */
async function addToBasket(content) {
  const res = await fetch('/basket/items', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ csrf, items: content.items || [] }),
  });
  if (!res.ok) {
    showNotice(`The basket refused the items (${res.status}).`, 'error');
    return;
  }
  const { count } = await res.json();
  const el = document.getElementById('basket-count');
  if (el) el.textContent = String(count);
  showNotice(`Added to your basket: ${count} item(s) in total.`);
}

const planner = createPlanner({
  container: /** @type {HTMLElement} */ (document.getElementById('planner')),
  // The page's HTML holds the iframe, so the planner loaded while this script
  // did; the SDK adopts it (and creates one in the container without it).
  iframe: /** @type {HTMLIFrameElement | null} */ (document.querySelector('#planner iframe')) ?? undefined,
  plannerUrl: config.plannerUrl,
  distribution: config.distribution,
  locale: config.locale,
  getToken,
  onEvent(e) {
    logEvent(e);
    if (e.direction === 'out') return;
    const content = /** @type {any} */ (e.content);
    switch (e.event) {
      case 'AddToBasket':
        addToBasket(content).catch((err) => showNotice(`Could not add to the basket: ${err.message}`, 'error'));
        break;
      case 'LoginRequired':
        loginForm.hidden = false;
        showNotice('Sign in to save your design: it stays in the planner meanwhile.');
        /** @type {HTMLInputElement} */ (loginForm.elements.namedItem('username')).focus();
        break;
      case 'ProjectSavingSucceeded':
        showNotice('Your design is saved.');
        break;
      case 'error':
        showNotice(content?.message || 'The planner reported an error.', 'error');
        break;
    }
  },
});

loginForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const error = /** @type {HTMLElement} */ (loginForm.querySelector('[data-testid="login-error"]'));
  error.hidden = true;
  const res = await fetch('/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    body: new URLSearchParams(/** @type {any} */ (new FormData(loginForm))),
  });
  if (!res.ok) {
    // A throttled sign-in (429) says when to try again.
    const said = res.status === 429 ? (await res.json().catch(() => null))?.error : null;
    error.textContent = res.status === 401 ? 'Wrong user name or password.' : said || `Sign-in failed (${res.status}).`;
    error.hidden = false;
    return;
  }
  const body = await res.json();
  csrf = body.csrf;
  showUser(body.user);
  loginForm.reset();
  notice.hidden = true;
  try {
    await planner.login();
  } catch (err) {
    showNotice(`The planner could not sign you in: ${/** @type {Error} */ (err).message}`, 'error');
  }
});

logoutForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await fetch('/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    body: new URLSearchParams({ csrf }),
  });
  if (!res.ok) {
    showNotice(`Sign-out failed (${res.status}).`, 'error');
    return;
  }
  csrf = (await res.json()).csrf;
  showUser('');
  await planner.logout().catch((err) => showNotice(`The planner could not sign out: ${err.message}`, 'error'));
});

window.addEventListener('pagehide', () => planner.destroy());
