// options.js: createPlanner's options, checked and defaulted in one place,
// and the iframe they describe. A bad option is refused at once with a
// TypeError, before anything is added to the page.

import { isLocale } from './limits.js';
import { GLOBAL_TIMERS } from './pending.js';

/**
 * @typedef {import('./planner-embed.js').PlannerOptions} PlannerOptions
 * @typedef {import('./planner-embed.js').PlannerTimers} PlannerTimers
 * @typedef {import('./planner-embed.js').PlannerWindow} PlannerWindow
 */

/**
 * Config is PlannerOptions checked, with every default filled in.
 * @typedef {object} Config
 * @property {HTMLElement | undefined} container undefined when an iframe is adopted
 * @property {Document | undefined} doc
 * @property {HTMLIFrameElement | undefined} iframe the page's own planner iframe, adopted as it is
 * @property {PlannerWindow} win
 * @property {PlannerOptions['getToken']} getToken
 * @property {PlannerOptions['onEvent']} onEvent
 * @property {string} plannerOrigin the exact origin of plannerUrl
 * @property {URL} src the iframe's URL: /planner?d=...&locale=... on the planner origin
 * @property {string} frameTitle
 * @property {number} handshakeTimeoutMs
 * @property {number} requestTimeoutMs
 * @property {number} retryDelayMs
 * @property {number} maxRetryDelayMs
 * @property {PlannerTimers} timers
 */

// The distribution id goes into the iframe's URL (/planner?d=...).
const MAX_DISTRIBUTION_LENGTH = 128;

/**
 * readOptions checks createPlanner's options and fills in the defaults.
 * @param {PlannerOptions} options
 * @returns {Config}
 * @throws {TypeError} when an option is missing or unusable
 */
export function readOptions(options) {
  const {
    container,
    iframe,
    plannerUrl,
    distribution,
    getToken,
    onEvent,
    locale,
    handshakeTimeoutMs = 15000,
    window: windowOption,
    frameTitle = 'Room planner',
    document: doc = container?.ownerDocument,
    requestTimeoutMs = 30000,
    retryDelayMs = 1000,
    maxRetryDelayMs = 30000,
    timers = GLOBAL_TIMERS,
  } = options ?? /** @type {Partial<PlannerOptions>} */ ({});
  // In Node (tests) globalThis.window is undefined although its type says otherwise.
  const win = /** @type {PlannerWindow} */ (windowOption ?? globalThis.window);

  if (iframe !== undefined) {
    if (!iframe || typeof iframe.src !== 'string') throw new TypeError('createPlanner: iframe must be an iframe element');
  } else {
    if (!container || typeof container.appendChild !== 'function') throw new TypeError('createPlanner: container must be an element');
    if (!doc || typeof doc.createElement !== 'function') throw new TypeError('createPlanner: no document to create the iframe with');
  }
  if (!win || typeof win.addEventListener !== 'function') throw new TypeError('createPlanner: no window to listen on');
  if (typeof getToken !== 'function') throw new TypeError('createPlanner: getToken must be a function');
  if (onEvent !== undefined && typeof onEvent !== 'function') throw new TypeError('createPlanner: onEvent must be a function');
  if (typeof distribution !== 'string' || distribution === '' || distribution.length > MAX_DISTRIBUTION_LENGTH) {
    throw new TypeError('createPlanner: distribution must be a non-empty string');
  }
  if (locale !== undefined && !isLocale(locale)) throw new TypeError('createPlanner: locale must be a BCP 47 tag such as "fr-FR"');
  const plannerOrigin = originOf(plannerUrl);
  const query = '/planner?d=' + encodeURIComponent(distribution) + (locale ? '&locale=' + encodeURIComponent(locale) : '');
  const src = new URL(query, plannerUrl);
  if (iframe !== undefined && !sameFrame(iframe.src, src)) {
    throw new TypeError(`createPlanner: iframe.src must be ${src.href}, not ${JSON.stringify(iframe.src)}`);
  }
  return {
    container, doc, iframe, win, getToken, onEvent, plannerOrigin, src, frameTitle,
    handshakeTimeoutMs, requestTimeoutMs, retryDelayMs, maxRetryDelayMs, timers,
  };
}

/**
 * createFrame makes the planner iframe (not yet in the page).
 * @param {Document} doc
 * @param {URL} src
 * @param {string} title read by screen readers
 * @returns {HTMLIFrameElement}
 */
export function createFrame(doc, src, title) {
  const iframe = doc.createElement('iframe');
  iframe.src = src.href;
  iframe.title = title;
  // The planner sees which site embeds it, but never the page path or query.
  iframe.setAttribute('referrerpolicy', 'origin');
  iframe.setAttribute('data-testid', 'planner-iframe');
  iframe.style.width = '100%';
  iframe.style.height = '100%';
  iframe.style.border = '0';
  iframe.style.display = 'block';
  return iframe;
}

/**
 * sameFrame says whether an adopted iframe's src is the planner page the
 * options describe: same origin and path, same distribution and locale
 * (however the page encoded them).
 * @param {string} given
 * @param {URL} want
 */
function sameFrame(given, want) {
  let u;
  try {
    u = new URL(given);
  } catch {
    return false;
  }
  const q = (/** @type {URL} */ x, /** @type {string} */ k) => x.searchParams.get(k);
  return u.origin === want.origin && u.pathname === want.pathname && q(u, 'd') === q(want, 'd') && q(u, 'locale') === q(want, 'locale');
}

/**
 * started says whether the iframe holds its page already rather than its
 * initial about:blank, which has this page's origin and so can be read: the
 * planner's page is another origin, and reading it throws.
 * @param {HTMLIFrameElement} iframe
 * @returns {boolean}
 */
export function started(iframe) {
  try {
    return iframe.contentWindow?.location.href !== 'about:blank';
  } catch {
    return true;
  }
}

/**
 * originOf returns the exact origin of an absolute http(s) URL.
 * @param {unknown} url
 * @returns {string}
 */
function originOf(url) {
  let u;
  try {
    u = new URL(/** @type {string | URL} */ (url));
  } catch {
    throw new TypeError('createPlanner: plannerUrl must be an absolute URL such as "https://planner.example"');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new TypeError('createPlanner: plannerUrl must be an http(s) URL');
  }
  return u.origin;
}
