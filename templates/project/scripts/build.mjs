// `npm run build`: every src/handlers/<operationId>.ts bundled to dist/<operationId>/index.js, the code
// Terraform deploys. The bundling (esbuild, CommonJS, X-Ray SDK trimmed) is traced-api-devkit's.
import { fileURLToPath } from 'node:url';
import { BuildError, buildHandlers } from 'traced-api-devkit/build';

try {
  await buildHandlers({ root: fileURLToPath(new URL('..', import.meta.url)) });
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
