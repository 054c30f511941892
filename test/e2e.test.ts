// End to end: the bin writes a project and installs it; endpoints are added; the project's own
// build, typecheck and tests (the tracing test among them) pass.
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, tempDir } from './support/generate.js';

// The project's page test drives Debian's chromium; where it cannot be had, that test skips loudly.
const hasChromium = existsSync('/usr/bin/chromium');
if (!hasChromium) console.warn('\n*** chromium is not installed: the generated project\'s trace page test will skip (apt-get install chromium). ***\n');

function npm(project: string, ...args: string[]): string {
  try {
    // The generated project's vitest must not see this run's own vitest settings.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS'));
    return execFileSync('npm', args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, CI: 'true', NO_COLOR: '1' } });
  } catch (error: any) {
    throw new Error(`npm ${args.join(' ')} failed in ${project}:\n${error.stdout}\n${error.stderr}`);
  }
}

describe('a generated project, end to end', () => {
  let installed: string;

  it('installs, grows by two endpoints, builds, typechecks and passes its own tests', () => {
    const cwd = tempDir('traced-api-e2e-');
    const created = runBin(['new', 'orders-api', '--yes'], cwd);
    expect(created.status, created.stderr).toBe(0);
    installed = join(cwd, 'orders-api');
    const items = runBin(['endpoint', 'GET', '/orders/{orderId}/items', '--fixed-rate', '25%', '--reservoir', '3', '--priority', '42', '--no-publish'], installed);
    expect(items.status, items.stderr).toBe(0);
    const remove = runBin(['endpoint', 'DELETE', '/orders/{orderId}', '--yes'], installed);
    expect(remove.status, remove.stderr).toBe(0);

    npm(installed, 'run', 'build');
    npm(installed, 'run', 'typecheck');
    const output = npm(installed, 'test');
    for (const file of ['tracing', 'routes', 'dev-server', 'dev-sampling', 'dev-failures', 'traces', 'segments', 'handlers/createOrder']) {
      expect(output, `the project's ${file} tests ran`).toMatch(new RegExp(`test/${file}\\.test\\.ts`));
    }
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).not.toMatch(/failed/);
    if (hasChromium) expect(output).not.toMatch(/skipped/);
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
    expect(output).not.toMatch(/failed/);
    if (hasChromium) expect(output).not.toMatch(/skipped/);
  });
});
