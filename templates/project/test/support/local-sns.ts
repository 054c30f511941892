// The local SNS endpoint: shared with the dev server (src/dev/), which can make it fail on demand.
export * from '../../src/dev/local-sns.js';
