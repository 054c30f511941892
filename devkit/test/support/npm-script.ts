// Runs this project's own npm scripts (npm run dev, npm run traces) as a developer would, from the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The default project's root, generated on first use only (a test file with a project of its own never makes it). */
const defaultRoot = async () => (await import('./project.js')).projectRoot;

/** The environment for a script: this one, without what vitest set for its own workers. */
function scriptEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS'));
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The command line of `npm run <script> -- <args>`: npm itself, or (`direct`) the script's own command from
 * package.json, which is what npm runs, without npm's start-up time (the script must start with `node`).
 */
function commandOf(script: string, args: string[], direct: boolean, cwd: string): [string, string[]] {
  if (!direct) return ['npm', ['run', '--silent', script, '--', ...args]];
  const { scripts } = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [program, ...rest] = (scripts[script] ?? '').split(' ').filter(Boolean);
  if (program === 'node') return [process.execPath, [...rest, ...args]];
  if (program === 'traced-api-devkit') return [process.execPath, [path.join(cwd, 'node_modules', '.bin', program), ...rest, ...args]];
  throw new Error(`package.json's ${script} script starts with neither node nor traced-api-devkit: run it through npm`);
}

/** `npm run <script> -- <args>` to its end, in the test project or the project at `cwd`. */
export async function runScript(script: string, args: string[], env: Record<string, string> = {}, { direct = false, timeoutMs = 20_000, cwd = '' } = {}): Promise<ScriptResult> {
  cwd ||= await defaultRoot();
  return new Promise((resolve, reject) => {
    const [program, programArgs] = commandOf(script, args, direct, cwd);
    const child = spawn(program, programArgs, { cwd, env: scriptEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm run ${script} ${args.join(' ')} did not end within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningScript {
  /** Every line printed to stdout and stderr so far. */
  lines(): string[];
  /** The first line (old or new) that matches, waiting for it. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** `npm run <script> -- <args>`, left running (a server); stop() ends it and its children. */
export async function startScript(script: string, args: string[], env: Record<string, string> = {}, { cwd = '' } = {}): Promise<RunningScript> {
  // Its own process group, so that stop() reaches node behind npm and sh.
  const child: ChildProcess = spawn('npm', ['run', '--silent', script, '--', ...args], {
    cwd: cwd || (await defaultRoot()),
    env: scriptEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  let exited: number | null | undefined;
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop()!;
      lines.push(...parts);
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const ended = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  return {
    lines: () => [...lines],
    async waitForLine(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find((line) => pattern.test(line));
        if (found) return found;
        if (exited !== undefined) throw new Error(`npm run ${script} exited (${exited}) before printing ${pattern}:\n${lines.join('\n')}`);
        if (Date.now() > deadline) throw new Error(`npm run ${script} printed no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      if (exited === undefined && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 3_000);
        await ended;
        clearTimeout(timer);
      }
    },
  };
}
