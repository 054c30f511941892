// The release's own commands without a registry: `npm run bump` moves every package and pin together,
// `npm run release` refuses what it must before asking any registry; and the bins refuse an older Node.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessSync, constants, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './support/generate.js';

const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
const temps: string[] = [];
afterAll(() => temps.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** The files bump and release read and write, copied into a folder of their own (the checkout is never touched). */
function releaseCopy(): string {
  const copy = tempDir('traced-api-bump-');
  temps.push(copy);
  for (const file of ['package.json', 'package-lock.json', 'CHANGELOG.md', 'devkit/package.json', 'create-traced-api/package.json', 'dependency-versions/package.json', 'scripts/bump.mjs', 'scripts/release.mjs', 'scripts/packages.mjs']) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(copy, file));
  }
  return copy;
}

const json = (folder: string, file: string) => JSON.parse(readFileSync(join(folder, file), 'utf8'));

/** One of the release scripts, run by this Node in `cwd`. */
function script(name: string, args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [join('scripts', name), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('npm run bump and npm run release', () => {
  it('bump moves the three packages, every pin of one by another and the lock to the next version, and opens its CHANGELOG section', () => {
    const copy = releaseCopy();
    const bumped = script('bump.mjs', ['patch'], copy);
    expect(bumped.status, bumped.output).toBe(0);
    const next = version.replace(/\d+$/, (n) => String(Number(n) + 1));
    expect(bumped.output).toContain(`${version} -> ${next}`);
    expect([json(copy, 'package.json').version, json(copy, 'devkit/package.json').version, json(copy, 'create-traced-api/package.json').version]).toEqual([next, next, next]);
    expect(json(copy, 'package.json').dependencies['traced-api-devkit']).toBe(next);
    expect(json(copy, 'dependency-versions/package.json').devDependencies['traced-api-devkit']).toBe(next);
    expect(json(copy, 'create-traced-api/package.json').dependencies['generator-traced-api']).toBe(next);
    const lock = json(copy, 'package-lock.json');
    expect([lock.version, lock.packages[''].version, lock.packages.devkit.version, lock.packages[''].dependencies['traced-api-devkit']]).toEqual([next, next, next, next]);
    expect(readFileSync(join(copy, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`## ${next.replace(/\./g, '\\.')}\\n\\n- \\(write what changed[^\\n]*\\n\\n## ${version.replace(/\./g, '\\.')}\\n`));

    // The version's notes are still to write: release refuses before it asks any registry (port 9 answers nobody).
    const released = script('release.mjs', ['--registry', 'http://127.0.0.1:9/', '--skip-build'], copy);
    expect(released.status).toBe(1);
    expect(released.output.trim()).toBe(`release: CHANGELOG.md has no notes for ${next}: write them under "## ${next}".`);
  });

  it('bump refuses what is not a version, changing nothing', () => {
    const copy = releaseCopy();
    const refused = script('bump.mjs', ['next'], copy);
    expect(refused.status).toBe(1);
    expect(refused.output.trim()).toBe('bump: "next" is not a version: use patch, minor, major or x.y.z (npm run bump -- patch).');
    expect(json(copy, 'package.json').version).toBe(version);
  });

  it('release refuses packages at different versions, or a pin that is not the version, naming them', () => {
    const copy = releaseCopy();
    const devkit = json(copy, 'devkit/package.json');
    writeFileSync(join(copy, 'devkit/package.json'), JSON.stringify({ ...devkit, version: '9.9.9' }));
    const apart = script('release.mjs', ['--registry', 'http://127.0.0.1:9/', '--skip-build'], copy);
    expect(apart.status).toBe(1);
    expect(apart.output).toContain(`release: traced-api-devkit is at 9.9.9, the others at ${version}`);

    writeFileSync(join(copy, 'devkit/package.json'), JSON.stringify(devkit));
    const versions = json(copy, 'dependency-versions/package.json');
    writeFileSync(join(copy, 'dependency-versions/package.json'), JSON.stringify({ ...versions, devDependencies: { ...versions.devDependencies, 'traced-api-devkit': '0.0.1' } }));
    const pin = script('release.mjs', ['--registry', 'http://127.0.0.1:9/', '--skip-build'], copy);
    expect(pin.status).toBe(1);
    expect(pin.output).toContain(`release: dependency-versions/package.json pins traced-api-devkit at 0.0.1, not ${version}`);

    const unknown = script('release.mjs', ['--registy', 'http://127.0.0.1:9/'], copy);
    expect(unknown.status).toBe(1);
    expect(unknown.output).toContain("Unknown option '--registy'");
  });
});

/** The repository's packages, built, copied with their own files (node_modules lent by the checkout): release can pack them. */
function packableCopy(): string {
  const copy = releaseCopy();
  for (const folder of ['dist', 'templates', 'devkit/bin', 'devkit/dist', 'devkit/web', 'create-traced-api/bin']) cpSync(join(repoRoot, folder), join(copy, folder), { recursive: true });
  for (const file of ['README.md', 'devkit/README.md', 'create-traced-api/README.md']) copyFileSync(join(repoRoot, file), join(copy, file));
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

describe('the tarballs as a user gets them', () => {
  it('a tarball holding a test is refused, naming the package and the file, and nothing is published', async () => {
    const copy = packableCopy();
    const manifest = json(copy, 'devkit/package.json');
    writeFileSync(join(copy, 'devkit/package.json'), JSON.stringify({ ...manifest, files: [...manifest.files, 'test'] }));
    mkdirSync(join(copy, 'devkit/test'));
    writeFileSync(join(copy, 'devkit/test/cli.test.ts'), 'export {};\n');
    // A registry that has none of the packages (every document 404), so the release goes on to pack and check.
    const published: string[] = [];
    const registry = createServer((request, response) => {
      if (request.method === 'PUT') published.push(request.url ?? '');
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
      const child = spawn(process.execPath, ['scripts/release.mjs', '--registry', url, '--skip-build'], { cwd: copy });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const status = await new Promise((resolve) => child.on('close', resolve));
      expect(status, output).toBe(1);
      expect(output).toContain('release: the packed tarballs are not what users need, nothing was published:\n- traced-api-devkit: holds what users must not receive: test/cli.test.ts');
      expect(published).toEqual([]);
    } finally {
      registry.close();
    }
  }, 120_000);
});

/** The machine's own Node, as a new shell finds it without scripts/setup.sh's PATH: when it is older than 22.18. */
function olderNode(): string | undefined {
  const ours = dirname(process.execPath);
  for (const folder of (process.env.PATH ?? '').split(delimiter).filter((folder) => folder && folder !== ours)) {
    const candidate = join(folder, 'node');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    const [major, minor] = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim().split('.').map(Number);
    return major! < 22 || (major === 22 && minor! < 18) ? candidate : undefined;
  }
  return undefined;
}
const older = olderNode();
if (!older) console.warn('\n*** SKIPPED: no Node older than 22.18 on PATH besides this one, so the bins refusing an older Node are not tested. ***\n');

describe.skipIf(!older)('the bins on an older Node', () => {
  it('traced-api, create-traced-api and traced-api-devkit each refuse it in one line naming the version found and the one needed', () => {
    const [found, execPath] = spawnSync(older!, ['-p', 'process.versions.node + " " + process.execPath'], { encoding: 'utf8' }).stdout.trim().split(' ');
    // create-traced-api as npm installs it: beside the generator it depends on.
    const installed = tempDir('traced-api-old-node-');
    temps.push(installed);
    cpSync(join(repoRoot, 'create-traced-api'), join(installed, 'node_modules/create-traced-api'), { recursive: true });
    symlinkSync(repoRoot, join(installed, 'node_modules/generator-traced-api'));
    const bins: [string, string, string][] = [
      ['traced-api', join(repoRoot, 'dist/bin/traced-api.js'), '22.18'],
      ['create-traced-api', join(installed, 'node_modules/create-traced-api/bin/create-traced-api.js'), '22.18'],
      ['traced-api-devkit', join(repoRoot, 'devkit/bin/traced-api-devkit.js'), '22'],
    ];
    for (const [name, bin, needed] of bins) {
      const run = spawnSync(older!, [bin, '--help'], { cwd: installed, encoding: 'utf8' });
      expect(run.status, `${name}: ${run.stderr}`).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `${name} needs Node.js ${needed} or newer, and this is Node.js ${found} (${execPath}): install Node.js 22 (the node@22 package, or a version manager: nvm install 22) and run it again.\n`,
      );
    }
  });
});
