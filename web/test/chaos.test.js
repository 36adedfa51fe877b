// Reconciliation under chaos (test/chaos.js) for a bounded number of seeds: CHAOS_SEEDS (default
// 5) seeds from CHAOS_FROM (default 1), CHAOS_OPS operations each (default 200). More seeds:
// npm --prefix web run chaos -- --seeds 50.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runSeeds } from './chaos.js';

const seeds = Number(process.env.CHAOS_SEEDS ?? 5);
const from = Number(process.env.CHAOS_FROM ?? 1);
const ops = Number(process.env.CHAOS_OPS ?? 200);

test(`8 tills and 3 HTTP clients on faulty networks, the server killed at random: seeds ${from}..${from + seeds - 1} end consistent`, async () => {
  const reports = await runSeeds({ from, seeds, ops, log: (line) => console.log(`# ${line.replace(/\n/g, '\n# ')}`) });
  const failed = reports.filter((r) => r.failures.length > 0);
  assert.deepEqual(failed.map((r) => ({ seed: r.seed, ops: r.ops, failures: r.failures })), []);
});
