// host.mjs: the host side of one virtual browser. A Browser is a cookie jar
// and a loopback source address (each visitor is its own client for the host
// site's per-IP limits); its tabs share both, as a real browser's do. It signs
// in and out through the host site's /login and /logout (JSON mode, CSRF
// token from the page) and asks /bff/token as the host page's script does.

import http from 'node:http';

/**
 * @typedef {{status: number, headers: http.IncomingHttpHeaders, body: string}} HostAnswer
 * @typedef {{token: string, kind: 'legal-entity' | 'user', expiresAt: string}} BffToken
 */

/** HostError is a failed host-site request; status 0 when it could not be reached. */
export class HostError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.name = 'HostError';
    this.status = status;
  }
}

export class Browser {
  /**
   * @param {string} hostURL e.g. http://127.0.0.1:8080
   * @param {string} localAddress 127.x.y.z
   */
  constructor(hostURL, localAddress) {
    this.hostURL = new URL(hostURL);
    this.localAddress = localAddress;
    /** @type {Map<string, string>} */
    this.cookies = new Map();
    this.csrf = '';
    /** @type {string} the user the host site says is signed in; "" for a guest */
    this.user = '';
    /** @type {Promise<unknown>} the form post under way: one at a time per browser */
    this.forms = Promise.resolve();
  }

  /**
   * serial runs fn after the browser's earlier form posts. Tabs of one
   * browser share its session and CSRF token, and each sign-in or sign-out
   * replaces both: two at once would post a token the first one retired
   * (403) and sign the same user in several times at once, which the host
   * site's sign-in throttle counts against the account while the password
   * checks run (429).
   * @template T
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  serial(fn) {
    const run = this.forms.then(fn, fn);
    this.forms = run.catch(() => {});
    return run;
  }

  /**
   * request sends one request from this browser.
   * @param {string} method
   * @param {string} path
   * @param {Record<string, string>} [headers]
   * @param {string} [body]
   * @returns {Promise<HostAnswer>}
   */
  request(method, path, headers = {}, body) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: this.hostURL.hostname, port: this.hostURL.port, path, method, localAddress: this.localAddress,
        headers: { ...headers, ...(cookie ? { Cookie: cookie } : {}), ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}) },
        timeout: 15000,
      }, (res) => {
        for (const sc of res.headers['set-cookie'] ?? []) {
          const [pair] = sc.split(';');
          const i = pair.indexOf('=');
          const name = pair.slice(0, i).trim();
          const value = pair.slice(i + 1).trim();
          if (/max-age=0|expires=thu, 01 jan 1970/i.test(sc) || value === '') this.cookies.delete(name);
          else this.cookies.set(name, value);
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('host site timeout')));
      req.on('error', (err) => reject(new HostError(0, String(err.message))));
      if (body) req.write(body);
      req.end();
    });
  }

  /** open loads the sign-in page: a session cookie and its CSRF token. */
  async open() {
    const res = await this.request('GET', '/login', { Accept: 'text/html' });
    const m = /name="csrf" value="([^"]+)"/.exec(res.body);
    if (res.status !== 200 || !m) throw new HostError(res.status, 'no CSRF token on /login');
    this.csrf = m[1];
  }

  /**
   * form posts a form in JSON mode and takes the new CSRF token.
   * @param {string} path
   * @param {Record<string, string>} fields
   */
  async form(path, fields) {
    if (!this.csrf) await this.open();
    const body = new URLSearchParams({ ...fields, csrf: this.csrf }).toString();
    const res = await this.request('POST', path, {
      Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin',
    }, body);
    if (res.status !== 200) throw new HostError(res.status, `${path}: ${res.status} ${res.body.slice(0, 200)}`);
    const out = JSON.parse(res.body);
    this.csrf = out.csrf;
    this.user = out.user ?? '';
  }

  /**
   * login signs the browser in, unless another tab already did for username.
   * @param {string} username @param {string} password
   */
  login(username, password) {
    return this.serial(async () => { if (this.user !== username) await this.form('/login', { username, password }); });
  }

  logout() { return this.serial(() => this.form('/logout', {})); }

  /**
   * token asks the BFF, as the host page's getToken() does.
   * @returns {Promise<BffToken>}
   */
  async token() {
    const res = await this.request('POST', '/bff/token', {
      'X-Planner-BFF': '1', 'Sec-Fetch-Site': 'same-origin', Accept: 'application/json',
    });
    if (res.status !== 200) throw new HostError(res.status, `/bff/token: ${res.status}`);
    return JSON.parse(res.body);
  }
}
