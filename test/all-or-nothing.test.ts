// Runs that never lose or half-write a project: runs at the same moment take turns and all land,
// a run killed at any moment leaves the project as it was or complete, a write that fails changes nothing.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { commitFiles, JOURNAL_FILE, LOCK_FILE, recoverInterruptedRun, withProjectLock } from '../lib/commit.js';
import { bin, repoRoot, runBin, snapshot, startBin, tempDir } from './support/generate.js';

interface Op {
  path: string;
  method: string;
  operationId: string;
  sampling?: { ruleName: string; priority: number };
}

function operations(project: string): Op[] {
  const doc = parseYaml(readFileSync(join(project, 'openapi/openapi.yaml'), 'utf8'));
  return Object.entries<Record<string, any>>(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries<any>(item).map(([method, op]) => ({ path, method, operationId: op.operationId, sampling: op['x-traced-api']?.sampling })),
  );
}

/** Every file under a folder, relative, sorted. */
function files(folder: string): string[] {
  return (readdirSync(folder, { recursive: true, withFileTypes: true }) as any[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

/** What a finished project holds: each operation with its handler and test, no handler without one, unique AWS names and priorities, nothing left over. */
function expectConsistent(project: string) {
  const ops = operations(project);
  for (const op of ops) {
    expect(existsSync(join(project, `src/handlers/${op.operationId}.ts`)), `${op.operationId}'s handler`).toBe(true);
    expect(existsSync(join(project, `test/handlers/${op.operationId}.test.ts`)), `${op.operationId}'s test`).toBe(true);
  }
  const handlers = readdirSync(join(project, 'src/handlers')).filter((name) => name.endsWith('.ts')).map((name) => name.slice(0, -3));
  expect(handlers.sort()).toEqual(ops.map((op) => op.operationId).sort());
  for (const values of [ops.map((op) => op.operationId), ops.map((op) => op.sampling!.ruleName), ops.map((op) => op.sampling!.priority)]) {
    expect(new Set(values).size, JSON.stringify(values)).toBe(values.length);
  }
  expect(files(project).filter((file) => /traced-api/.test(file)), 'temporary files, journal or lock left').toEqual([]);
}

function newProject(name: string): string {
  const cwd = tempDir();
  const result = runBin(['new', name, '--yes', '--skip-install'], cwd);
  expect(result.status, result.stderr).toBe(0);
  return join(cwd, name);
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const start = Date.now();
  await work();
  return Date.now() - start;
}

describe('endpoint runs at the same moment in one project', () => {
  it('take turns: every route lands, with unique operationIds, rule names and priorities (3 rounds of 4 runs)', async () => {
    const project = newProject('busy-api');
    const added: string[] = [];
    for (let round = 0; round < 3; round++) {
      const routes = Array.from({ length: 4 }, (_, i) => `/round${round}/item${i}`);
      const results = await Promise.all(routes.map((route) => startBin(['endpoint', 'GET', route, '--yes'], project)));
      results.forEach((result) => expect(result.status, result.stderr).toBe(0));
      added.push(...routes);
    }
    expect(operations(project).map((op) => op.path).sort()).toEqual(['/orders', ...added].sort());
    expectConsistent(project);
  });

  it('checks again under the lock: of two runs asking for one priority, one lands and the other is refused with nothing written', async () => {
    const project = newProject('race-api');
    const results = await Promise.all(['/first', '/second'].map((route) => startBin(['endpoint', 'GET', route, '--yes', '--priority', '500'], project)));
    expect(results.map((result) => result.status).sort()).toEqual([0, 1]);
    const refused = results.find((result) => result.status === 1)!;
    expect(refused.stderr).toMatch(/Priority 500 is already taken by the sampling rule of GET \/(first|second)/);
    expect(operations(project).filter((op) => op.sampling?.priority === 500)).toHaveLength(1);
    expectConsistent(project);
  });

  it('waits for a run holding the lock, and takes over a lock whose run is gone', async () => {
    const project = newProject('lock-api');
    let released = 0;
    // Wrapped: the lock is let go when this returns, and only then can the run finish.
    const { run } = await withProjectLock(project, async () => {
      // Held until the run says it waits (however long a busy machine takes to start it), then let go.
      const child = spawn(process.execPath, [bin, 'endpoint', 'GET', '/waits', '--yes'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const waiting = new Promise<void>((resolve) => {
        const seen = () => /Waiting for another traced-api run/.test(stdout + stderr) && resolve();
        child.stdout.on('data', (chunk) => ((stdout += chunk), seen()));
        child.stderr.on('data', (chunk) => ((stderr += chunk), seen()));
        child.on('close', () => resolve());
      });
      const started = new Promise<{ result: { status: number | null; stdout: string; stderr: string }; at: number }>((resolve) =>
        child.on('close', (status) => resolve({ result: { status, stdout, stderr }, at: Date.now() })),
      );
      await waiting;
      released = Date.now();
      return { run: started };
    });
    const { result: waited, at } = await run;
    expect(waited.status, waited.stderr).toBe(0);
    expect(waited.stdout + waited.stderr).toMatch(new RegExp(`Waiting for another traced-api run \\(pid ${process.pid}, started [^)]+\\) to finish changing this project`));
    expect(at, 'the run finished only after the lock was let go').toBeGreaterThanOrEqual(released);

    // A lock left by a run killed mid-way: its process is gone.
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(join(project, LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout.trim()), started: new Date().toISOString() }));
    const result = runBin(['endpoint', 'GET', '/after-stale-lock', '--yes'], project);
    expect(result.status, result.stderr).toBe(0);
    expect(operations(project).map((op) => op.path)).toContain('/after-stale-lock');
    expectConsistent(project);
  });
});

describe('the lock', () => {
  it('tells a live owner from a gone one, a reused pid included, and names the owner when it waits too long', async () => {
    const root = tempDir();
    const lock = join(root, LOCK_FILE);
    // This very process, but with another start time: the pid was reused, the owner is gone.
    writeFileSync(lock, JSON.stringify({ pid: process.pid, started: '2020-01-01T00:00:00.000Z', ticks: 'another start' }));
    expect(await withProjectLock(root, () => 'taken over', { waitMs: 1000 })).toBe('taken over');
    expect(existsSync(lock), 'let go after the work').toBe(false);

    // A live owner (this test's parent process): waited for, then named.
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, started: '2020-01-01T00:00:00.000Z' }));
    await expect(withProjectLock(root, () => 'never', { waitMs: 300 })).rejects.toThrow(
      new RegExp(`Another traced-api run \\(pid ${process.ppid}, started 2020-01-01T00:00:00.000Z\\) has been changing .* remove ${LOCK_FILE.replace(/\./g, '\\.')} there if that process is gone`),
    );
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid, "a live owner's lock is left alone").toBe(process.ppid);
  });
});

describe('new runs at the same moment for one name', () => {
  it('one writes the project whole, the other is refused with nothing of its own left', async () => {
    const cwd = tempDir();
    const results = await Promise.all([0, 1].map(() => startBin(['new', 'twin-api', '--yes', '--skip-install'], cwd)));
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([0, 1]);
    // Refused when it renames its project into place, or up front when the other's was there already.
    expect(results.find((result) => result.status === 1)!.stderr).toMatch(/Folder \.\/twin-api\/ (appeared while the project was being written and is not empty|already exists and is not empty)/);
    expect(readdirSync(cwd)).toEqual(['twin-api']);
    expectConsistent(join(cwd, 'twin-api'));
  });
});

describe('runs killed at any moment (SIGKILL)', () => {
  it('endpoint: the document names an operation only with its handler beside it, and the next run finishes or undoes the rest', async () => {
    const project = newProject('killed-api');
    const total = await timed(() => startBin(['endpoint', 'GET', '/timing', '--yes'], project));
    const points = 16;
    for (let i = 0; i < points; i++) {
      const route = `/killed${i}`;
      const operationId = `getKilled${i}`;
      const result = await startBin(['endpoint', 'GET', route, '--yes'], project, { killAfterMs: Math.round((total * (i + 1)) / points) });
      const added = operations(project).some((op) => op.path === route); // the document always parses
      const handler = existsSync(join(project, `src/handlers/${operationId}.ts`));
      if (added) expect(handler && existsSync(join(project, `test/handlers/${operationId}.test.ts`)), `kill ${i}: operation without its files`).toBe(true);
      else if (handler) expect(existsSync(join(project, JOURNAL_FILE)), `kill ${i}: a handler without its operation, and no journal to finish the run`).toBe(true);
      if (result.signal === null) expect(result.status, result.stderr).toBe(0);
    }
    // The next run finishes (or undoes) what the killed runs left, under their stale lock.
    const next = runBin(['endpoint', 'GET', '/after', '--yes'], project);
    expect(next.status, next.stderr).toBe(0);
    expectConsistent(project);
  });

  it('new: ./<name>/ is either absent or complete, and the next new removes what the killed runs left beside it', async () => {
    const cwd = tempDir();
    const total = await timed(() => startBin(['new', 'reference-api', '--yes', '--skip-install'], cwd));
    const complete = files(join(cwd, 'reference-api'));
    const points = 14;
    for (let i = 0; i < points; i++) {
      const name = `killed${i}-api`;
      await startBin(['new', name, '--yes', '--skip-install'], cwd, { killAfterMs: Math.round((total * (i + 1)) / points) });
      if (existsSync(join(cwd, name))) expect(files(join(cwd, name)), `kill ${i}`).toEqual(complete);
    }
    const result = runBin(['new', 'last-api', '--yes', '--skip-install'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(cwd).filter((name) => name.startsWith('.')), 'staging folders of killed runs').toEqual([]);
  });
});

describe('the journal', () => {
  const write = (root: string, file: string, text: string) => ({ path: join(root, file), contents: text });

  it('killed at each of its file operations in turn, leaves every file old or, once recovered, every file new', () => {
    // A process that commits three files and kills itself at its n-th write, rename or removal.
    const child = (root: string, n: number) => `
      import fs from 'node:fs';
      import { syncBuiltinESMExports } from 'node:module';
      let calls = 0;
      for (const name of ['writeFileSync', 'renameSync', 'rmSync', 'mkdirSync']) {
        const original = fs[name];
        fs[name] = (...args) => { if (++calls === ${n}) process.kill(process.pid, 'SIGKILL'); return original(...args); };
      }
      syncBuiltinESMExports();
      const { commitFiles } = await import(${JSON.stringify(join(repoRoot, 'dist/lib/commit.js'))});
      const root = ${JSON.stringify(root)};
      commitFiles(root, ['one', 'two', 'three'].map((name) => ({ path: root + '/sub/' + name + '.txt', contents: 'new ' + name })));
      console.log('done');`;
    const read = (root: string) => ['one', 'two', 'three'].map((name) => (existsSync(join(root, 'sub', `${name}.txt`)) ? readFileSync(join(root, 'sub', `${name}.txt`), 'utf8') : 'absent'));
    let completed = false;
    let kills = 0;
    for (let n = 1; !completed; n++) {
      const root = tempDir();
      mkdirSync(join(root, 'sub'));
      writeFileSync(join(root, 'sub/one.txt'), 'old one');
      writeFileSync(join(root, 'sub/two.txt'), 'old two');
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', child(root, n)], { encoding: 'utf8' });
      completed = run.stdout.includes('done');
      const old = ['old one', 'old two', 'absent'];
      const fresh = ['new one', 'new two', 'new three'];
      const after = read(root);
      if (!completed) expect(run.signal, run.stderr).toBe('SIGKILL');
      if (!completed) kills++;
      // Killed: what is on disk is the old state, unless the journal says the run had committed.
      if (!completed && after.join() !== old.join()) expect(JSON.parse(readFileSync(join(root, JOURNAL_FILE), 'utf8')).state, `kill at ${n}`).toBe('commit');
      recoverInterruptedRun(root);
      expect([old.join(), fresh.join()], `kill at ${n}: ${after.join()} became ${read(root).join()}`).toContain(read(root).join());
      expect(readdirSync(root).concat(readdirSync(join(root, 'sub'))).filter((name) => /traced-api/.test(name)), `kill at ${n}`).toEqual([]);
      expect(n, 'a commit of three files takes a few dozen file operations').toBeLessThan(60);
    }
    // The journal (twice), three temporary files, their folder, three renames, the journal's removal.
    expect(kills).toBeGreaterThanOrEqual(10);
  });

  it('finishes a run interrupted after its commit point and undoes one interrupted before it', () => {
    const root = tempDir();
    writeFileSync(join(root, 'a.txt'), 'old a');
    commitFiles(root, [write(root, 'a.txt', 'new a'), write(root, 'b.txt', 'new b')]);
    expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('new a');
    expect(readFileSync(join(root, 'b.txt'), 'utf8')).toBe('new b');
    expect(existsSync(join(root, JOURNAL_FILE))).toBe(false);

    // Interrupted after the commit point, one file already in place.
    writeFileSync(join(root, '.a.txt.tmp1'), 'a3');
    writeFileSync(join(root, 'b.txt'), 'b3');
    writeFileSync(join(root, JOURNAL_FILE), JSON.stringify({ state: 'commit', entries: [{ target: 'b.txt', temp: '.b.txt.tmp1' }, { target: 'a.txt', temp: '.a.txt.tmp1' }] }));
    expect(recoverInterruptedRun(root)).toMatch(/finished it/);
    expect([readFileSync(join(root, 'a.txt'), 'utf8'), readFileSync(join(root, 'b.txt'), 'utf8')]).toEqual(['a3', 'b3']);

    // Interrupted before it: the targets stay as they were.
    writeFileSync(join(root, '.a.txt.tmp2'), 'a4');
    writeFileSync(join(root, JOURNAL_FILE), JSON.stringify({ state: 'prepare', entries: [{ target: 'a.txt', temp: '.a.txt.tmp2' }, { target: 'c.txt', temp: '.c.txt.tmp2' }] }));
    expect(recoverInterruptedRun(root)).toMatch(/removed what it had begun/);
    expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('a3');
    expect(readdirSync(root).sort()).toEqual(['a.txt', 'b.txt']);
  });
});

/** Read-only for this user: mode 0555, or as root (whom modes do not stop) the immutable attribute. */
function makeReadOnly(folder: string, readOnly: boolean): boolean {
  if (process.getuid?.() !== 0) {
    chmodSync(folder, readOnly ? 0o555 : 0o755);
    return true;
  }
  return spawnSync('chattr', [readOnly ? '+i' : '-i', folder]).status === 0;
}
const probe = tempDir();
const canMakeReadOnly = makeReadOnly(probe, true) && makeReadOnly(probe, false);
if (!canMakeReadOnly) console.warn('\n*** SKIPPED: running as root without chattr +i, a read-only folder cannot be made, so the failed-write test does not run. ***\n');

describe.skipIf(!canMakeReadOnly)('a write that fails', () => {
  it('a read-only src/handlers: refused before any question with the folder named, nothing changed', () => {
    const project = newProject('readonly-api');
    const before = snapshot(project);
    makeReadOnly(join(project, 'src/handlers'), true);
    let result;
    try {
      result = runBin(['endpoint', 'GET', '/blocked', '--yes'], project);
    } finally {
      makeReadOnly(join(project, 'src/handlers'), false);
    }
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(new RegExp(`^traced-api: Cannot write in ${join(project, 'src/handlers')} \\((EACCES|EPERM)\\): traced-api endpoint writes there\\. Nothing was written\\.$`));
    expect(snapshot(project)).toEqual(before);
  });

  it('a folder that turns read-only after that check: the commit is refused with the file named, the document and every other file unchanged', () => {
    const project = newProject('readonly-commit-api');
    const before = snapshot(project);
    makeReadOnly(join(project, 'src/handlers'), true);
    try {
      const document = join(project, 'openapi/openapi.yaml');
      const writes = [
        { path: join(project, 'src/handlers/getBlocked.ts'), contents: Buffer.from('export {};\n') },
        { path: document, contents: Buffer.from(`${readFileSync(document, 'utf8')}# changed\n`) },
      ];
      expect(() => commitFiles(project, writes)).toThrow(/^Could not write src\/handlers\/getBlocked\.ts \((EACCES|EPERM)\): nothing was changed\.$/);
    } finally {
      makeReadOnly(join(project, 'src/handlers'), false);
    }
    expect(snapshot(project)).toEqual(before);
  });
});
