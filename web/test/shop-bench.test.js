// The shop-size benchmark at its smoke size (npm run bench:shop -- --smoke): the import, the
// history, the pull, the till (new and reopened, sales, search), Dexie beside it and the
// storefront all run in Chromium against a real server, and the report is complete. It times
// nothing and asserts no speed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');

test('the shop benchmark runs every step and reports every measure', { timeout: 300_000 }, () => {
  const out = execFileSync(process.execPath, [join(web, 'scripts', 'bench-shop.mjs'), '--smoke'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const report = JSON.parse(out.trim().split('\n').pop());
  const f = report.figures;
  for (const k of ['importMs', 'serverRowsPerS', 'clientRowsPerS', 'newTillReadyMs', 'newTillSellAnyMs', 'reopenReadyMs', 'reopenSellAnyMs',
    'saleP50Ms', 'saleP95Ms', 'nextSaleMs', 'keystrokeP95Ms', 'wasmMiB', 'jsMiB', 'storeFirstCardMs']) {
    assert.ok(Number.isFinite(f[k]) && f[k] > 0, `${k} = ${f[k]}`);
  }
  assert.equal(f.pulled.rows >= f.tenantRows, true, 'the new till pulled the whole tenant');
  for (const engine of ['edgecart', 'dexie']) {
    for (const read of ['barcode', 'category', 'search']) assert.ok(Number.isFinite(f[engine][read]), `${engine}.${read}`);
  }
  assert.ok(f.storeCards > 0 && f.storeCards <= 24, 'the storefront shows one page of cards');
  assert.match(out, /\| A sale by barcode to the receipt/);
});
