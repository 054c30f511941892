// Temporary folders of the test suite, and the check that it leaves none behind.
//
// The whole run works in one folder of its own under the system's temporary folder (globalSetup below):
// each test file gets a folder inside it as its TMPDIR, which every program the file starts inherits.
// `temporaryFolder()` is the one way a test makes a folder to keep until its file ends: it is removed
// then, passed or failed. Whatever else a file leaves in its TMPDIR fails the file, named; the run's
// folder is removed at its end, so /tmp is left as it was found.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A new empty folder under this file's TMPDIR, removed when the test file ends (also when it fails). */
export function temporaryFolder(prefix = 'traced-api-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  made.push(folder);
  return folder;
}

/** What the product itself keeps in the system's temporary folder, by design: the bin's compiled code (Node's compile cache). */
const KEPT_BY_DESIGN = new Set(['node-compile-cache']);

/** Removes the folders made with temporaryFolder(); the names of anything else left in `folder`. */
export function removeTemporaryFolders(folder: string): string[] {
  for (const path of made.splice(0)) rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  return readdirSync(folder).filter((name) => !KEPT_BY_DESIGN.has(name));
}

/** vitest's globalSetup: the run's own folder, removed at its end. */
export default function setup(): () => void {
  const run = mkdtempSync(join(tmpdir(), 'traced-api-test-run-'));
  // Others may pass through, as through /tmp itself (not list it): yo, run as root, drops to another user.
  chmodSync(run, 0o711);
  process.env.TRACED_API_TEST_TMP = run;
  return () => rmSync(run, { recursive: true, force: true, maxRetries: 3 });
}
