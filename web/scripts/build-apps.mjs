// npm run build:apps (also the last step of npm run build): copies the apps (web/apps) into
// dist/site, the folder edgecart-server serves at / (--pages), and writes its service worker
// with the list of the app shell and a build id, the hash of every file in it: a new build is a
// new cache, an unchanged one keeps it.
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
