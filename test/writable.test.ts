// Before the first question: who may write, and what a run that may not is told (lib/writable.ts).
import { describe, expect, it } from 'vitest';
import { rootRightsGivenUp, unwritableMessage } from '../lib/writable.js';

describe('a run that cannot write where it must', () => {
  it("tells yo's dropped root apart: another uid in root's group, or the user sudo came from", () => {
    expect(rootRightsGivenUp({ uid: 1000, gid: 0 })).toBe(true);
    expect(rootRightsGivenUp({ uid: 1000, gid: 1000, sudoUid: '1000' })).toBe(true);
    expect(rootRightsGivenUp({ uid: 1000, gid: 1000 })).toBe(false);
    expect(rootRightsGivenUp({ uid: 0, gid: 0 })).toBe(false);
  });

  it('names the folder, and the ways out when yo gave up root rights', () => {
    expect(unwritableMessage('/srv/apis', 'EACCES', 'traced-api new', { uid: 1000, gid: 0 })).toBe(
      "yo gave up root's rights (run as root, it runs generators as uid 1000), so it cannot write in /srv/apis. " +
        'Run yo as a normal user, or use `npm create traced-api` or the `traced-api` bin (`traced-api new`), which keep root\'s rights. Nothing was written.',
    );
    expect(unwritableMessage('/srv/apis/orders', 'EROFS', 'traced-api endpoint', { uid: 1000, gid: 1000 })).toBe(
      'Cannot write in /srv/apis/orders (EROFS): traced-api endpoint writes there. Nothing was written.',
    );
  });
});
