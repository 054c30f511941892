import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: {
      // Outside Lambda there is no segment to attach subsegments to: the X-Ray SDK must neither throw nor log.
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      LOG_LEVEL: 'silent',
    },
    // The tracing test starts a Node process and waits for the SDK's retries when SNS fails.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
