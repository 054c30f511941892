// The real `yo` in a real terminal (tmux): a user answers the prompts by typing, and the project
// carries the answers.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './support/generate.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    const dir = tempDir('traced-api-yo-');
    // yo drops root privileges: everything it writes must be writable by anyone.
    mkdirSync(join(dir, 'home'));
    mkdirSync(join(dir, 'node_modules'));
    for (const folder of [dir, join(dir, 'home')]) chmodSync(folder, 0o777);
    symlinkSync(repoRoot, join(dir, 'node_modules/generator-traced-api'));
    const session = `traced-api-${process.pid}`;
    const yo = join(repoRoot, 'node_modules/yo/lib/cli.js');
    const command = `cd ${dir} && HOME=${dir}/home ${process.execPath} ${yo} traced-api term-api --skip-install --no-insight; echo "EXIT:$?"; sleep 60`;
    const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', command);
    const screen = () => tmux('capture-pane', '-p', '-t', session, '-S', '-200');
    const waitFor = async (text: string | RegExp, timeout = 30_000) => {
      const deadline = Date.now() + timeout;
      while (Date.now() < deadline) {
        const shown = screen();
        if (typeof text === 'string' ? shown.includes(text) : text.test(shown)) return shown;
        await sleep(100);
      }
      throw new Error(`the terminal never showed ${text}:\n${screen()}`);
    };
    const answer = async (question: string, ...keys: string[]) => {
      await waitFor(question);
      for (const key of keys) tmux('send-keys', '-t', session, ...(key === 'Enter' || key === 'Down' ? [key] : ['-l', key]));
      if (!keys.includes('Enter')) tmux('send-keys', '-t', session, 'Enter');
      await sleep(150);
    };
    try {
      await answer('One-line description', 'Orders from a terminal');
      await answer('AWS region', 'Enter');
      await answer('API Gateway stage name', 'qa');
      await answer('Lambda runtime', 'Enter');
      // One line on each tracer, then OpenTelemetry chosen.
      const tracers = await waitFor('How should the functions be traced?');
      expect(tracers).toMatch(/xray-sdk: the AWS X-Ray SDK/);
      expect(tracers).toMatch(/otel: OpenTelemetry/);
      await answer('How should the functions be traced?', 'Down', 'Enter');
      await answer('Lambda tracing mode', 'Down', 'Enter');
      await answer('Turn on X-Ray tracing on the API Gateway stage?', 'Enter');
      await answer('Default sampling rule: reservoir', '2');
      await answer('Default sampling rule: fixed rate', '10%');
      await answer('Add an SNS topic', 'Enter');
      // Each kind of auth is shown with what it means, on its own line.
      const choices = await waitFor('Who may call the API?');
      expect(choices).toMatch(/none: anyone who has the URL may call it\n.*api-key: callers send an API key in the x-api-key header/);
      await answer('Who may call the API?', 'Down', 'Enter');
      await answer('Turn on CloudWatch Transaction Search', 'Enter');
      const shown = await waitFor(/EXIT:\d+/, 60_000);
      expect(shown).toContain('EXIT:0');
      expect(shown).toContain('Created term-api/');
      // Nothing on the user's screen that is not about their project: no deprecation, no false statement.
      expect(shown).not.toMatch(/deprecated|No package manager install/i);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
    const project = join(dir, 'term-api');
    expect(existsSync(join(project, 'terraform/api.tf'))).toBe(true);
    expect(existsSync(join(project, 'src/handlers/createOrder.ts'))).toBe(true);
    expect(JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-traced-api']).toMatchObject({
      name: 'term-api', description: 'Orders from a terminal', region: 'us-east-1', stage: 'qa', tracer: 'otel',
      tracingMode: 'PassThrough', apiTracing: true, reservoir: 2, fixedRate: 0.1, sns: true, auth: 'api-key', transactionSearch: false,
    });
  });
});
