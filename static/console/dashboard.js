// dashboard.js: the console's live dashboard. It asks the console for a
// retailer token (POST /console/token, the session's own retailer), follows
// the live metrics topic on /ws and draws the numbers and SVG lines; the 24 h
// and 30 d ranges come from GET /console/series. On tokenExpired it asks for
// a new token and authenticates again on the same socket.

import { merge, totals, holdPercentile, conversion, values, sparkPath, money } from './metrics.js';
import { startCatalog } from './catalog.js';
import { startOrigins } from './origins.js';
import { startCopy } from './copy.js';

/** @typedef {import('./metrics.js').Bucket} Bucket */

const root = document.querySelector('[data-testid="dashboard"]');
if (root) start(/** @type {HTMLElement} */ (root));
// The page's one bundle (static/build.go) starts here, so the other parts start with it.
const catalogRoot = document.querySelector('[data-testid="catalog"]');
if (catalogRoot) startCatalog(/** @type {HTMLElement} */ (catalogRoot));
const embeddingRoot = document.querySelector('[data-testid="embedding"]');
if (embeddingRoot) startOrigins(/** @type {HTMLElement} */ (embeddingRoot));
startCopy(document);

/** @param {HTMLElement} root */
function start(root) {
  /** @type {Map<string, Bucket>} */
  const live = new Map();
  let range = '1h';
  /** @type {Bucket[]} */
  let stored = [];
  /** @type {{plannersOpen: number, signedIn: number, sockets: number}} */
  let now = { plannersOpen: 0, signedIn: 0, sockets: 0 };
  /** @type {WebSocket | null} */
  let ws = null;
  let backoff = 1000;

  const set = (/** @type {string} */ id, /** @type {string} */ text) => {
    const el = root.querySelector(`[data-testid="${id}"]`);
    if (el) el.textContent = text;
  };
  /** state shows the connection's state, coloured as live, trying or broken. */
  const state = (/** @type {string} */ text, /** @type {'live' | 'wait' | 'bad'} */ kind) => {
    set('dash-state', text);
    const el = root.querySelector('[data-testid="dash-state"]');
    el?.classList.toggle('live', kind === 'live');
    el?.classList.toggle('bad', kind === 'bad');
  };

  async function token() {
    const res = await fetch('/console/token', { method: 'POST' });
    if (!res.ok) throw new Error(`token: ${res.status}`);
    return /** @type {Promise<{token: string, distributionId: string, liveUrl: string}>} */ (res.json());
  }

  async function connect() {
    let t;
    try {
      t = await token();
    } catch {
      state('Not connected: sign in again.', 'bad');
      return;
    }
    ws = new WebSocket(`${t.liveUrl}?d=${encodeURIComponent(t.distributionId)}`);
    ws.onopen = () => ws?.send(JSON.stringify({ type: 'authenticate', payload: { token: t.token } }));
    ws.onmessage = (ev) => onMessage(JSON.parse(String(ev.data)));
    ws.onclose = () => {
      state('Reconnecting…', 'wait');
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  /** @param {{type: string, payload?: any}} m */
  async function onMessage(m) {
    switch (m.type) {
      case 'authenticated':
        backoff = 1000;
        ws?.send(JSON.stringify({ type: 'subscribe', payload: { topic: 'metrics' } }));
        return;
      case 'subscribed':
        state('Live', 'live');
        return;
      case 'tokenExpired':
        try {
          const t = await token();
          ws?.send(JSON.stringify({ type: 'authenticate', payload: { token: t.token } }));
        } catch {
          state('Not connected: sign in again.', 'bad');
        }
        return;
      case 'metrics':
        now = m.payload.now;
        merge(live, m.payload.minutes, 60);
        render();
        return;
      case 'error':
        state(`Error: ${m.payload?.code ?? 'unknown'}`, 'bad');
    }
  }

  async function load(/** @type {string} */ r) {
    range = r;
    if (r !== '1h') {
      const res = await fetch(`/console/series?range=${r}`);
      stored = res.ok ? (await res.json()).buckets : [];
    }
    for (const b of root.querySelectorAll('[data-range]')) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-range') === r));
    }
    render();
  }

  function render() {
    const buckets = range === '1h' ? merge(live, [], 60) : stored;
    const t = totals(buckets);
    const f = conversion(t);
    set('dash-open', String(now.plannersOpen));
    set('dash-signedin', String(now.signedIn));
    set('dash-sockets', String(now.sockets));
    set('dash-opened', String(f.opened));
    set('dash-visitors-in', String(t['visitors.signed_in'] ?? 0));
    set('dash-added', String(f.added));
    set('dash-baskets', String(f.baskets));
    set('dash-conversion', `${Math.round(f.basketShare * 100)} %`);
    set('dash-saves', String((t['projects.created'] ?? 0) + (t['projects.saved'] ?? 0)));
    const value = Object.entries(t).filter(([k]) => k.startsWith('basket.value.'))
      .map(([k, v]) => money(v, k.slice('basket.value.'.length))).join(', ');
    set('dash-value', value || '—');
    set('dash-episodes', String(t['expiry.episodes'] ?? 0));
    const ms = (/** @type {number | null} */ v) => (v === null ? '—' : v === Infinity ? '> 30 s' : `≤ ${v / 1000} s`);
    set('dash-p50', ms(holdPercentile(t, 0.5)));
    set('dash-p99', ms(holdPercentile(t, 0.99)));
    set('dash-failed', String(t['held.failed'] ?? 0));
    const auth = ['auth.token_expired', 'auth.invalid_token', 'auth.forbidden', 'auth.invalid_client', 'auth.other']
      .map((k) => `${k.slice(5)} ${t[k] ?? 0}`).join(', ');
    set('dash-auth', auth);
    for (const svg of root.querySelectorAll('svg[data-series]')) {
      const path = svg.querySelector('path');
      if (path) path.setAttribute('d', sparkPath(values(buckets, svg.getAttribute('data-series') ?? ''), 300, 60));
    }
  }

  for (const b of root.querySelectorAll('[data-range]')) {
    b.addEventListener('click', () => void load(b.getAttribute('data-range') ?? '1h'));
  }
  void connect();
  render();
}
