// Runs that change a project commit all or nothing, and take turns.
//
// The lock: `.traced-api.lock` at the project's root, created whole (written aside, then linked into
// place, which fails if it exists) and holding its owner's pid and start time. A lock whose owner is
// gone (no such process, or the pid now belongs to a later process) is stale: it is removed under a
// second, short-lived lock (`.traced-api.lock.break`), so two waiters never remove a fresh lock.
//
// The commit: every file is first written beside its target under a temporary name, with a journal
// (`.traced-api.journal`) listing them in the state "prepare"; then the journal is rewritten (renamed
// into place, atomic) in the state "commit": that is the moment the run happens. The temporary files
// are then renamed over their targets, in order (the OpenAPI document last), and the journal removed.
// A run killed before the commit point leaves its targets untouched; the next run removes its
// temporary files. A run killed after it is finished by the next run (roll forward).
import { linkSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from './errors.js';

export const LOCK_FILE = '.traced-api.lock';
export const JOURNAL_FILE = '.traced-api.journal';
const LOCK_WAIT_MS = 60_000;

interface LockOwner {
  pid: number;
  started: string;
  /** A pid says nothing about a process on another machine (a project on a shared drive). */
  host?: string;
  /** The process's start time in clock ticks since boot (Linux), so a reused pid is told apart. */
  ticks?: string;
}

function processTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const me: LockOwner = { pid: process.pid, started: new Date().toISOString(), host: hostname(), ticks: processTicks(process.pid) };

export function isAlive(owner: Pick<LockOwner, 'pid' | 'ticks' | 'host'>): boolean {
  if (owner.host !== undefined && owner.host !== me.host) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const ticks = owner.ticks === undefined ? undefined : processTicks(owner.pid);
  return ticks === undefined || ticks === owner.ticks;
}

/** Creates `file` holding `text` only if it does not exist yet: its content is whole from the first moment. */
function createExclusive(file: string, text: string): boolean {
  const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(aside, text);
  try {
    linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

function createLock(file: string, text: string, root: string): boolean {
  try {
    return createExclusive(file, text);
  } catch (error) {
    throw new InputError(`Could not take the project's lock, ${LOCK_FILE} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${root} must be writable. Nothing was changed.`);
  }
}

function readOwner(file: string): { text: string; owner?: LockOwner } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    try {
      const owner = JSON.parse(text) as LockOwner;
      return { text, owner: Number.isInteger(owner.pid) ? owner : undefined };
    } catch {
      return { text };
    }
  } catch {
    return undefined;
  }
}

/** Removes a lock that is still the stale one read, under the break lock; false when another run is doing so. */
function breakStaleLock(file: string, staleText: string): boolean {
  const breaker = `${file}.break`;
  if (!createExclusive(breaker, JSON.stringify(me))) {
    const other = readOwner(breaker);
    // A breaker killed in its few microseconds of work: its lock is stale too.
    if (other?.owner && !isAlive(other.owner)) rmSync(breaker, { force: true });
    return false;
  }
  try {
    if (readOwner(file)?.text === staleText) rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(breaker, { force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface LockWait {
  /** How long to wait for another run before giving up. */
  waitMs?: number;
  /** Told once, when the wait passes a second: who holds the lock. */
  onWait?: (holder: string) => void;
}

/** Waits for the project's lock, runs `work` holding it, and always lets it go. */
export async function withProjectLock<T>(root: string, work: () => Promise<T> | T, { waitMs = LOCK_WAIT_MS, onWait }: LockWait = {}): Promise<T> {
  const file = join(root, LOCK_FILE);
  const text = JSON.stringify(me);
  const start = Date.now();
  const deadline = start + waitMs;
  let told = false;
  for (;;) {
    if (createLock(file, text, root)) {
      removeStaleAsides(root);
      break;
    }
    const held = readOwner(file);
    // A lock whose run is gone, or one this generator does not write, left by something long ago.
    const stale = held && (held.owner ? !isAlive(held.owner) : Date.now() - safeMtime(file) > 10_000);
    if (stale && breakStaleLock(file, held.text)) continue;
    const who = held?.owner ? `pid ${held.owner.pid}, started ${held.owner.started}` : 'unknown owner';
    if (!told && onWait && Date.now() - start > 1000) {
      told = true;
      onWait(`Waiting for another traced-api run (${who}) to finish changing this project...`);
    }
    if (Date.now() > deadline) {
      throw new InputError(
        `Another traced-api run (${who}) has been changing ${root} for over ${waitMs / 1000} s: wait for it to end, or remove ${LOCK_FILE} there if that process is gone.`,
      );
    }
    await sleep(20 + Math.random() * 40);
  }
  try {
    return await work();
  } finally {
    if (readOwner(file)?.text === text) rmSync(file, { force: true });
  }
}

/** What a run killed inside createExclusive() left: `.traced-api.lock.<pid>.<random>` of a process that is gone. */
function removeStaleAsides(root: string): void {
  for (const name of readdirSync(root)) {
    const pid = /^\.traced-api\.lock(?:\.break)?\.(\d+)\./.exec(name)?.[1];
    if (pid && !isAlive({ pid: Number(pid) })) rmSync(join(root, name), { force: true });
  }
}

function safeMtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

export interface FileWrite {
  /** Absolute path of the target. */
  path: string;
  contents: string | Buffer;
}

interface Journal {
  state: 'prepare' | 'commit';
  /** Paths relative to the project's root, in the order they are put in place. */
  entries: { target: string; temp: string }[];
}

/**
 * Writes a file of the generator's own making (a temporary file, the journal's next state) as a new
 * file: whatever had its name is removed first, and a link planted there meanwhile makes it fail
 * instead of writing through the link.
 */
function writeNew(file: string, contents: string | Buffer): void {
  rmSync(file, { force: true });
  writeFileSync(file, contents, { flag: 'wx' });
}

/** `inner` is `outer` or under it. */
const isWithin = (outer: string, inner: string) => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/** The real path of `path`'s nearest existing folder or file: links followed, as the file system will. */
function realOfNearest(path: string): string {
  for (let at = path; ; at = dirname(at)) {
    try {
      return join(realpathSync(at), relative(at, path));
    } catch {
      if (dirname(at) === at) return path;
    }
  }
}

/**
 * Why `name` (a path a journal or a run names, relative to the project's root) is not a place inside
 * the project, links resolved; undefined when it is one. The file itself may be a link (a rename
 * replaces the link, never what it points at); the folders on its way may not lead outside.
 */
export function outsideProject(root: string, name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '' || name.includes('\0')) return 'is not a file name';
  if (isAbsolute(name)) return 'is an absolute path';
  const target = resolve(root, name);
  if (!isWithin(resolve(root), target) || target === resolve(root)) return 'lies outside the project';
  const realRoot = realOfNearest(resolve(root));
  const realFolder = realOfNearest(dirname(target));
  if (!isWithin(realRoot, realFolder)) return `leads outside the project (through a link, to ${realFolder})`;
  return undefined;
}

function writeJournal(root: string, journal: Journal): void {
  const file = join(root, JOURNAL_FILE);
  writeNew(`${file}.tmp`, JSON.stringify(journal));
  renameSync(`${file}.tmp`, file);
}

/**
 * A journal as read from disk, its every entry a target inside the project and a temporary file beside
 * it, or an InputError: a journal can arrive with a project (a clone, an archive), and one naming
 * ../../somewhere would have a run replace or remove files outside it.
 */
function checkJournal(root: string, value: unknown): Journal {
  const journal = value as Journal;
  const refuse = (detail: string) =>
    new InputError(
      `${JOURNAL_FILE} ${detail}: it was not written by a run in this project (a clone or an archive can bring one), so it is not followed. ` +
        `Nothing was changed; remove ${join(root, JOURNAL_FILE)} and run again.`,
    );
  if (!journal || (journal.state !== 'prepare' && journal.state !== 'commit') || !Array.isArray(journal.entries)) throw refuse('is not a journal this generator writes');
  for (const entry of journal.entries) {
    for (const name of [entry?.target, entry?.temp]) {
      const problem = outsideProject(root, name);
      if (problem) throw refuse(`names ${JSON.stringify(String(name)).slice(0, 200)}, which ${problem}`);
    }
    if (dirname(resolve(root, entry.temp)) !== dirname(resolve(root, entry.target)) || !basename(entry.temp).startsWith(`.${basename(entry.target)}.`)) {
      throw refuse(`names ${JSON.stringify(entry.temp).slice(0, 200)} as the temporary file of ${JSON.stringify(entry.target).slice(0, 200)}, which is not beside it`);
    }
  }
  return journal;
}

function putInPlace(root: string, entries: Journal['entries']): void {
  for (const { target, temp } of entries) {
    try {
      renameSync(join(root, temp), join(root, target));
    } catch (error) {
      // Already renamed by the run that was interrupted, or by an earlier recovery.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

function removeTemps(root: string, entries: Journal['entries']): void {
  for (const { temp } of entries) rmSync(join(root, temp), { force: true });
}

/**
 * Finishes or undoes what an interrupted run left: a journal in the state "commit" is finished, one
 * in "prepare" is undone. What it did, for the user; undefined when there was nothing to do.
 */
export function recoverInterruptedRun(root: string): string | undefined {
  const file = join(root, JOURNAL_FILE);
  let read: unknown;
  try {
    read = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    rmSync(`${file}.tmp`, { force: true });
    return undefined;
  }
  const journal = checkJournal(root, read);
  const targets = journal.entries.map((entry) => entry.target).join(', ');
  if (journal.state === 'commit') putInPlace(root, journal.entries);
  else removeTemps(root, journal.entries);
  rmSync(file, { force: true });
  rmSync(`${file}.tmp`, { force: true });
  return journal.state === 'commit'
    ? `An earlier run was interrupted after it had decided to write ${targets}: finished it.`
    : `An earlier run was interrupted before it changed anything (${targets}): removed what it had begun.`;
}

/**
 * Writes every file or none: a failure before the commit point (a folder that cannot be written, a
 * full disk) removes what was begun and leaves every target as it was. `writes` go in place in
 * their order: put the file that makes the change visible (the OpenAPI document) last.
 */
export function commitFiles(root: string, writes: FileWrite[]): void {
  const entries = writes.map((write) => ({
    target: relative(root, write.path),
    temp: relative(root, join(dirname(write.path), `.${basename(write.path)}.traced-api-${process.pid}.tmp`)),
  }));
  // A folder of the project that is a link to elsewhere (a clone can bring one) is not written through.
  for (const { target } of entries) {
    const problem = outsideProject(root, target);
    if (problem) throw new InputError(`Could not write ${target}: it ${problem}. Nothing was changed; make it a folder of the project, then run again.`);
  }
  try {
    writeJournal(root, { state: 'prepare', entries });
    writes.forEach((write, i) => {
      mkdirSync(dirname(write.path), { recursive: true });
      writeNew(join(root, entries[i]!.temp), write.contents);
    });
  } catch (error) {
    removeTemps(root, entries);
    rmSync(join(root, JOURNAL_FILE), { force: true });
    rmSync(join(root, `${JOURNAL_FILE}.tmp`), { force: true });
    const failed = (error as NodeJS.ErrnoException).path ?? '';
    const target = entries.find((entry) => failed.endsWith(entry.temp))?.target ?? `the project's journal, ${JOURNAL_FILE}`;
    throw new InputError(`Could not write ${target} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): nothing was changed.`);
  }
  writeJournal(root, { state: 'commit', entries });
  putInPlace(root, entries);
  rmSync(join(root, JOURNAL_FILE), { force: true });
}

/** A new project is built in a hidden folder beside its target (same file system) and renamed into place whole. */
export function stagingFolder(target: string): string {
  return join(dirname(target), `.${basename(target)}.traced-api-${process.pid}.tmp`);
}

/** Removes staging folders beside `target` whose run is gone (killed before it moved its project into place). */
export function removeStaleStaging(target: string): void {
  const parent = dirname(target);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^\..+\.traced-api-(\d+)\.tmp$/.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !isAlive({ pid: Number(pid) })) {
      rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
}

/**
 * Writes a whole new project: every file into the staging folder, then one rename to `target`,
 * which fails (nothing written) if `target` appeared meanwhile and is not empty.
 */
export function commitNewProject(target: string, writes: FileWrite[]): void {
  const staging = stagingFolder(target);
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const write of writes) {
      const path = join(staging, relative(target, write.path));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, write.contents);
    }
    // An empty folder of that name may be there (the user made it for the project): it is replaced.
    try {
      rmdirSync(target);
    } catch {
      // absent, or not empty: the rename says which
    }
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw new InputError(`Folder ./${basename(target)}/ appeared while the project was being written and is not empty: choose another project name or remove the folder.`);
    }
    throw new InputError(`Could not write the project ${basename(target)}/ (${code ?? (error as Error).message}): nothing was written.`);
  }
}
