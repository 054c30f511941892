// Runs the generators the way users do: yeoman-test for `yo`-style runs, the package's bin as a
// child process without a terminal.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import helpers from 'yeoman-test';
import { temporaryFolder } from '../../devkit/test/support/temporary.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const appGenerator = join(repoRoot, 'dist/generators/app/index.js');
export const endpointGenerator = join(repoRoot, 'dist/generators/endpoint/index.js');
export const bin = join(repoRoot, 'dist/bin/traced-api.js');

/** A new folder, removed when the test file ends (devkit/test/support/temporary.ts). */
export function tempDir(prefix = 'traced-api-'): string {
  return temporaryFolder(prefix);
}

/** `yo traced-api <name>` with options (and answers, as a terminal user would give). */
export async function generateApp(name: string | undefined, options: Record<string, unknown> = {}, answers: Record<string, unknown> = {}) {
  // A folder of our own: yeoman-test would clean its temporary folder up on the next run.
  const result = await helpers
    .run(appGenerator, { autoCleanup: false })
    .inDir(tempDir())
    .withArguments(name ? [name] : [])
    .withOptions({ skipInstall: true, ...options } as any)
    .withAnswers(answers);
  return { ...result, project: join(result.cwd, name ?? String(answers.name ?? 'my-api')) };
}

/** `yo traced-api:endpoint` inside an existing project folder. */
export async function addEndpoint(project: string, args: string[], options: Record<string, unknown> = {}, answers: Record<string, unknown> = {}) {
  return helpers
    .run(endpointGenerator, { autoCleanup: false })
    .cd(project)
    .withArguments(args)
    .withOptions({ skipInstall: true, ...options } as any)
    .withAnswers(answers);
}

export interface BinResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The package's bin, with no terminal (stdin closed). */
export function runBin(args: string[], cwd: string, env: Record<string, string> = {}): BinResult {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The package's bin as a process of its own, without waiting: several run at once. `killAfterMs`
 * sends SIGKILL that long after the start (a run interrupted the hard way).
 */
export function startBin(args: string[], cwd: string, options: { killAfterMs?: number; spawn?: SpawnOptions } = {}): Promise<BinResult & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...options.spawn });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Every file under a folder with a hash of its bytes: two snapshots are equal when nothing changed. */
export function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules') continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(folder, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(folder);
  return files;
}
