// Packs the devkit workspace into dist/devkit/traced-api-devkit-<version>.tgz, as `npm publish` would ship it.
// A generator run from this checkout points the projects it writes at that tarball (lib/versions.ts), so a
// project installs the devkit the way a published one would arrive, before anything is published.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const destination = path.join(root, 'dist', 'devkit');
rmSync(destination, { recursive: true, force: true });
mkdirSync(destination, { recursive: true });
execFileSync('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: path.join(root, 'devkit'), stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`dist/devkit/${readdirSync(destination).join(', ')}`);
