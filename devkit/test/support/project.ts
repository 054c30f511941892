// The project the devkit's tests work on: one the generator of this repository writes (`traced-api new`, the
// two packages are released together), with this repository's node_modules (so traced-api-devkit is this
// checkout's) and its handlers built by the devkit's own build. One per test file, in a temporary folder.
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readProjectSettings, xrayServiceName as serviceNameOf } from '../../src/contract/project.js';
import { temporaryFolder } from './temporary.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(repoRoot, 'dist', 'bin', 'traced-api.js');
if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build at the repository's root first (npm test does it)`);

/** Writes a project with the generator (extra options as on its command line) and builds its handlers. */
export function generateProject(name = 'orders-api', options: string[] = []): string {
  const folder = temporaryFolder('traced-api-devkit-test-');
  execFileSync(process.execPath, [bin, 'new', name, '--yes', '--skip-install', ...options], { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] });
  const root = path.join(folder, name);
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return root;
}

export const projectRoot = generateProject();
export const project = readProjectSettings(projectRoot);
export const xrayServiceName = () => serviceNameOf(project);
