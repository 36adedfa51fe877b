// npm run build: compiles the module with Debian's Emscripten (settings of ../emsdk.env), puts
// it in dist/ as edgecart.cjs (Node's require) and edgecart.mjs (an ES module for browsers) next
// to edgecart.wasm, then compiles the TypeScript wrapper and its declarations with tsc.
//   node scripts/build.mjs [--debug]     (--debug: -sASSERTIONS, -O0, into build/wasm-debug)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(web, '..');
const debug = process.argv.includes('--debug');
const buildDir = join(root, 'build', debug ? 'wasm-debug' : 'wasm-release');
const env = {
  ...process.env,
  PATH: `/usr/bin:${process.env.PATH}`,
  NODE_PATH: '/usr/share/nodejs',
  EM_FROZEN_CACHE: '1',
};
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, env, stdio: 'inherit' });

run('emcmake', ['cmake', '-S', root, '-B', buildDir, `-DCMAKE_BUILD_TYPE=${debug ? 'Debug' : 'MinSizeRel'}`]);
run('cmake', ['--build', buildDir, '-j', '2', '--target', 'edgecart_wasm']);

const dist = join(web, 'dist');
mkdirSync(dist, { recursive: true });
const out = join(buildDir, 'wasm_bindings');
const loader = readFileSync(join(out, 'edgecart.js'), 'utf8');
writeFileSync(join(dist, 'edgecart.cjs'), loader);
writeFileSync(join(dist, 'edgecart.mjs'), `${loader}\nexport default createEdgeCart;\n`);
copyFileSync(join(out, 'edgecart.wasm'), join(dist, 'edgecart.wasm'));

run(join(web, 'node_modules', '.bin', 'tsc'), ['-p', join(web, 'tsconfig.json')], web);
console.log(`edgecart: built ${debug ? 'debug' : 'release'} module into web/dist`);
