import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The generator's tests, and the devkit's own (devkit/test), in one run: `npm test`.
    include: ['test/**/*.test.ts', 'devkit/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Generator runs change process.cwd(); files run in separate forks, tests in a file one by one.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
