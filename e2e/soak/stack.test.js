// stack.test.js: when startStack resolves, the host site takes connections.
// Its first start prints the demo sign-ins before it bundles the page scripts
// and binds its port; a harness that took that line for "up" sent its first
// planners to a closed port (ECONNREFUSED) for seconds on a loaded machine.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startStack } from './stack.mjs';

/**
 * connect opens and closes one TCP connection, resolving to its error if any.
 * @param {URL} u
 * @returns {Promise<Error | null>}
 */
const connect = (u) => new Promise((resolve) => {
  const s = net.connect(Number(u.port), u.hostname);
  s.once('connect', () => { s.destroy(); resolve(null); });
  s.once('error', resolve);
});

test('the host site listens once the stack is started', { timeout: 120000 }, async () => {
  const stack = await startStack({ ttl: '10s', instances: 1, log: () => {} });
  try {
    // One attempt, no retry: the planners start on the next tick.
    const err = await connect(new URL(stack.hostURL));
    assert.equal(err, null, `first connection to ${stack.hostURL}: ${err?.message}`);
    assert.match(stack.passwords.alice, /^\w+-\d{4}-\w+$/);
    assert.match(stack.passwords.bob, /^\w+-\d{4}-\w+$/);
  } finally {
    await stack.stop();
    stack.cleanup();
  }
});
