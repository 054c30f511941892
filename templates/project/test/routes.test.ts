// Every operation in openapi/openapi.yaml is one Terraform deploys and one with a handler and a test: the
// document is read by traced-api-devkit's reader of the routes contract, the same the dev server and the
// generator use; what that reader cannot serve or deploy (an unsupported method, a bad x-traced-api) fails here by name.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectUnderTest } from 'traced-api-devkit/testing';

const { root, routes } = projectUnderTest();
const named = routes.operations.map((operation) => ({
  ...operation,
  name: `${operation.method} ${operation.path}`,
  handlerFile: `src/handlers/${operation.operationId}.ts`,
  testFile: `test/handlers/${operation.operationId}.test.ts`,
}));

describe('openapi/openapi.yaml', () => {
  it('has at least one operation', () => {
    expect(routes.operations.length, 'openapi/openapi.yaml has no operations: add one with `yo traced-api:endpoint`').toBeGreaterThan(0);
  });

  it('has only operations that are deployed and served', () => {
    expect(routes.problems.map((problem) => problem.message), 'operations Terraform would not deploy').toEqual([]);
  });

  it('has no operationId twice', () => {
    const ids = routes.operations.map((operation) => operation.operationId);
    const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
    expect(duplicates, `operationIds used more than once: ${duplicates.join(', ')}`).toEqual([]);
  });

  it.each(named)('$name has $handlerFile', ({ name, operationId, handlerFile }) => {
    const message = `${name} (${operationId}) has no ${handlerFile}: write it, or add endpoints with \`yo traced-api:endpoint\``;
    expect(existsSync(path.join(root, handlerFile)), message).toBe(true);
  });

  it.each(named)('$name has $testFile', ({ name, operationId, testFile }) => {
    expect(existsSync(path.join(root, testFile)), `${name} (${operationId}) has no ${testFile}: every handler gets a test`).toBe(true);
  });

  it('has an operation for every handler in src/handlers', () => {
    const ids = new Set(routes.operations.map((operation) => operation.operationId));
    const orphans = readdirSync(path.join(root, 'src', 'handlers'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.slice(0, -'.ts'.length))
      .filter((id) => !ids.has(id));
    expect(orphans, `handlers with no operation in openapi/openapi.yaml (Terraform would not deploy them): ${orphans.join(', ')}`).toEqual([]);
  });
});
