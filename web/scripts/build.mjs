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
// Emscripten 3.1.6 looks a function up in the wasm table (a call into the engine) on every
// exception-aware call; later Emscripten versions cache the lookups in a mirror array. The table
// never changes here (no addFunction, no table growth), so the same cache is safe; it makes
// requests about a third faster. The build fails if the loader does not look as expected.
const lookup = 'function getWasmTableEntry(funcPtr){return wasmTable.get(funcPtr)}';
const cached = 'var wasmTableMirror=[];function getWasmTableEntry(funcPtr){var f=wasmTableMirror[funcPtr];' +
               'if(f===undefined){f=wasmTableMirror[funcPtr]=wasmTable.get(funcPtr)}return f}';
let loader = readFileSync(join(out, 'edgecart.js'), 'utf8');
if (!debug) {
  if (!loader.includes(lookup) || /wasmTable\.set|addFunction|ALLOW_TABLE_GROWTH/.test(loader)) {
    throw new Error('edgecart: the generated loader changed; review the getWasmTableEntry cache in scripts/build.mjs');
  }
  loader = loader.replace(lookup, cached);
}
writeFileSync(join(dist, 'edgecart.cjs'), loader);
writeFileSync(join(dist, 'edgecart.mjs'), `${loader}\nexport default createEdgeCart;\n`);
copyFileSync(join(out, 'edgecart.wasm'), join(dist, 'edgecart.wasm'));

run(join(web, 'node_modules', '.bin', 'tsc'), ['-p', join(web, 'tsconfig.json')], web);
console.log(`edgecart: built ${debug ? 'debug' : 'release'} module into web/dist`);
