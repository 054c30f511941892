// API Gateway events, Lambda contexts and trace headers for the tests: shared with the dev server (src/dev/).
export * from '../../src/dev/events.js';
