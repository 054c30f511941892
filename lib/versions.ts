import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Versions } from './config.js';

/** The package's root folder (dist/lib/.. /..). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
export const templatesRoot = `${packageRoot}templates`;

let cached: Versions | undefined;

/** dependency-versions/package.json: every version a generated project depends on, pinned once. */
export function loadVersions(): Versions {
  cached ??= JSON.parse(readFileSync(`${packageRoot}dependency-versions/package.json`, 'utf8')) as Versions;
  return cached;
}
