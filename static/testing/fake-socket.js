// fake-socket.js: the fake WebSocket the browser code's unit tests share
// (static/planner/live.test.js, and the shell's tests through
// planner-app.js). Not served (static/static.go embeds embed/, planner/ and
// host/ only).

/**
 * fakeSockets records every socket the code under test opens; each can be
 * driven by the test. With authenticated, open() also answers the client's
 * authenticate, for tests that do not follow the handshake.
 * @param {{authenticated?: boolean}} [o]
 */
export function fakeSockets(o = {}) {
  /** @type {FakeSocket[]} */
  const opened = [];
  class FakeSocket {
    /** @param {string} url */
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      /** @type {any[]} */
      this.sent = [];
      /** @type {{code?: number, reason?: string} | null} */
      this.closedWith = null;
      /** @type {((ev: unknown) => void) | null} */
      this.onopen = null;
      /** @type {((ev: {data: unknown}) => void) | null} */
      this.onmessage = null;
      /** @type {((ev: {code: number, reason: string}) => void) | null} */
      this.onclose = null;
      /** @type {((ev: unknown) => void) | null} */
      this.onerror = null;
      opened.push(this);
    }
    /** @param {string} data */
    send(data) {
      if (this.readyState !== 1) throw new Error('not open');
      this.sent.push(JSON.parse(data));
    }
    /** @param {number} [code] @param {string} [reason] */
    close(code, reason) {
      this.closedWith = { code, reason };
      this.readyState = 3;
    }
    // test side
    open() {
      this.readyState = 1;
      this.onopen?.({});
      if (o.authenticated) this.receive({ type: 'authenticated', payload: {} });
    }
    /** @param {unknown} msg */
    receive(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
    /** @param {number} code @param {string} [reason] */
    drop(code = 1006, reason = '') {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }
    /** sentTypes lists the sent messages as "type" or "type:topic". */
    get sentTypes() { return this.sent.map((m) => m.payload?.topic ? `${m.type}:${m.payload.topic}` : m.type); }
  }
  return { FakeSocket, opened };
}
