// Every operation in openapi/openapi.yaml needs a handler and a test: Terraform deploys one function per
// operation from dist/<operationId>/, so an operation added by hand without them would deploy nothing useful.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, readOperations } from './support/openapi.js';

const operations = readOperations();
const named = operations.map((operation) => ({
  ...operation,
  name: `${operation.method} ${operation.path}`,
  handlerFile: `src/handlers/${operation.operationId}.ts`,
  testFile: `test/handlers/${operation.operationId}.test.ts`,
}));

describe('openapi/openapi.yaml', () => {
  it('has at least one operation', () => {
    expect(operations.length, 'openapi/openapi.yaml has no operations: add one with `yo traced-api:endpoint`').toBeGreaterThan(0);
  });

  it.each(named)('$name has an operationId', ({ name, operationId }) => {
    expect(operationId, `${name} has no operationId: it names the handler and the Lambda function`).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
  });

  it('has no operationId twice', () => {
    const ids = operations.map((operation) => operation.operationId);
    const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
    expect(duplicates, `operationIds used more than once: ${duplicates.join(', ')}`).toEqual([]);
  });

  it.each(named)('$name has $handlerFile', ({ name, operationId, handlerFile }) => {
    const message = `${name} (${operationId}) has no ${handlerFile}: write it, or add endpoints with \`yo traced-api:endpoint\``;
    expect(existsSync(path.join(projectRoot, handlerFile)), message).toBe(true);
  });

  it.each(named)('$name has $testFile', ({ name, operationId, testFile }) => {
    expect(existsSync(path.join(projectRoot, testFile)), `${name} (${operationId}) has no ${testFile}: every handler gets a test`).toBe(true);
  });

  it('has an operation for every handler in src/handlers', () => {
    const ids = new Set(operations.map((operation) => operation.operationId));
    const orphans = readdirSync(path.join(projectRoot, 'src', 'handlers'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.slice(0, -'.ts'.length))
      .filter((id) => !ids.has(id));
    expect(orphans, `handlers with no operation in openapi/openapi.yaml (Terraform would not deploy them): ${orphans.join(', ')}`).toEqual([]);
  });
});
