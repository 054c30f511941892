// Runs a built handler bundle as the Lambda Node.js runtime does: shared with the dev server (src/dev/).
export * from '../../src/dev/lambda-runtime.js';
