// `npm run build`: every src/handlers/<operationId>.ts bundled to dist/<operationId>/index.js and zipped to
// dist/<operationId>.zip, the file Terraform deploys (scripts/zip.mjs: the same sources, the same bytes).
// The bundling (esbuild, CommonJS, X-Ray SDK trimmed) is traced-api-devkit's.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, buildHandlers } from 'traced-api-devkit/build';
import { zip } from './zip.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
try {
  for (const { file } of await buildHandlers({ root })) {
    const folder = path.dirname(file);
    const names = (await readdir(folder)).sort();
    const archive = zip(await Promise.all(names.map(async (name) => ({ name, data: await readFile(path.join(folder, name)) }))));
    await writeFile(`${folder}.zip`, archive);
    console.log(`${path.relative(root, folder)}.zip  ${(archive.length / 1024).toFixed(1)} KiB`);
  }
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
