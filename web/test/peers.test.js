// The peer benchmark at its smoke size (npm run bench:peers -- --smoke): every engine runs the
// workload in Chromium and the report is complete. It times nothing and asserts no speed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');

test('the peer benchmark runs every engine and reports every measure', { timeout: 300_000 }, () => {
  const out = execFileSync(process.execPath, [join(web, 'scripts', 'bench-peers.mjs'), '--smoke'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const report = JSON.parse(out.trim().split('\n').pop());
  assert.deepEqual(Object.keys(report.results), ['edgecart-strict', 'edgecart-relaxed', 'edgecart-idbfs', 'indexeddb-strict',
    'indexeddb-relaxed', 'dexie-strict', 'dexie-relaxed', 'pouchdb']);
  for (const [id, r] of Object.entries(report.results)) {
    for (const k of ['sequentialPerS', 'sequentialP50Ms', 'inflightPerS', 'bytesPerOrder']) {
      assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${id}.${k} = ${r[k]}`);
    }
  }
  assert.deepEqual(Object.keys(report.cold), ['edgecart', 'edgecartIdbfs', 'indexeddb', 'dexie', 'pouchdb', 'edgecart-history']);
  for (const [engine, c] of Object.entries(report.cold)) assert.ok(c.fromNavigationMs >= c.ms && c.ms > 0, engine);
  assert.ok(report.cold.edgecart.heapBytes > 0, 'the module reports its memory');
  assert.ok(report.cold['edgecart-history'].heapBytes > 0);
  assert.match(out, /\| one order at a time, awaited/);
  assert.match(out, /EdgeCart on IDBFS \(relaxed\)/);
});
