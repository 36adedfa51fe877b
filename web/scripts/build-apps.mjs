// npm run build:apps (also the last step of npm run build): copies the apps (web/apps) into
// dist/site, the folder edgecart-server serves at / (--pages), and writes its service worker
// with the list of the app shell and a build id, the hash of every file in it: a new build is a
// new cache, an unchanged one keeps it. Each page gets preload hints for every module it loads.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const apps = join(web, 'apps');
const dist = join(web, 'dist');
const site = join(dist, 'site');
if (!existsSync(join(dist, 'edgecart.wasm'))) throw new Error('build the module first (npm run build)');

rmSync(site, { recursive: true, force: true });
cpSync(apps, site, { recursive: true });

const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]);
const url = (base, file) => `/${relative(base, file).split(sep).join('/')}`;

// Preload hints. A page's modules import others, level after level (the till: six deep), and the
// browser learns of each level only once the one above has arrived; the package's loader and its
// .wasm come last, when the page opens its shop. Each page therefore names, in its <head>, every
// module its scripts import (found by following their static imports: our own files, relative or
// rooted paths only; a page's inline module scripts too) and, when the page opens a shop, the
// loader that openShop imports (dist/browser.ts), so that all of them are fetched at once. (Not the .wasm: preloaded, it was
// compiled afresh at each open, its cached code not used, and the till opened later.)
const fileOf = (path) => (path.startsWith('/dist/') ? join(dist, path.slice('/dist/'.length)) : join(site, path));
const importsOf = (source) => [...source.matchAll(/(?:^|[;\n])\s*(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/g)]
  .map((m) => m[1]).filter((spec) => /^(\.{1,2})?\//.test(spec));
function moduleGraph(entries) {
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    if (!existsSync(fileOf(path))) throw new Error(`build-apps: ${path} is imported but does not exist`);
    seen.add(path);
    for (const spec of importsOf(readFileSync(fileOf(path), 'utf8'))) visit(new URL(spec, `http://x${path}`).pathname);
  };
  entries.forEach(visit);
  return [...seen];
}
for (const page of files(site).filter((f) => f.endsWith('.html'))) {
  const html = readFileSync(page, 'utf8');
  const base = `http://x${url(site, page)}`;
  const entries = [...html.matchAll(/<script type="module" src="([^"]+)"/g)].map((m) => new URL(m[1], base).pathname);
  const inline = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)]
    .flatMap((m) => importsOf(m[1]).map((spec) => new URL(spec, base).pathname));
  if (entries.length + inline.length === 0) continue;
  const modules = moduleGraph([...entries, ...inline]);
  const hints = modules.map((m) => `<link rel="modulepreload" href="${m}">`);
  // The loader, for a page whose own scripts open a shop.
  if (modules.some((m) => !m.startsWith('/dist/') && readFileSync(fileOf(m), 'utf8').includes('openShop('))) {
    hints.push('<link rel="modulepreload" href="/dist/edgecart.mjs">');
  }
  if (!html.includes('</head>')) throw new Error(`build-apps: ${page} has no </head>`);
  writeFileSync(page, html.replace('</head>', `${hints.join('\n')}\n</head>`));
}
// The shell: every page (a folder's index.html is its folder's URL), script, style, manifest and
// icon of the site, and the browser side of the package (not its Node entry or declarations).
const shell = [];
const hash = createHash('sha256');
for (const file of files(site).sort()) {
  if (file.endsWith(`${sep}sw.js`) || file.endsWith('.json')) continue;
  hash.update(url(site, file)).update(readFileSync(file));
  shell.push(url(site, file).replace(/(^|\/)index\.html$/, '$1'));
}
for (const name of readdirSync(dist).sort()) {
  if (!/\.(js|mjs|wasm)$/.test(name) || name === 'node.js') continue;
  hash.update(name).update(readFileSync(join(dist, name)));
  shell.push(`/dist/${name}`);
}
const build = hash.digest('hex').slice(0, 16);
const sw = readFileSync(join(apps, 'sw.js'), 'utf8');
if (!sw.includes("'__BUILD__'") || !sw.includes('__SHELL__')) throw new Error('web/apps/sw.js lost its placeholders');
writeFileSync(join(site, 'sw.js'), sw.replace("'__BUILD__'", `'${build}'`).replace('__SHELL__', JSON.stringify(shell, null, 2)));
console.log(`edgecart: apps in dist/site, shell of ${shell.length} files, build ${build}`);
