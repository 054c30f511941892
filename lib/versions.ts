import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Versions } from './config.js';

/** The package's root folder (dist/lib/.. /..). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
export const templatesRoot = `${packageRoot}templates`;
export const DEVKIT = 'traced-api-devkit';

let cached: Versions | undefined;

/**
 * dependency-versions/package.json: every version a generated project depends on, pinned once. The devkit is
 * pinned there at the generator's own version (they are released together). A generator run from a checkout of
 * its repository (the devkit workspace sits beside it, and is not published yet) points the project at the
 * devkit that `npm run build` packed into dist/devkit/ instead: the project installs it as a published one arrives.
 */
export function loadVersions(): Versions {
  if (cached) return cached;
  const versions = { ...JSON.parse(readFileSync(`${packageRoot}dependency-versions/package.json`, 'utf8')), devkitFromCheckout: [] } as Versions;
  if (existsSync(`${packageRoot}devkit/package.json`)) {
    const version = versions.devDependencies[DEVKIT]!;
    const tarball = `${packageRoot}dist/devkit/${DEVKIT}-${version}.tgz`;
    if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run npm run build in ${packageRoot} (it packs the devkit that projects written from this checkout install)`);
    versions.devDependencies[DEVKIT] = `file:${tarball}`;
    versions.devkitFromCheckout = [{ tarball, version }];
  }
  cached = versions;
  return versions;
}
