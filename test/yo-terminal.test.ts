// The real `yo` in a real terminal (tmux): a user answers the prompts by typing, and the project
// carries the answers.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runBin, snapshot, tempDir } from './support/generate.js';
import { hasTmux, sleep, terminal } from './support/terminal.js';

if (!hasTmux) console.warn('\n*** SKIPPED: tmux is not installed, so the real `yo` in a terminal is not tested. Install it (apt-get install tmux). ***\n');

/** Run as root, yo drops to uid 1000 (root-check): it can then load the generator only from a folder anyone may enter. */
function othersCanEnter(folder: string): boolean {
  for (let dir = folder; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}
const isRoot = process.getuid?.() === 0;
const reachable = !isRoot || othersCanEnter(repoRoot);
if (!reachable) console.warn(`\n*** SKIPPED: yo drops root privileges and could not read this checkout (${repoRoot}: a folder above it is closed to other users), so the real \`yo\` in a terminal is not tested here. ***\n`);

const yo = join(repoRoot, 'node_modules/yo/lib/cli.js');

/** A folder yo can load this checkout's generator from, with a HOME anyone may write (yo drops root privileges). */
function yoFolder(mode: number): string {
  const dir = tempDir('traced-api-yo-');
  mkdirSync(join(dir, 'home'));
  mkdirSync(join(dir, 'node_modules'));
  chmodSync(dir, mode);
  chmodSync(join(dir, 'home'), 0o777);
  symlinkSync(repoRoot, join(dir, 'node_modules/generator-traced-api'));
  return dir;
}


describe.skipIf(!hasTmux)('traced-api in a terminal', () => {
  it('Ctrl-C at a prompt exits 130 and writes nothing', async () => {
    const dir = tempDir('traced-api-interrupt-');
    const session = `traced-api-interrupt-${process.pid}`;
    const bin = join(repoRoot, 'dist/bin/traced-api.js');
    const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', `cd ${dir} && ${process.execPath} ${bin} new; echo "EXIT:$?"; sleep 60`);
    const screen = () => tmux('capture-pane', '-p', '-t', session, '-S', '-100');
    try {
      for (let i = 0; i < 300 && !screen().includes('Project and API name'); i++) await sleep(100);
      tmux('send-keys', '-t', session, 'C-c');
      for (let i = 0; i < 100 && !/EXIT:\d+/.test(screen()); i++) await sleep(100);
      expect(screen()).toContain('EXIT:130');
      expect(screen()).toContain('traced-api: interrupted; nothing was written.');
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe.skipIf(!hasTmux || !reachable)('yo traced-api in a terminal', () => {
  it('asks every question, takes typed answers and writes the project, with no deprecation line on the screen', async () => {
    // yo drops root privileges: everything it writes must be writable by anyone.
    const dir = yoFolder(0o777);
    const term = terminal(`cd ${dir} && HOME=${dir}/home ${process.execPath} ${yo} traced-api term-api --skip-install --no-insight`);
    const answer = term.answer;
    try {
      await answer('One-line description', 'Orders from a terminal');
      await answer('AWS region', 'Enter');
      await answer('API Gateway stage name', 'qa');
      await answer('Lambda runtime', 'Enter');
      // One line on each tracer, then OpenTelemetry chosen.
      const tracers = await term.waitFor('How should the functions be traced?');
      expect(tracers).toMatch(/xray-sdk: the AWS X-Ray SDK/);
      expect(tracers).toMatch(/otel: OpenTelemetry/);
      await answer('How should the functions be traced?', 'Down', 'Enter');
      await answer('Lambda tracing mode', 'Down', 'Enter');
      await answer('Turn on X-Ray tracing on the API Gateway stage?', 'Enter');
      await answer('Default sampling rule: reservoir', '2');
      await answer('Default sampling rule: fixed rate', '10%');
      await answer('Add an SNS topic', 'Enter');
      // Each kind of auth is shown with what it means, on its own line.
      const choices = await term.waitFor('Who may call the API?');
      expect(choices).toMatch(/none: anyone who has the URL may call it\n.*api-key: callers send an API key in the x-api-key header/);
      await answer('Who may call the API?', 'Down', 'Enter');
      await answer('Turn on CloudWatch Transaction Search', 'Enter');
      const shown = await term.waitFor(/EXIT:\d+/, 60_000);
      expect(shown).toContain('EXIT:0');
      expect(shown).toContain('Created term-api/');
      // Nothing on the user's screen that is not about their project: no deprecation, no false statement.
      expect(shown).not.toMatch(/deprecated|No package manager install/i);
      const project = join(dir, 'term-api');
      expect(existsSync(join(project, 'terraform/api.tf'))).toBe(true);
      expect(existsSync(join(project, 'src/handlers/createOrder.ts'))).toBe(true);
      expect(JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-traced-api']).toMatchObject({
        name: 'term-api', description: 'Orders from a terminal', region: 'us-east-1', stage: 'qa', tracer: 'otel',
        tracingMode: 'PassThrough', apiTracing: true, reservoir: 2, fixedRate: 0.1, sns: true, auth: 'api-key',
      });
    } finally {
      term.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // yo gives up root's rights before it runs a generator: in a folder only root may write, no question is asked in vain.
  it.skipIf(!isRoot)('run as root where only root may write, new and endpoint stop before any question, naming the ways out', async () => {
    const dir = yoFolder(0o755);
    const made = runBin(['new', 'root-api', '--yes', '--skip-install'], dir);
    expect(made.status, made.stderr).toBe(0);
    const project = join(dir, 'root-api');
    const before = { folder: readdirSync(dir).sort(), project: snapshot(project) };
    try {
      for (const [cwd, args] of [[dir, 'traced-api other-api'], [project, 'traced-api:endpoint']] as const) {
        const term = terminal(`cd ${cwd} && HOME=${dir}/home ${process.execPath} ${yo} ${args} --no-insight`);
        try {
          const screen = await term.waitFor(/EXIT:\d+/, 60_000);
          const shown = screen.replace(/\n/g, ' ');
          expect(shown).toContain(`yo gave up root's rights (run as root, it runs generators as uid `);
          expect(shown).toContain(`so it cannot write in ${cwd}. Run yo as a normal user, or use \`npm create traced-api\` or the \`traced-api\` bin`);
          expect(shown).toContain('EXIT:1');
          // Not one question on the screen (inquirer marks each with "?").
          expect(screen).not.toMatch(/^\s*\? /m);
        } finally {
          term.close();
        }
      }
      expect({ folder: readdirSync(dir).sort(), project: snapshot(project) }, 'nothing written').toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
