// A real npm registry on loopback for the release tests: Verdaccio (a devDependency), its storage in a folder of
// the test, on 127.0.0.1 at a free port, its upstream the registry npm is configured with (read at run time).
// The packages this repository releases are never taken from upstream: only what the release publishes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './generate.js';

export const RELEASED = ['generator-traced-api', 'traced-api-devkit', 'create-traced-api'];

/** Whether verdaccio is installed here (a devDependency), so the registry tests can run. */
export function hasVerdaccio(): boolean {
  try {
    createRequire(join(repoRoot, 'package.json')).resolve('verdaccio');
    return true;
  } catch {
    return false;
  }
}

export interface Registry {
  url: string;
  /** A user config (npmrc) holding a publisher's token for this registry: npm_config_userconfig. */
  npmrc: string;
  stop(): void;
}

/** The registry npm is configured with: Verdaccio's upstream. */
export function configuredRegistry(): string {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
}

/** Starts Verdaccio with its storage in `folder`; resolves once it listens and a publisher is registered. */
export async function startRegistry(folder: string): Promise<Registry> {
  const upstream = configuredRegistry();
  const own = RELEASED.map((name) => `  '${name}':\n    access: $all\n    publish: $authenticated\n`).join('');
  const config = join(folder, 'config.yaml');
  writeFileSync(
    config,
    `storage: ${join(folder, 'storage')}\n` +
      `auth:\n  htpasswd:\n    file: ${join(folder, 'htpasswd')}\n    max_users: 10\n` +
      // Package documents fetched upstream are reused for the whole run: every install asks for the same ones.
      `uplinks:\n  upstream:\n    url: ${upstream}\n    maxage: 60m\n    timeout: 60s\n` +
      `packages:\n${own}  '**':\n    access: $all\n    publish: $authenticated\n    proxy: upstream\n` +
      'web:\n  enable: false\nmax_body_size: 100mb\nlog: { type: stdout, format: pretty, level: error }\n',
  );
  const script = `const { runServer } = require('verdaccio');
runServer(${JSON.stringify(config)}).then((server) => server.listen(0, '127.0.0.1', () => console.log('LISTENING ' + server.address().port)));`;
  const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Verdaccio did not start within 60 s:\n${output}`)), 60_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LISTENING (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.on('exit', (code) => reject(new Error(`Verdaccio exited (${code}):\n${output}`)));
  }).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  const url = `http://127.0.0.1:${port}/`;
  const stop = () => stopChild(child);
  try {
    // A publisher, registered as `npm adduser` would: the token goes into an npmrc of the test's own.
    const response = await fetch(`${url}-/user/org.couchdb.user:release`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'release', password: 'release-test-only', type: 'user', roles: [] }),
    });
    const { token } = (await response.json()) as { token?: string };
    if (!token) throw new Error(`Verdaccio registered no publisher (${response.status})`);
    const npmrc = join(folder, 'publisher.npmrc');
    writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=${token}\n`);
    return { url, npmrc, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null) child.kill('SIGKILL');
}
