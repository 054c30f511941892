// Before the first question: can this run write where it must? A run that would ask everything and
// then fail to write (EACCES) is refused at once, with the way out.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from './errors.js';

/** What decides whether `yo` gave up root's rights: the process's ids and its environment. */
export interface ProcessIds {
  uid: number;
  gid: number;
  sudoUid?: string;
}

export function processIds(): ProcessIds {
  return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, sudoUid: process.env.SUDO_UID };
}

/**
 * Run as root, `yo` runs generators under another uid (root-check: $SUDO_UID, else 1000) and keeps root's
 * group unless sudo named one: a user that is not root in root's group, or the user sudo came from.
 */
export function rootRightsGivenUp(ids: ProcessIds): boolean {
  return ids.uid > 0 && (ids.gid === 0 || ids.sudoUid === String(ids.uid));
}

/** The first folder, of those given, this process cannot write in (a folder not there yet: the nearest one above it that is). */
export function firstUnwritable(folders: string[]): { folder: string; code: string } | undefined {
  for (const wanted of folders) {
    let folder = wanted;
    while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
    try {
      accessSync(folder, constants.W_OK | constants.X_OK);
    } catch (error) {
      return { folder, code: (error as NodeJS.ErrnoException).code ?? 'EACCES' };
    }
  }
  return undefined;
}

/** The message for a run that cannot write in `folder`; `command`: the bin's command that does the same (`traced-api new`). */
export function unwritableMessage(folder: string, code: string, command: string, ids: ProcessIds): string {
  if (rootRightsGivenUp(ids)) {
    return (
      `yo gave up root's rights (run as root, it runs generators as uid ${ids.uid}), so it cannot write in ${folder}. ` +
      `Run yo as a normal user, or use \`npm create traced-api\` or the \`traced-api\` bin (\`${command}\`), which keep root's rights. Nothing was written.`
    );
  }
  return `Cannot write in ${folder} (${code}): ${command} writes there. Nothing was written.`;
}

/** Refuses, before any question, a run that could not write in one of `folders`. */
export function refuseUnwritable(folders: string[], command: string, ids: ProcessIds = processIds()): void {
  const blocked = firstUnwritable(folders);
  if (blocked) throw new InputError(unwritableMessage(blocked.folder, blocked.code, command, ids));
}
