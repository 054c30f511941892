// The packages this repository releases, together and at one version, and what release.mjs and version.mjs share.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** In publishing order: the devkit first (the generator depends on it), create-traced-api last (it depends on the generator). */
export const PACKAGES = [
  { name: 'traced-api-devkit', dir: 'devkit' },
  { name: 'generator-traced-api', dir: '.' },
  { name: 'create-traced-api', dir: 'create-traced-api' },
];

/** Where one package of the release names another at the release's version: [file, dependency field, package]. */
export const PINS = [
  ['package.json', 'dependencies', 'traced-api-devkit'],
  ['dependency-versions/package.json', 'devDependencies', 'traced-api-devkit'],
  ['create-traced-api/package.json', 'dependencies', 'generator-traced-api'],
];

export const readJson = (file) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
export const writeJson = (file, value) => writeFileSync(path.join(root, file), `${JSON.stringify(value, null, 2)}\n`);

/** npm itself, in `cwd` (the repository's root by default); its stdout. Throws with npm's own words when it fails. */
export function npm(args, { cwd = root, env = process.env } = {}) {
  try {
    return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
    throw Object.assign(new Error(`npm ${args.join(' ')} failed${output ? `:\n${output}` : ''}`), { npmOutput: output });
  }
}

/** The `## <version>` section of CHANGELOG.md, without its heading; undefined when there is none. */
export function changelogSection(version) {
  const text = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
  const start = text.search(new RegExp(`^## ${version.replace(/\./g, '\\.')}(\\s|$)`, 'm'));
  if (start < 0) return undefined;
  const rest = text.slice(start).split('\n').slice(1).join('\n');
  const end = rest.search(/^## /m);
  return (end < 0 ? rest : rest.slice(0, end)).trim();
}

/** Ends the script with one line on stderr. */
export function fail(message) {
  console.error(message);
  process.exit(1);
}
