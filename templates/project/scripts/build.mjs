// `npm run build`: every src/handlers/<operationId>.ts bundled to dist/<operationId>/index.js and zipped to
// dist/<operationId>.zip, the file Terraform deploys (same sources, same bytes). The bundling (esbuild,
// CommonJS, X-Ray SDK trimmed) and the zips are traced-api-devkit's.
import { fileURLToPath } from 'node:url';
import { BuildError, buildHandlers } from 'traced-api-devkit/build';

try {
  await buildHandlers({ root: fileURLToPath(new URL('..', import.meta.url)) });
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
