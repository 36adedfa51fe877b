// Every relative link of the project's Markdown (README.md, CONTRIBUTING.md, docs/, web/README.md)
// must name a file of the repository; nothing may point outside it. Run by scripts/test.sh.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = ['README.md', 'CONTRIBUTING.md', 'web/README.md',
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const broken = [];
let links = 0;
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');  // code is not links
  for (const [, target] of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (/^(https?:|mailto:|#)/.test(target)) continue;
    links++;
    const path = resolve(root, dirname(file), decodeURIComponent(target.split('#')[0]));
    if (relative(root, path).startsWith('..')) broken.push(`${file}: ${target} points outside the repository`);
    else if (!existsSync(path)) broken.push(`${file}: ${target} does not exist`);
  }
}
if (broken.length) {
  console.error(`check-links: ${broken.length} broken link(s):\n  ${broken.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-links: ${links} links in ${files.length} files, all resolve`);
