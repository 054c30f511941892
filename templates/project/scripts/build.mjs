// Bundles every src/handlers/<operationId>.ts to dist/<operationId>/index.js, the zip Terraform deploys.
// CommonJS, because aws-xray-sdk-core's cls-hooked breaks in ESM bundles; the AWS SDK v3 is left out
// because the Lambda Node.js runtime provides it.
import { build } from 'esbuild';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const handlersDir = path.join(root, 'src', 'handlers');
const outdir = path.join(root, 'dist');

const entryPoints = (await readdir(handlersDir))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .sort()
  .map((file) => ({ in: path.join(handlersDir, file), out: `${path.basename(file, '.ts')}/index` }));
if (entryPoints.length === 0) {
  console.error(`No handlers in ${path.relative(root, handlersDir)}: add one with \`yo traced-api:endpoint\`.`);
  process.exit(1);
}

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  // Maps stay beside each bundle; set NODE_OPTIONS=--enable-source-maps on a function to use them.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
});
// The project is ESM ("type": "module"); this makes Node load the bundles as CommonJS in local tests.
// Lambda loads each dist/<operationId>/ zip on its own, where no package.json says otherwise.
await writeFile(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');

for (const { out } of entryPoints) {
  const file = path.join(outdir, `${out}.js`);
  const { size } = await stat(file);
  console.log(`${path.relative(root, file)}  ${(size / 1024).toFixed(1)} KiB`);
}
