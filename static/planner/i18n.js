// i18n.js: the planner's strings, the editor's and the shell's (status line,
// catalog, "My projects", alerts; app.js and its parts, view.js), in English
// here and in French in i18n-fr.js, a chunk loadLocale fetches only for a
// French page (most visitors never need it). t(locale, key, ...args)
// replaces {0}, {1}, ... with args; an unknown language, or one whose table
// is not loaded, falls back to English. templates/planner.templ paints the
// first few shell strings on the server; templates/planner_test.go checks
// they are the ones here and in i18n-fr.js.

/** STRINGS maps each key to its English text. @type {Record<string, string>} */
export const STRINGS = {
  untitled: 'Untitled room',
  rename: 'Rename',
  name: 'Project name',
  del: 'Delete',
  delAsk: 'Delete “{0}”? This cannot be undone.',
  cancel: 'Cancel',
  save: 'Save',
  newProject: 'New project',
  create: 'Create',
  newHint: 'Name (optional)',
  roomN: 'Room {0}',
  giveName: 'Give the project a name.',
  st_new: 'Not saved yet',
  st_dirty: 'Unsaved changes',
  st_saving: 'Saving…',
  st_saved: 'Saved',
  st_error: 'Not saved: {0}',
  st_login: 'Not saved: sign in on the site to save',
  st_conflict: 'Not saved: changed in another tab',
  conflict: 'This project was changed in another tab or device since you opened it.',
  gone: 'This project was deleted in another tab or device.',
  reload: 'Load their version',
  overwrite: 'Keep mine (overwrite)',
  leaveAsk: 'Your changes to “{0}” are not saved. {1}',
  discard: 'Discard my changes',
  stay: 'Stay here',
  room: 'Room',
  width: 'Width',
  depth: 'Depth',
  cm: 'cm',
  undo: 'Undo',
  redo: 'Redo',
  rotate: 'Rotate 90°',
  dup: 'Duplicate',
  remove: 'Remove',
  zoomIn: 'Zoom in',
  zoomOut: 'Zoom out',
  fit: 'Fit',
  plan: 'Room plan. Drag items to move them; arrow keys nudge, R rotates, Delete removes.',
  empty: 'Add products from the catalog: click one, or drag it onto the plan.',
  warnings: 'Warnings',
  wOverlap: '{0} overlaps {1}',
  wOutside: '{0} is outside the room',
  wUnknown: '{0} is no longer in the catalog',
  wMore: '…and {0} more',
  unknownProduct: 'Unknown product',
  loadingProduct: 'Loading…',
  pricesLoading: '{0} item(s) still loading; their prices follow.',
  summary: 'Summary',
  product: 'Product',
  qty: 'Qty',
  unit: 'Unit price',
  each: '{0} each',
  zoom: 'Zoom',
  total: 'Total',
  noItems: 'No products on the plan yet.',
  unpriced: '{0} item(s) cannot be priced (not in the catalog).',
  basket: 'Add all to basket',
  basketSent: 'Sent to the basket.',
  full: 'A plan holds at most 500 items.',
  loadFailed: 'The project could not be loaded: {0}',
  addTo: 'Add {0} to the plan',
  itemSpoken: '{0}, {1} by {2} cm, {3} cm from the left wall, {4} cm from the back wall',
  scale: '1 m',
  appTitle: 'Room planner',
  editorLabel: 'Room editor',
  dismiss: 'Dismiss',
  stWaiting: 'Waiting for the site to renew your session…',
  stUser: 'Signed in as {0}',
  stGuest: 'Browsing as guest',
  stSignedOut: 'Signed out',
  stNotConnected: 'Not connected to {0}',
  stAuthWait: 'Waiting for {0} to connect the planner…',
  stConnecting: 'Connecting to {0}…',
  theShop: 'the shop',
  thisShop: 'this shop',
  noConfig: 'The planner could not start: its configuration is missing.',
  notEmbedded: 'This page is meant to be embedded by {0}\'s website',
  notSetUp: 'The planner is not set up for {0}\'s website yet.',
  catalog: 'Catalog',
  category: 'Category',
  allProducts: 'All products',
  refresh: 'Refresh',
  search: 'Search',
  searchLabel: 'Search the catalog',
  loadMore: 'Load more',
  loadingMore: 'Loading…',
  catIdle: 'The catalog appears once the planner is connected.',
  catLoading: 'Loading the catalog…',
  catError: 'The catalog could not be loaded. Try Refresh.',
  catEmpty: 'This catalog has no products yet.',
  catEmptyCategory: 'No products in this category yet.',
  catNoMatch: 'No products match “{0}”.',
  myProjects: 'My projects',
  close: 'Close',
  panels: 'Panels',
  summaryProjects: 'Summary & projects',
  railHide: 'Fold the catalog',
  railShow: 'Show the catalog',
  tools: 'Plan tools',
  projectsHint: 'Sign in on the site to keep your designs.',
  projectsLoading: 'Loading your projects…',
  projectsNone: 'No saved projects yet.',
  items0: 'No items',
  items1: '1 item',
  itemsN: '{0} items',
  updated: ' · Updated ',
  renameOf: 'Rename “{0}”',
  deleteOf: 'Delete “{0}”',
  nameFor: 'New name for “{0}”',
  aSession: 'Your session could not be verified. Please reload the page or sign in again.',
  aLogin: 'Signing in to the planner failed: {0}',
  aConnect: 'The planner could not connect to {0}: {1}',
  aOpenSignIn: 'Sign in on the site to open your saved projects.',
  aEditorFailed: 'The editor could not open this project.',
  aSaveSignIn: 'Sign in on the site to save your project.',
  aNameLength: 'A project name is 1 to {0} characters.',
  aDeletedThere: 'This project was deleted in another tab or on another device.',
  aChangedKept: 'This project was changed in another tab or on another device. Your unsaved changes are kept here; saving them will report a conflict.',
  aDeletedKept: 'This project was deleted in another tab or on another device. Your unsaved changes are kept here.',
  aListConflict: '“{0}” was changed in another tab or on another device, so nothing was done. The list is up to date now: try again.',
  aListGone: '“{0}” no longer exists: it was deleted in another tab or on another device.',
  aOpenDeleted: '“{0}” was deleted; the editor shows a new, untitled room.',
  aEditorLoad: 'The room editor could not be loaded: {0}. Click a product to try again.',
  aLocale: 'The text in {0} could not be loaded, so the planner speaks English: {1}',
};

/** @type {Record<string, Record<string, string>>} the tables loaded so far, by language */
const loaded = {};
/** @type {Record<string, () => Promise<Record<string, string>>>} the languages with a table to load */
const tables = { fr: () => import('./i18n-fr.js').then((m) => m.FR) };
/** @type {Record<string, Promise<void>>} loads in flight */
const inFlight = {};

/** @param {string} locale */
const langOf = (locale) => locale.toLowerCase().split('-')[0];

/**
 * hasLocale says whether t can speak locale now: English, a language with
 * no table (English too), or a table already loaded.
 * @param {string} locale
 */
export function hasLocale(locale) {
  const lang = langOf(locale);
  return !(lang in tables) || lang in loaded;
}

/**
 * loadLocale fetches locale's table once. It rejects when the table could
 * not be fetched; the next call tries again.
 * @param {string} locale
 * @returns {Promise<void>}
 */
export function loadLocale(locale) {
  const lang = langOf(locale);
  if (hasLocale(lang)) return Promise.resolve();
  return (inFlight[lang] ??= tables[lang]().then((tab) => { loaded[lang] = tab; }).finally(() => { delete inFlight[lang]; }));
}

/**
 * t is the string key in locale's language.
 * @param {string} locale
 * @param {string} key
 * @param {...(string | number)} args
 */
export function t(locale, key, ...args) {
  const en = STRINGS[key];
  if (en === undefined) return key;
  const s = loaded[langOf(locale)]?.[key] ?? en;
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}
