// The server's pages in Chromium: edgecart-server (--dev) serves web/pages and the built
// package; the storefront panel talks to the server with the dev token, the till panel runs the
// module in the page with IndexedDB.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const serverBin = join(web, '..', 'build', 'release', 'server', 'edgecart-server');
let server;
let url;
let dir;

before(async () => {
  assert.ok(existsSync(serverBin), `edgecart-server missing at ${serverBin} (build the release preset first)`);
  dir = mkdtempSync(join(tmpdir(), 'edgecart-pages-'));
  const env = { ...process.env };
  delete env.EDGECART_JWT_SECRET;
  server = spawn(serverBin, ['--dev', '--port', '0', '--db', join(dir, 'e.db'), '--pages', join(web, 'pages'),
                             '--dist', join(web, 'dist')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  url = await new Promise((resolve, reject) => {
    let text = '';
    server.stderr.on('data', (d) => {
      text += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${text}`)));
  });
});
after(() => {
  server?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the storefront sells through the server and the till sells in the browser', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'edgecart-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}/`);
    await page.waitForFunction(() => document.querySelector('#till .role').textContent.includes('writer'));
    await page.waitForFunction(() => document.getElementById('token').value.length > 20);
    for (const side of ['#server', '#till']) {
      await page.click(`${side} button[data-a=product]`);
      await page.click(`${side} button[data-a=stock]`);
      await page.click(`${side} button[data-a=order]`);
      await page.waitForFunction((s) => document.querySelector(`${s} .view`).textContent.includes('ORD-000001'), side);
      const text = await page.textContent(`${side} .view`);
      assert.match(text, /stock 10, reserved 2/);
      assert.match(text, /ORD-000001\s*65\.98\s*pending/);
      await page.click(`${side} button[data-code=ORD-000001][data-status=confirmed]`);
      await page.waitForFunction((s) => /ORD-000001\s*65\.98\s*confirmed/.test(document.querySelector(`${s} .view`).textContent), side);
      assert.equal(await page.textContent(`${side} .err`), '');
    }
    assert.deepEqual(errors, []);
    // The server really holds the storefront's order (and not the till's: nothing syncs yet).
    const token = await page.inputValue('#token');
    const r = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${token}` } });
    const body = await r.json();
    assert.deepEqual(body.items.map((o) => [o.code, o.attributes.status]), [['ORD-000001', 'confirmed']]);
    // On a 375 px phone the panels stack: nothing scrolls sideways.
    await page.setViewportSize({ width: 375, height: 800 });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 375);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
