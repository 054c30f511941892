// vitest's setupFiles: each test file works in a TMPDIR of its own, and fails when it leaves anything there
// but what temporaryFolder() made (devkit/test/support/temporary.ts).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { removeTemporaryFolders } from './temporary.js';

const previous = process.env.TMPDIR;
const mine = mkdtempSync(join(process.env.TRACED_API_TEST_TMP ?? tmpdir(), 'file-'));
// Others may pass through, as through /tmp itself: yo, run as root, drops to another user.
chmodSync(mine, 0o711);
process.env.TMPDIR = mine;

afterAll(() => {
  const left = removeTemporaryFolders(mine);
  rmSync(mine, { recursive: true, force: true, maxRetries: 3 });
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  if (left.length > 0) {
    throw new Error(`This test file left ${left.join(', ')} in its temporary folder: make folders with temporaryFolder() (devkit/test/support/temporary.ts), or remove what it makes.`);
  }
});
