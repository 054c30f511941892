// The generator and its devkit are one release: the devkit is pinned at the generator's version, the
// generator's methods are the routes reader's, and Terraform deploys exactly the methods the reader serves.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktn/hcl2json';
import { SUPPORTED_METHODS, readRoutesFromDocument } from 'traced-api-devkit';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { HTTP_METHODS } from '../lib/config.js';
import { generateApp, repoRoot } from './support/generate.js';

const json = (file: string) => JSON.parse(readFileSync(join(repoRoot, file), 'utf8'));

describe('the generator and the devkit', () => {
  it('are released with one version number, and generated projects pin the devkit at it', () => {
    const generator = json('package.json');
    const devkit = json('devkit/package.json');
    expect(devkit.version).toBe(generator.version);
    expect(json('dependency-versions/package.json').devDependencies['traced-api-devkit']).toBe(generator.version);
    expect(generator.dependencies['traced-api-devkit']).toBe(generator.version);
  });

  it('offer the methods the routes reader serves, and Terraform deploys exactly those', async () => {
    expect([...HTTP_METHODS]).toEqual([...SUPPORTED_METHODS]);
    const { project } = await generateApp('orders-api', { yes: true });
    const locals = await parseHcl('locals.tf', readFileSync(join(project, 'terraform', 'locals.tf'), 'utf8'));
    const terraformMethods = (locals as any).locals[0].http_methods as string[];
    expect([...terraformMethods].sort()).toEqual(SUPPORTED_METHODS.map((method) => method.toLowerCase()).sort());
  });

  it('read the generated document the same way: every operation served, none reported', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    const document = parseYaml(readFileSync(join(project, 'openapi', 'openapi.yaml'), 'utf8'));
    const routes = readRoutesFromDocument(document, 'orders-api-dev');
    expect(routes.problems).toEqual([]);
    expect(routes.operations.map((operation) => `${operation.method} ${operation.path} ${operation.operationId}`)).toEqual(['POST /orders createOrder']);
  });

  // 46: the stage's Terraform (auth.tf among it) and its two stage files, the bootstrap root with its tests, the three workflows, the
  // handler, the tests: the owner's to read and change. The tooling they run on is the devkit's.
  it('leave a default project holding what its owner writes: at most 46 files, no dev tooling', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    const files = (readdirSync(project, { recursive: true, withFileTypes: true }) as any[]).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(project.length + 1));
    expect(files.length, files.join('\n')).toBeLessThanOrEqual(46);
    expect(files.filter((file) => /^src\/(dev|traces)\/|^test\/support\/|^scripts\/run\.mjs$/.test(file))).toEqual([]);
    expect(files.filter((file) => file !== 'package-lock.json').length).toBeLessThanOrEqual(46);
  });
});
