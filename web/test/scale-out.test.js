// Three server processes on one PostgreSQL under concurrent clients, two tills pushing through
// either process, a feed auditor and a killer (test/scale-out.js), once per isolation level.
// SCALE_SEED picks the seed (default 1). More: npm --prefix web run scale-out -- --seeds 5.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runScaleOut } from './scale-out.js';

const seed = Number(process.env.SCALE_SEED ?? 1);

for (const [name, settings] of [
  ['read committed (the default)', {}],
  ['serializable', { default_transaction_isolation: 'serializable' }],
]) {
  test(`3 processes on one PostgreSQL, ${name}: no unit sold twice, no code twice, no push applied twice, no change skipped`, async () => {
    const { failures, stats } = await runScaleOut(seed, { settings });
    console.log(`# ${name}, seed ${seed}: ${JSON.stringify(stats)}`);
    assert.deepEqual(failures, []);
    assert.ok(stats.kills > 0, 'a process was killed while the clients ran');
    assert.ok(stats.pushesTwice > 0, 'a push was sent to two processes at once');
  });
}
