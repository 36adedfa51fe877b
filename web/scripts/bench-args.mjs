// The benchmarks' command line: `--smoke` (a tiny size for CI) and `--name N` numbers.
export const smoke = process.argv.includes('--smoke');

/** The number after `--name`, or `fallback`. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
