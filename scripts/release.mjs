// npm run release -- [--registry <url>] [--skip-build] [--dry-run]
// Publishes every package of this repository (scripts/packages.mjs) at the one version they share, with npm
// itself. Before anything is published: the versions and pins agree, CHANGELOG.md says what the version brings,
// the registry has none of the packages at this version (else it names the package and publishes nothing), and
// each packed tarball passes the checks of a user receiving it: the files a user needs are in it and nothing of
// the tests; its bins start from the unpacked tarball; the generator it holds pins the devkit at this version.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGES, PINS, changelogSection, fail, npm, readJson, root } from './packages.mjs';

let args;
try {
  args = parseArgs({ options: { registry: { type: 'string' }, 'skip-build': { type: 'boolean' }, 'dry-run': { type: 'boolean' } } }).values;
} catch (error) {
  fail(`release: ${error.message}. Usage: npm run release -- [--registry <url>] [--skip-build] [--dry-run]`);
}
const registry = args.registry ?? npm(['config', 'get', 'registry']).trim();
if (!/^https?:\/\//.test(registry)) fail(`release: --registry ${JSON.stringify(registry)} is not an http(s) URL.`);

// One version, and every pin at it.
const version = readJson('package.json').version;
for (const { name, dir } of PACKAGES) {
  const own = readJson(path.join(dir, 'package.json')).version;
  if (own !== version) fail(`release: ${name} is at ${own}, the others at ${version}: they are released together (npm run bump -- <version>).`);
}
for (const [file, field, name] of PINS) {
  const pinned = readJson(file)[field]?.[name];
  if (pinned !== version) fail(`release: ${file} pins ${name} at ${pinned}, not ${version}: run npm run bump -- ${version}.`);
}
const notes = changelogSection(version);
if (!notes || notes.includes('(write what changed')) fail(`release: CHANGELOG.md has no notes for ${version}: write them under "## ${version}".`);

// A version the registry has is never published again: refused, naming the package, before anything is published.
const present = PACKAGES.filter(({ name }) => {
  try {
    return npm(['view', `${name}@${version}`, 'version', '--registry', registry]).trim() !== '';
  } catch (error) {
    if (/E404|404 Not Found|is not in this registry|could not be found/.test(error.npmOutput ?? '')) return false;
    fail(`release: could not ask ${registry} about ${name}@${version}: ${error.message}`);
  }
});
if (present.length > 0) {
  fail(`release: ${present.map(({ name }) => `${name}@${version}`).join(', ')} ${present.length === 1 ? 'is' : 'are'} already on ${registry}: ` +
    'a version is published once. Move to the next one (npm run bump -- patch) and release that. Nothing was published.');
}

if (!args['skip-build']) {
  console.log('release: building');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

// The tarballs and their checks live in a folder of their own, removed however the release ends.
const work = mkdtempSync(path.join(tmpdir(), 'traced-api-release-'));
try {
  const tarballs = pack(work);
  checkTarballs(work, tarballs);
  for (const { name } of PACKAGES) {
    const publish = ['publish', tarballs[name].file, '--registry', registry, '--access', 'public', ...(args['dry-run'] ? ['--dry-run'] : [])];
    try {
      npm(publish);
    } catch (error) {
      const done = PACKAGES.slice(0, PACKAGES.findIndex((p) => p.name === name)).map((p) => `${p.name}@${version}`);
      throw new Error(`release: publishing ${name}@${version} to ${registry} failed${done.length ? ` (published already: ${done.join(', ')})` : ''}:\n${error.message}`);
    }
    console.log(`release: ${args['dry-run'] ? 'would publish' : 'published'} ${name}@${version} to ${registry}`);
  }
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** `npm pack` of each package into `work`: name -> { file, files (paths inside the package) }. */
function pack(work) {
  const tarballs = {};
  for (const { name, dir } of PACKAGES) {
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], { cwd: path.join(root, dir) }));
    tarballs[name] = { file: path.join(work, packed.filename), files: packed.files.map((file) => file.path) };
  }
  return tarballs;
}

/**
 * Each tarball as a user receives it. Unpacked side by side into node_modules/ of a folder whose parent lends them
 * this repository's installed dependencies (what npm would install beside them), so the bins start as installed.
 */
function checkTarballs(work, tarballs) {
  symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
  const installed = path.join(work, 'user', 'node_modules');
  const problems = [];
  for (const { name } of PACKAGES) {
    const folder = path.join(installed, name);
    mkdirSync(folder, { recursive: true });
    execFileSync('tar', ['-xzf', tarballs[name].file, '-C', folder, '--strip-components=1']);
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
    const files = tarballs[name].files;
    const missing = neededFiles(manifest).filter((file) => !files.includes(file));
    if (missing.length) problems.push(`${name}: missing ${missing.join(', ')}`);
    // The project templates' own tests (templates/) are the user's project's: everything else of the tests stays home.
    const tests = files.filter((file) => !file.startsWith('templates/') && /(^|\/)(test|tests|__tests__|bench)\/|\.test\.[cm]?[jt]s$|(^|\/)vitest\.config\.|\.tgz$/.test(file));
    if (tests.length) problems.push(`${name}: holds what users must not receive: ${tests.join(', ')}`);
  }
  if (problems.length === 0) {
    const node = process.execPath;
    const binOf = (name, bin) => path.join(installed, name, JSON.parse(readFileSync(path.join(installed, name, 'package.json'), 'utf8')).bin[bin]);
    const runs = [
      ['traced-api-devkit', 'traced-api-devkit', /Usage: traced-api-devkit/],
      ['generator-traced-api', 'traced-api', /traced-api new \[name\]/],
      ['create-traced-api', 'create-traced-api', /--fixed-rate/],
    ];
    for (const [name, bin, expected] of runs) {
      const run = spawnSync(node, [binOf(name, bin), '--help'], { cwd: work, encoding: 'utf8' });
      if (run.status !== 0 || !expected.test(run.stdout)) problems.push(`${name}: its bin ${bin} --help did not start (exit ${run.status}):\n${run.stdout}${run.stderr}`);
    }
    // The project a user would get: the generator of the tarball pins the devkit at this version.
    const projects = path.join(work, 'projects');
    mkdirSync(projects);
    const created = spawnSync(node, [binOf('create-traced-api', 'create-traced-api'), 'release-check', '--yes', '--skip-install'], { cwd: projects, encoding: 'utf8' });
    if (created.status !== 0) problems.push(`create-traced-api: release-check --yes --skip-install failed:\n${created.stdout}${created.stderr}`);
    else {
      const pinned = JSON.parse(readFileSync(path.join(projects, 'release-check', 'package.json'), 'utf8')).devDependencies['traced-api-devkit'];
      if (pinned !== version) problems.push(`generator-traced-api: a project it writes pins traced-api-devkit at ${pinned}, not ${version}`);
    }
  }
  if (problems.length) throw new Error(`release: the packed tarballs are not what users need, nothing was published:\n- ${problems.join('\n- ')}`);
  console.log(`release: ${PACKAGES.map(({ name }) => `${path.basename(tarballs[name].file)} (${tarballs[name].files.length} files)`).join(', ')}: checked`);
}

/** What a user of the package needs: its bins, its exports, and (the generator) what yo and the generators load. */
function neededFiles(manifest) {
  const targets = (value) => (typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targets));
  const files = [...targets(manifest.bin), ...targets(manifest.exports), 'package.json', 'README.md'].map((file) => path.posix.normalize(file));
  if (manifest.name === 'generator-traced-api') {
    const shipped = (folder) => readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .map((e) => path.posix.join(folder, path.relative(path.join(root, folder), path.join(e.parentPath, e.name)).split(path.sep).join('/')));
    files.push('dist/bin/run.js', 'dist/generators/app/index.js', 'dist/generators/endpoint/index.js', 'dependency-versions/package.json', ...shipped('templates'));
  }
  return [...new Set(files)];
}
