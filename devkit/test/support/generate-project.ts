// Writing a project with the generator of this repository (`traced-api new`, the two packages are released
// together), with this repository's node_modules (so traced-api-devkit is this checkout's) and its handlers built
// by the devkit's own build, in a temporary folder. Importing this generates nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporaryFolder } from './temporary.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The generator's bin (`traced-api new`, `traced-api endpoint`). */
export const generatorBin = path.join(repoRoot, 'dist', 'bin', 'traced-api.js');
if (!existsSync(generatorBin)) throw new Error(`${generatorBin} is missing: run npm run build at the repository's root first (npm test does it)`);

/** Writes a project with the generator (extra options as on its command line) and builds its handlers. */
export function generateProject(name = 'orders-api', options: string[] = []): string {
  const folder = temporaryFolder('traced-api-devkit-test-');
  execFileSync(process.execPath, [generatorBin, 'new', name, '--yes', '--skip-install', ...options], { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] });
  const root = path.join(folder, name);
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  buildProject(root);
  return root;
}

/** `npm run build` of a project written by generateProject. */
export function buildProject(root: string): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** `traced-api endpoint <args>` in a project. */
export function addEndpoint(root: string, args: string[]): void {
  execFileSync(process.execPath, [generatorBin, 'endpoint', ...args, '--yes'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
