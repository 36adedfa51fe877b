// The apps' Chromium harness (apps.test.js, till-day.test.js): edgecart-server seeded with
// server/demo-seed.json serving a built site, behind a proxy that can drop the network (the
// browser's origin stays the proxy's while the server behind it restarts); a browser profile per
// caller; axe-core and 375 px checks with screenshots in build/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { startProxy } from './proxy.js';
import { startServer } from './server.js';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
export const shots = join(web, '..', 'build', 'screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server;
let proxy;
let url;
const contexts = [];

// The server over `site` (a built dist/site) behind the proxy: {server, proxy, url}.
export async function startApps(site) {
  mkdirSync(shots, { recursive: true });
  server = await startServer({ args: ['--dev', '--seed', join(web, '..', 'server', 'demo-seed.json'),
                                      '--pages', site, '--dist', join(web, 'dist')] });
  proxy = await startProxy(server.url);
  url = proxy.url;
  return { server, proxy, url };
}
export async function stopApps() {
  for (const c of contexts) await c.close().catch(() => {});
  await proxy?.close();
  await server?.close();
}

// A browser profile of its own (its own IndexedDB, service worker and localStorage).
export async function browser(width = 1200) {
  const profile = mkdtempSync(join(tmpdir(), 'edgecart-apps-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width, height: 900 },
  });
  const problems = [];
  const watch = (page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e}`));
    page.on('console', (m) => {
      // Chromium itself logs each request that fails for want of a network; the apps log nothing.
      if (m.type() === 'error' && !/^Failed to load resource: net::ERR_/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  };
  context.on('page', watch);
  const handle = {
    context,
    problems,
    async page(path, { drawer = true } = {}) {
      const page = await context.newPage();
      await page.goto(`${url}${path}`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true' || window.till?.error || window.store?.error);
      assert.equal(await page.evaluate(() => window.till?.error ?? window.store?.error ?? null), null);
      // A till sells from an open drawer: one whose drawer is closed has it opened (float 0,
      // through its screen) and synced, so the tests that follow start from a till ready to sell.
      if (drawer && path.startsWith('/till/') && await page.evaluate(() => document.body.dataset.drawer === 'closed')) {
        await openDrawer(page, '0');
        await page.evaluate(() => window.till.shop.sync().catch(() => {}));
        await until(page, async () => (await window.till.shop.syncStatus()).pending === 0, 'the drawer synced');
        await page.evaluate(() => { location.hash = '#sell'; });
        await until(page, () => !document.getElementById('view-sell').hidden, 'the sell screen');
        await page.focus('#search');
      }
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
  contexts.push(handle);
  return handle;
}

// Opens the till's drawer with the float typed, through the drawer screen.
export async function openDrawer(page, float) {
  await page.click('a[data-view=drawer]');
  await page.fill('#float', float);
  await page.click('#open-drawer button[type=submit]');
  await until(page, () => document.body.dataset.drawer === 'open', 'the drawer is open');
}

export const offline = async (b, yes) => {
  proxy.setDown(yes);
  await b.context.setOffline(yes);
};

// No serious or critical axe-core violation, nothing scrolls sideways at 375 px, a screenshot.
export async function check(page, name) {
  // Every module the page loaded was named by a preload hint (scripts/build-apps.mjs), so none
  // waited for the module importing it to arrive first.
  const unhinted = await page.evaluate(() => {
    const hinted = new Set([...document.querySelectorAll('link[rel=modulepreload]')].map((l) => new URL(l.href).pathname));
    return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)
      .filter((path) => /\.m?js$/.test(path) && path !== '/sw.js' && !hinted.has(path));
  });
  assert.deepEqual(unhinted, [], `${name} loaded modules without a preload hint`);
  await page.addScriptTag({ content: axeSource });
  const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`));
  assert.deepEqual(found, [], `axe-core on ${name}`);
  const width = page.viewportSize().width;
  await page.setViewportSize({ width: 375, height: 800 });
  const wide = await page.evaluate(() => (document.documentElement.scrollWidth <= 375 ? [] : [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > 375 && e.children.length === 0)
    .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}: ${e.textContent.slice(0, 40)}`)));
  assert.deepEqual(wide, [], `${name} scrolls sideways at 375 px`);
  await page.screenshot({ path: join(shots, `${name}-375.png`), fullPage: true });
  await page.setViewportSize({ width, height: 900 });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

export const pending = (page) => page.evaluate(async () => (await window.till.shop.syncStatus()).pending);
// Evaluates `predicate` (sync or async) in the page until it is true; a navigation in between is
// waited out. Fails after `timeout` ms (a wait, not a timing check: generous, for a loaded machine).
export async function until(page, predicate, what, arg, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(predicate, arg).catch(() => false)) return;
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
export const text = (page, sel) => page.textContent(sel);
