// soak.test.js: the soak harness can fail. With the token gate deliberately
// broken (broken-gate.mjs, harness-only) its ledger must report a lost call
// (held calls dropped) and a write under another identity (a held write
// replayed after another user signed in), and fail the run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from './soak.mjs';

const short = ['--planners', '10', '--duration', '12s', '--ttl', '10s', '--drain', '3s', '--quiet',
  '--signed-in-share', '0.8', '--switch-rate', '0.5', '--seed', '7'];

test('a broken gate is reported: lost calls and a wrong-identity write', { timeout: 120000 }, async () => {
  const [drop, replay] = await Promise.all([
    main([...short, '--break-gate', 'drop-held']),
    main([...short, '--break-gate', 'replay-held']),
  ]);
  assert.ok(drop.report.calls.lost > 0, `drop-held: lost = ${drop.report.calls.lost}, want > 0`);
  assert.ok(drop.failures.some((f) => f.includes('lost calls')), `drop-held failures = ${drop.failures}`);
  assert.ok(replay.report.wrongIdentity > 0, `replay-held: wrongIdentity = ${replay.report.wrongIdentity}, want > 0`);
  assert.ok(replay.failures.some((f) => f.includes('another identity')), `replay-held failures = ${replay.failures}`);
});
