// npm run typecheck: the modules of src/ import one another one way (open -> shop, local / sync /
// tabs -> module, types): any import cycle, type-only imports included, fails with the cycle named.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const graph = new Map();
for (const f of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
  const text = readFileSync(join(src, f), 'utf8');
  const deps = [...text.matchAll(/(?:from|import\()\s*'\.\/([a-z_]+)\.js'/g)].map((m) => `${m[1]}.ts`);
  graph.set(f, [...new Set(deps)]);
}
const state = new Map();  // file -> 'visiting' | 'done'
function visit(f, path) {
  if (state.get(f) === 'done') return;
  if (state.get(f) === 'visiting') {
    console.error(`check-imports: an import cycle in web/src: ${[...path.slice(path.indexOf(f)), f].join(' -> ')}`);
    process.exit(1);
  }
  state.set(f, 'visiting');
  for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
  state.set(f, 'done');
}
for (const f of graph.keys()) visit(f, []);
console.log(`check-imports: ${graph.size} modules, no cycle`);
