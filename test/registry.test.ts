// Released as users get it: `npm run release` publishes every package to a real registry (Verdaccio on loopback,
// test/support/registry.ts); yo and the generator install globally from it; a user who is not root starts
// projects with `npm create traced-api` and with `yo traced-api` in a real terminal, and each project's install
// takes the devkit from the registry at the released version and passes its own tests; a devkit patch released
// alone reaches a project through the README's upgrade command. The README's endpoint command runs too.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/generate.js';
import { RELEASED, hasVerdaccio, startRegistry, type Registry } from './support/registry.js';
import { hasTmux, terminal } from './support/terminal.js';

const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
const patch = version.replace(/\d+$/, (n) => String(Number(n) + 1));
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const yoVersion = JSON.parse(readFileSync(join(repoRoot, 'node_modules/yo/package.json'), 'utf8')).version as string;

/** Run as root, the user parts run as this user (.ci/run creates it); run as anyone else, as that user. */
const USER = 'traced-api-test';
const isRoot = process.getuid?.() === 0;
const userIds = (() => {
  if (!isRoot) return { uid: process.getuid!(), gid: process.getgid!() };
  const id = (flag: string) => spawnSync('id', [flag, USER], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
})();

const verdaccio = hasVerdaccio();
if (!verdaccio) console.warn('\n*** SKIPPED: verdaccio is not installed (npm ci installs it, a devDependency), so the release through a registry is not tested. ***\n');
if (verdaccio && !userIds) {
  console.warn(`\n*** SKIPPED in part: there is no user ${USER} to run npm create and yo as someone who is not root (useradd -M ${USER}, as .ci/run does): only the release itself and the global install are tested. ***\n`);
}
if (verdaccio && !hasTmux) console.warn('\n*** SKIPPED in part: tmux is not installed, so npm create and yo are not run in a terminal (apt-get install tmux). ***\n');
const asUser = Boolean(userIds) && hasTmux;

/** Root's environment for npm, without this run's own vitest settings. */
function rootEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && !key.startsWith('npm_')));
  return { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? rootEnv(), encoding: 'utf8', timeout: 600_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `run` without waiting: the process, and its result once it ends. */
function start(command: string, args: string[]): { child: ChildProcess; result: Promise<{ status: number | null; output: string }> } {
  const child = spawn(command, args, { cwd: repoRoot, env: rootEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, result: new Promise((resolve) => child.on('close', (status) => resolve({ status, output }))) };
}

describe.skipIf(!verdaccio)('released through a registry, as users get it', () => {
  let temp: string;
  let registry: Registry | undefined;
  const sessions: { close(): void }[] = [];
  /** The global install of yo and the generator: it runs while the user starts a project with npm create (they are independent). */
  let globalInstall: ReturnType<typeof start> | undefined;
  /** The user's world: a HOME, an npm cache, a Node 22 they may run, a folder to work in. */
  let user: { env: Record<string, string>; work: string };

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'traced-api-registry-'));
    chmodSync(temp, 0o755);
    registry = await startRegistry(temp);
    // Node 22 where the user may run it (root's own is under /root): linked, or copied where a link cannot go.
    mkdirSync(join(temp, 'node/bin'), { recursive: true });
    try {
      linkSync(process.execPath, join(temp, 'node/bin/node'));
    } catch {
      copyFileSync(process.execPath, join(temp, 'node/bin/node'));
    }
    chmodSync(join(temp, 'node/bin/node'), 0o755);
    const folders = { home: join(temp, 'home'), cache: join(temp, 'npm-cache'), work: join(temp, 'work'), tmp: join(temp, 'tmp') };
    for (const folder of Object.values(folders)) mkdirSync(folder);
    // The user's npm cache starts from this machine's: the tarballs npm has already fetched are not fetched again
    // (npm finds them by their integrity; the package documents still come from the registry). Its content files
    // never change once written, so they are hard-linked where they can be (a gigabyte not copied) and stay root's,
    // readable; the index, which npm appends to, is copied and becomes the user's.
    const rootCache = join(execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8', env: rootEnv() }).trim(), '_cacache');
    if (existsSync(rootCache)) {
      const cache = join(folders.cache, '_cacache');
      mkdirSync(cache);
      if (existsSync(join(rootCache, 'index-v5'))) execFileSync('cp', ['-r', join(rootCache, 'index-v5'), cache]);
      if (existsSync(join(rootCache, 'content-v2'))) {
        const linked = spawnSync('cp', ['-al', join(rootCache, 'content-v2'), cache]);
        if (linked.status !== 0) {
          rmSync(join(cache, 'content-v2'), { recursive: true, force: true });
          execFileSync('cp', ['-r', join(rootCache, 'content-v2'), cache]);
        }
      }
    }
    if (isRoot && userIds) {
      const owner = `${userIds.uid}:${userIds.gid}`;
      for (const folder of Object.values(folders).filter((folder) => folder !== folders.cache)) execFileSync('chown', ['-R', owner, folder]);
      // The cache's folders and index are the user's; its linked content files stay root's (chown would change root's own).
      execFileSync('find', [folders.cache, '(', '-type', 'd', '-o', '-path', '*/index-v5/*', ')', '-exec', 'chown', owner, '{}', '+']);
    }
    const npmBin = dirname(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
    user = {
      work: folders.work,
      env: {
        HOME: folders.home,
        PATH: [join(temp, 'node/bin'), join(temp, 'global/bin'), npmBin, '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
        TERM: 'xterm-256color',
        // What the user's programs keep in a temporary folder stays in this test's.
        TMPDIR: folders.tmp,
        NO_COLOR: '1',
        npm_config_registry: registry.url,
        npm_config_cache: folders.cache,
        npm_config_prefix: join(temp, 'global'),
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
      },
    };
  });

  afterAll(() => {
    globalInstall?.child.kill('SIGKILL');
    for (const session of sessions) session.close();
    registry?.stop();
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  /** A command line run as the user, with nothing of root's environment. */
  const userCommand = (args: string[]) => [...(isRoot ? ['runuser', '-u', USER, '--'] : []), 'env', '-i', ...Object.entries(user.env).map(([k, v]) => `${k}=${v}`), ...args];
  const runAsUser = (args: string[], cwd: string) => {
    const [command, ...rest] = userCommand(args);
    return run(command!, rest, { cwd, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
  };
  const inTerminal = (args: string[], cwd: string) => {
    const session = terminal(`cd ${cwd} && ${userCommand(args).join(' ')}`);
    sessions.push(session);
    return session;
  };

  /** The project's devkit came from the registry at `expected`: package.json's pin, the lock's entry, what is installed. */
  function expectDevkitFromRegistry(project: string, expected: string) {
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(manifest.devDependencies['traced-api-devkit']).toBe(expected);
    const locked = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')).packages['node_modules/traced-api-devkit'];
    expect(locked).toMatchObject({ version: expected, resolved: `${registry!.url}traced-api-devkit/-/traced-api-devkit-${expected}.tgz` });
    const installed = join(project, 'node_modules/traced-api-devkit');
    expect(realpathSync(installed), 'unpacked, not linked').toBe(installed);
    expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe(expected);
  }

  function expectProjectTestsPass(project: string) {
    const tested = runAsUser(['npm', 'test'], project);
    expect(tested.status, tested.output).toBe(0);
    expect(tested.output).toMatch(/Tests\s+\d+ passed/);
    expect(tested.output).not.toMatch(/failed|skipped/);
  }

  it(`npm run release publishes ${RELEASED.join(', ')} at ${version}; run again, it refuses the version, naming each package, and publishes nothing`, { timeout: 600_000 }, () => {
    const env = rootEnv({ npm_config_userconfig: registry!.npmrc });
    const released = run('npm', ['run', 'release', '--', '--registry', registry!.url, '--skip-build'], { env });
    expect(released.status, released.output).toBe(0);
    for (const name of RELEASED) {
      expect(released.output).toContain(`published ${name}@${version} to ${registry!.url}`);
      expect(JSON.parse(run('npm', ['view', name, 'versions', '--json', '--registry', registry!.url]).output)).toEqual([version]);
    }
    const again = run('npm', ['run', 'release', '--', '--registry', registry!.url, '--skip-build'], { env });
    expect(again.status).toBe(1);
    expect(again.output).toContain(`already on ${registry!.url}`);
    for (const name of RELEASED) expect(again.output).toContain(`${name}@${version}`);
    expect(again.output).toContain('Nothing was published.');
    expect(again.output).not.toContain('release: building');
    globalInstall = start('npm', ['install', '-g', '--prefix', join(temp, 'global'), `yo@${yoVersion}`, `generator-traced-api@${version}`, '--registry', registry!.url]);
  });

  it.skipIf(!asUser)(`as a user who is not root, npm create traced-api@${version} in a terminal writes a project that installs the devkit from the registry and passes its tests`, { timeout: 900_000 }, async () => {
    const term = inTerminal(['npm', 'create', `traced-api@${version}`, 'create-api', '--', '--yes'], user.work);
    // npm asks before it installs the initializer: the user says yes; the generator asks nothing (--yes).
    await term.answer('Ok to proceed?', 'y');
    const shown = await term.waitFor(/EXIT:\d+/, 600_000);
    expect(shown).toContain('Created create-api/');
    expect(shown).toContain('EXIT:0');
    const project = join(user.work, 'create-api');
    expectDevkitFromRegistry(project, version);
    expect(readFileSync(join(project, 'README.md'), 'utf8'), 'a released generator writes no checkout note').not.toContain('written from a checkout');
    // The README's next step: an endpoint, through the generator's bin, with no global install either.
    const endpoint = /^(npx -p generator-traced-api traced-api endpoint [^#\n]*?)\s*(#.*)?$/m.exec(readme)?.[1];
    expect(endpoint, "the README's endpoint command").toBeDefined();
    const added = runAsUser(endpoint!.split(' '), project);
    expect(added.status, added.output).toBe(0);
    expect(added.output).toContain('Added GET /orders/{orderId} (getOrdersByOrderId)');
    expectProjectTestsPass(project);
  });

  it('yo and generator-traced-api install globally from the registry into a prefix', { timeout: 600_000 }, async () => {
    expect(globalInstall, 'started once the release is on the registry').toBeDefined();
    const installed = await globalInstall!.result;
    const prefix = join(temp, 'global');
    expect(installed.status, installed.output).toBe(0);
    const generator = JSON.parse(readFileSync(join(prefix, 'lib/node_modules/generator-traced-api/package.json'), 'utf8'));
    expect(generator.version).toBe(version);
    expect(generator.dependencies['traced-api-devkit']).toBe(version);
  });

  it.skipIf(!asUser)('as that user, yo traced-api in a terminal asks, writes and installs a project from the registry whose tests pass', { timeout: 900_000 }, async () => {
    const term = inTerminal(['yo', 'traced-api', 'yo-api', '--no-insight'], user.work);
    await term.answer('One-line description', 'Orders through yo');
    await term.answer('AWS region', 'eu-west-1');
    await term.answer('API Gateway stage name', 'Enter');
    await term.answer('Lambda runtime', 'Enter');
    await term.answer('How should the functions be traced?', 'Enter');
    await term.answer('Lambda tracing mode', 'Enter');
    await term.answer('Turn on X-Ray tracing on the API Gateway stage?', 'Enter');
    await term.answer('Default sampling rule: reservoir', 'Enter');
    await term.answer('Default sampling rule: fixed rate', '10%');
    await term.answer('Add an SNS topic', 'Enter');
    await term.answer('Who may call the API?', 'Enter');
    await term.answer('Turn on CloudWatch Transaction Search', 'Enter');
    const shown = await term.waitFor(/EXIT:\d+/, 600_000);
    expect(shown).toContain('Created yo-api/');
    expect(shown).toContain('EXIT:0');
    const project = join(user.work, 'yo-api');
    expect(JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-traced-api']).toMatchObject({ region: 'eu-west-1', fixedRate: 0.1 });
    expectDevkitFromRegistry(project, version);
    expectProjectTestsPass(project);
  });

  it.skipIf(!asUser)(`a devkit patch (${patch}) released alone reaches a project through the README's upgrade command, and its tests still pass`, { timeout: 600_000 }, () => {
    // The devkit as released, at the next patch version: its maintainers' fix, published with npm.
    const env = rootEnv({ npm_config_userconfig: registry!.npmrc });
    const folder = join(temp, 'devkit-patch');
    mkdirSync(folder);
    const packed = run('npm', ['pack', `traced-api-devkit@${version}`, '--registry', registry!.url, '--pack-destination', folder], { env });
    expect(packed.status, packed.output).toBe(0);
    execFileSync('tar', ['-xzf', join(folder, `traced-api-devkit-${version}.tgz`), '-C', folder]);
    expect(run('npm', ['version', patch, '--no-git-tag-version'], { cwd: join(folder, 'package'), env }).status).toBe(0);
    const published = run('npm', ['publish', join(folder, 'package'), '--registry', registry!.url], { env });
    expect(published.status, published.output).toBe(0);

    const upgrade = /^npm install -D -E traced-api-devkit@<version>$/m.exec(readme)?.[0];
    expect(upgrade, "the README's upgrade command").toBeDefined();
    const project = join(user.work, 'create-api');
    const upgraded = runAsUser(upgrade!.replace('<version>', patch).split(' '), project);
    expect(upgraded.status, upgraded.output).toBe(0);
    expectDevkitFromRegistry(project, patch);
    expectProjectTestsPass(project);
  });
});
