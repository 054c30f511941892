// Runs a TypeScript command of this project (npm run dev, npm run traces): bundles its entry point with esbuild
// (as the handlers are, in a few milliseconds, dependencies left in node_modules), then calls its main().
// Usage: node scripts/run.mjs src/dev/main.ts [arguments...]
import { build } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('Usage: node scripts/run.mjs <entry.ts> [arguments...]');
  process.exit(2);
}
const cache = path.join(root, 'node_modules', '.cache', 'traced-api');
// One file per process, so that two commands running at once do not share one.
const outfile = path.join(cache, `${path.basename(entry, '.ts')}-${process.pid}.mjs`);
await mkdir(cache, { recursive: true });
await build({
  entryPoints: [path.resolve(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.setSourceMapsEnabled(true);
let command;
try {
  command = await import(pathToFileURL(outfile).href);
} finally {
  await rm(outfile, { force: true });
}
await command.main(args);
