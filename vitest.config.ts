import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/** The longest files (the release through a registry; 200 routes grown and tested; real Terraform runs; an npm install end to end) start first. */
const LONGEST_FIRST = ['test/registry.test.ts', 'test/many-routes.test.ts', 'test/terraform-real.test.ts', 'test/e2e.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((name) => file.moduleId.endsWith(name));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // The generator's tests, and the devkit's own (devkit/test), in one run: `npm test`.
    include: ['test/**/*.test.ts', 'devkit/test/**/*.test.ts'],
    // The run works in a folder of its own, each file in a TMPDIR of its own, and leaves nothing behind.
    globalSetup: ['devkit/test/support/temporary.ts'],
    setupFiles: ['devkit/test/support/temporary-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Generator runs change process.cwd(); files run in separate forks, tests in a file one by one.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
  },
});
