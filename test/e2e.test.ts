// End to end: the bin writes a project and installs it, with the devkit from its packed tarball as a published
// one would arrive; endpoints are added; the project's own build, typecheck and tests (the tracing and routes
// tests among them) pass; an operation added by hand with a method the devkit does not serve is reported by name,
// by the project's tests and at `npm run dev` start; the dev server serves from the installed devkit.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, tempDir } from './support/generate.js';

/** The environment for a project's npm: without this run's own vitest settings. */
function projectEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS'));
  return { ...env, CI: 'true', NO_COLOR: '1' };
}

function npm(project: string, ...args: string[]): string {
  try {
    return execFileSync('npm', args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: projectEnv() });
  } catch (error: any) {
    throw new Error(`npm ${args.join(' ')} failed in ${project}:\n${error.stdout}\n${error.stderr}`);
  }
}

function npmFails(project: string, ...args: string[]): string {
  try {
    execFileSync('npm', args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: projectEnv() });
  } catch (error: any) {
    return `${error.stdout}\n${error.stderr}`;
  }
  throw new Error(`npm ${args.join(' ')} passed in ${project}, expected it to fail`);
}

/** `npm run dev` until `until` is printed (or 30 s), then stopped; every line it printed. */
function devServerLines(project: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'dev', '--', '--port', '0', '--no-watch'], { cwd: project, env: projectEnv(), detached: true });
    let output = '';
    const stop = () => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`npm run dev printed no ${until} within 30 s:\n${output}`));
    }, 30_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (until.test(output)) {
        stop();
        resolve(output);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
  });
}

describe('a generated project, end to end', () => {
  let installed: string;

  it('installs the devkit from its tarball, grows by two endpoints, builds, typechecks and passes its own tests', { timeout: 400_000 }, async () => {
    const cwd = tempDir('traced-api-e2e-');
    const created = runBin(['new', 'orders-api', '--yes'], cwd);
    expect(created.status, created.stderr).toBe(0);
    // npm prints nothing while it installs: the generator says that it runs, and when it is done.
    expect(created.stderr).toMatch(/^Running npm install in orders-api\/ \(a minute or so; --skip-install skips it\)\.\.\.$/m);
    expect(created.stderr).toMatch(/^npm install done in \d+ s\.$/m);
    installed = join(cwd, 'orders-api');
    // Installed as a published package arrives: unpacked from the tarball, not linked into the source tree.
    const devkit = join(installed, 'node_modules', 'traced-api-devkit');
    expect(realpathSync(devkit)).toBe(devkit);
    expect(JSON.parse(readFileSync(join(installed, 'package-lock.json'), 'utf8')).packages['node_modules/traced-api-devkit'].resolved).toMatch(/^file:.*traced-api-devkit-[\d.]+\.tgz$/);

    const items = runBin(['endpoint', 'GET', '/orders/{orderId}/items', '--fixed-rate', '25%', '--reservoir', '3', '--priority', '42', '--no-publish'], installed);
    expect(items.status, items.stderr).toBe(0);
    const remove = runBin(['endpoint', 'DELETE', '/orders/{orderId}', '--yes'], installed);
    expect(remove.status, remove.stderr).toBe(0);

    npm(installed, 'run', 'build');
    // The zips Terraform deploys: one per operation, the same bytes from the same sources.
    const zips = () => ['createOrder', 'getOrdersByOrderIdItems', 'deleteOrdersByOrderId'].map((id) => createHash('sha256').update(readFileSync(join(installed, 'dist', `${id}.zip`))).digest('hex'));
    const first = zips();
    npm(installed, 'run', 'typecheck');
    const output = npm(installed, 'test');
    expect(zips(), 'npm test builds again: same sources, same zips').toEqual(first);
    for (const file of ['tracing', 'routes', 'sampling-rules', 'workflows', 'handlers/createOrder', 'handlers/getOrdersByOrderIdItems', 'handlers/deleteOrdersByOrderId']) {
      expect(output, `the project's ${file} tests ran`).toMatch(new RegExp(`test/${file}\\.test\\.ts`));
    }
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).not.toMatch(/failed|skipped/);

    const dev = await devServerLines(installed, /Each request prints/);
    expect(dev).toMatch(/route\s+DELETE \/orders\/\{orderId\} -> orders-api-dev-deleteOrdersByOrderId/);
  });

  it('reports a hand-added HEAD operation by name, in its tests and at npm run dev start', async () => {
    const document = join(installed, 'openapi', 'openapi.yaml');
    const original = readFileSync(document, 'utf8');
    writeFileSync(document, original.replace(/^paths:\n/m, 'paths:\n  /health:\n    head:\n      operationId: checkHealth\n      responses:\n        "200":\n          description: OK\n'));
    try {
      const output = npmFails(installed, 'test');
      expect(output).toContain('HEAD /health (checkHealth): HEAD is not deployed');
      const dev = await devServerLines(installed, /Each request prints/);
      expect(dev).toMatch(/NOT SERVED\s+HEAD \/health \(checkHealth\): HEAD is not deployed/);
    } finally {
      writeFileSync(document, original);
    }
  });

  it('without SNS, builds, typechecks and passes its own tests too', () => {
    const cwd = tempDir('traced-api-e2e-');
    const created = runBin(['new', 'plain-api', '--yes', '--no-sns', '--skip-install'], cwd);
    expect(created.status, created.stderr).toBe(0);
    const project = join(cwd, 'plain-api');
    // Same pinned dependencies as the project above: share its install instead of downloading again.
    symlinkSync(join(installed, 'node_modules'), join(project, 'node_modules'));
    npm(project, 'run', 'typecheck');
    const output = npm(project, 'test');
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).not.toMatch(/failed|skipped/);
  });

  it('with --tracer otel, has no X-Ray SDK in its handlers, builds, typechecks and passes its own tests', { timeout: 300_000 }, () => {
    const cwd = tempDir('traced-api-e2e-');
    const created = runBin(['new', 'otel-api', '--yes', '--tracer', 'otel', '--skip-install'], cwd);
    expect(created.status, created.stderr).toBe(0);
    const project = join(cwd, 'otel-api');
    // The install above, copied as hard links; npm then adds only what OpenTelemetry needs, from its cache.
    execFileSync('cp', ['-al', join(installed, 'node_modules'), join(project, 'node_modules')]);
    npm(project, 'install', '--prefer-offline', '--no-audit', '--no-fund');
    npm(project, 'run', 'build');
    const bundle = readFileSync(join(project, 'dist', 'createOrder', 'index.js'), 'utf8');
    expect(bundle).not.toMatch(/aws-xray-sdk|captureAWSv3Client/);
    npm(project, 'run', 'typecheck');
    const output = npm(project, 'test');
    expect(output).toMatch(/test\/tracing\.test\.ts/);
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).not.toMatch(/failed|skipped/);
  });
});
