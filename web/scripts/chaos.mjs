// npm run chaos -- [--seeds N] [--from S] [--ops K]: the chaos test of test/chaos.js for more
// seeds than CI runs. Prints one line per seed; for a failing seed, the shortest history that
// shows it and what broke. Exits 1 if any seed failed.
import { runSeeds } from '../test/chaos.js';

const arg = (name, fallback) => {
  const k = process.argv.indexOf(`--${name}`);
  if (k < 0) return fallback;
  const n = Number(process.argv[k + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} needs a positive whole number`);
    process.exit(2);
  }
  return n;
};
const reports = await runSeeds({ from: arg('from', 1), seeds: arg('seeds', 10), ops: arg('ops', 160) });
const failed = reports.filter((r) => r.failures.length > 0);
console.log(`${reports.length} seeds, ${reports.reduce((s, r) => s + r.ops, 0)} operations: ${failed.length ? `${failed.length} failed (${failed.map((r) => r.seed)})` : 'all consistent'}`);
process.exit(failed.length ? 1 : 0);
