import { appendFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEndpoint, generateApp, runBin, snapshot, tempDir } from './support/generate.js';
import { samplingRuleName } from '../lib/names.js';
import { validateOpenApi } from './support/openapi-check.js';
import { checkTerraform } from './support/terraform-check.js';

const read = (project: string, file: string) => readFileSync(join(project, file), 'utf8');
const operations = (project: string) => {
  const doc = parseYaml(read(project, 'openapi/openapi.yaml'));
  return Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
    Object.entries<any>(item).map(([method, op]) => ({ path, method, ...op })),
  );
};

describe('yo traced-api:endpoint in a freshly generated project', () => {
  let project: string;

  beforeAll(async () => {
    ({ project } = await generateApp('orders-api', { yes: true }));
    // What a user does to a project: a comment on top, an extension, a line in a handler.
    const document = read(project, 'openapi/openapi.yaml');
    writeFileSync(
      join(project, 'openapi/openapi.yaml'),
      `# Owned by the orders team: ask in #orders before changing routes.\n${document.replace('openapi: 3.0.3', 'openapi: 3.0.3\nx-owner: team-orders # who to page')}`,
    );
    appendFileSync(join(project, 'src/handlers/createOrder.ts'), '\n// reviewed by the orders team\n');

    await addEndpoint(project, ['GET', '/orders/{orderId}/items'], { 'fixed-rate': '25%', reservoir: '3', priority: '42', publish: false, yes: true });
    await addEndpoint(project, ['DELETE', '/orders/{orderId}'], { yes: true });
  });

  it('adds both operations with their own sampling settings and priorities that never collide', () => {
    const ops = operations(project);
    const items = ops.find((op) => op.operationId === 'getOrdersByOrderIdItems');
    const remove = ops.find((op) => op.operationId === 'deleteOrdersByOrderId');
    expect(items).toMatchObject({ path: '/orders/{orderId}/items', method: 'get' });
    // "orders-api-dev-getOrdersByOrderIdItems" is 38 characters: cut to X-Ray's 32 with a stable hash.
    expect(items['x-traced-api'].sampling).toEqual({ ruleName: samplingRuleName('orders-api-dev', 'getOrdersByOrderIdItems'), priority: 42, reservoirSize: 3, fixedRate: 0.25 });
    expect(items['x-traced-api'].sampling.ruleName).toMatch(/^orders-dev-getOrdersBy-[0-9a-f]{6}$/);
    expect(items.parameters).toEqual([{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(remove['x-traced-api'].sampling).toMatchObject({ priority: 101, reservoirSize: 1, fixedRate: 0.05 });
    const priorities = ops.map((op) => op['x-traced-api'].sampling.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    const names = ops.map((op) => op['x-traced-api'].sampling.ruleName);
    expect(new Set(names).size).toBe(names.length);
  });

  it('writes a handler and a test for each, publishing or not as asked', () => {
    expect(read(project, 'src/handlers/getOrdersByOrderIdItems.ts')).not.toMatch(/publishEvent|from '..\/lib\/sns/);
    expect(read(project, 'src/handlers/deleteOrdersByOrderId.ts')).toMatch(/publishEvent/);
    expect(existsSync(join(project, 'test/handlers/getOrdersByOrderIdItems.test.ts'))).toBe(true);
    expect(existsSync(join(project, 'test/handlers/deleteOrdersByOrderId.test.ts'))).toBe(true);
  });

  it("keeps the user's comment, extension and handler edit", () => {
    const document = read(project, 'openapi/openapi.yaml');
    expect(document.startsWith('# Owned by the orders team: ask in #orders before changing routes.\n')).toBe(true);
    expect(document).toContain('x-owner: team-orders # who to page');
    expect(read(project, 'src/handlers/createOrder.ts')).toContain('// reviewed by the orders team');
  });

  it('leaves a document that validates and Terraform that passes the format, schema and wiring checks', async () => {
    await validateOpenApi(project);
    expect(await checkTerraform(join(project, 'terraform'))).toEqual([]);
  });
});

describe('bad input to the endpoint generator', () => {
  let project: string;
  beforeAll(async () => {
    project = tempDir();
    expect(runBin(['new', 'shop', '--yes', '--skip-install'], project).status).toBe(0);
    project = join(project, 'shop');
    expect(runBin(['endpoint', 'GET', '/orders/{id}', '--yes'], project).status).toBe(0);
    writeFileSync(join(project, 'src/handlers/getOrders.ts'), '// my own handler, not in the document yet\n');
  });

  it.each([
    [['GET', 'orders'], /Path "orders" is not allowed: it must start with "\/"/],
    [['GET', '/orders/{id'], /Path "\/orders\/\{id" is not allowed: its braces \{ \} are unbalanced/],
    [['FETCH', '/orders'], /Method "FETCH" is not allowed: use one of GET, POST, PUT, PATCH, DELETE/],
    [['GET', '/customers', '--priority', '0'], /Priority "0" is not allowed: use a whole number from 1 to 9999/],
    [['GET', '/customers', '--priority', '10000'], /Priority "10000" is not allowed/],
    [['GET', '/customers', '--fixed-rate', '1.5'], /Fixed rate "1.5" is not allowed/],
    [['GET', '/customers', '--fixed-rate', '150%'], /Fixed rate "150%" is not allowed/],
    [['GET', '/orders/{id}'], /GET \/orders\/\{id\} already exists \(operation getOrdersById\)/],
    [['POST', '/orders'], /POST \/orders already exists/],
    [['GET', '/orders/{orderId}/items'], /\{orderId\} sits where \/orders\/\{id\} already has \{id\}/],
    [['GET', '/customers', '--name', 'get-customers'], /Name "get-customers" is not allowed/],
    [['GET', '/customers', '--name', 'createOrder'], /Name "createOrder" is already the operationId of POST \/orders/],
    [['GET', '/customers', '--priority', '9500'], /--priority 9500 would hide a route from its own rule: sampling rule shop-dev--default .* Use --priority 8999,/],
    [['GET', '/orders'], /src\/handlers\/getOrders.ts already exists and would be overwritten/],
    [['GET'], /No path given, and there is no terminal to ask in/],
  ])('rejects %j with one clear message, a non-zero exit and an untouched project', (args, message) => {
    const before = snapshot(project);
    const result = runBin(['endpoint', ...args], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot(project)).toEqual(before);
  });

  it('rejects running outside a generated project', () => {
    const cwd = tempDir();
    const result = runBin(['endpoint', 'GET', '/orders'], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is not a generated traced-api project/);
  });

  it('replaces an existing file only with --force', () => {
    const result = runBin(['endpoint', 'GET', '/orders', '--force', '--yes'], project);
    expect(result.status).toBe(0);
    expect(read(project, 'src/handlers/getOrders.ts')).not.toContain('my own handler');
  });
});

describe('what the endpoint generator tells about sampling', () => {
  it('shows what the rates record and cost, and with stage tracing off says that rules do not act (and estimates no rule)', () => {
    const cwd = tempDir();
    expect(runBin(['new', 'loud-api', '--yes', '--skip-install'], cwd).status).toBe(0);
    const result = runBin(['endpoint', 'GET', '/orders', '--expected-rps', '100', '--reservoir', '0', '--fixed-rate', '1%'], join(cwd, 'loud-api'));
    expect(result.status).toBe(0);
    // 1% of 100 requests/s for 30 days: 2,592,000 traces, 2,492,000 of them billable at $5.00 per million.
    expect(result.stdout + result.stderr).toContain('at 100 requests/s, about 2,592,000 traces a month, $12.46 a month');
    expect(runBin(['new', 'quiet-api', '--yes', '--skip-install', '--no-api-tracing'], cwd).status).toBe(0);
    const quiet = runBin(['endpoint', 'GET', '/orders', '--expected-rps', '100', '--reservoir', '0', '--fixed-rate', '1%'], join(cwd, 'quiet-api'));
    expect(quiet.status).toBe(0);
    const output = quiet.stdout + quiet.stderr;
    expect(output).toMatch(/Stage tracing is off: API Gateway records nothing and makes no sampling decision, so the sampling rules here never act/);
    expect(output).not.toMatch(/traces a month/);
  });

  it('warns when the project nears the 25-rule regional quota', () => {
    const cwd = tempDir();
    expect(runBin(['new', 'big-api', '--yes', '--skip-install'], cwd).status).toBe(0);
    const project = join(cwd, 'big-api');
    // Eighteen more operations written by hand, each with a rule of its own.
    const extra = Array.from({ length: 18 }, (_, i) => [
      `  /items${i}:`,
      '    get:',
      `      operationId: getItems${i}`,
      '      responses: { "200": { description: OK } }',
      `      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "\${lambda_invoke_arns.getItems${i}}" }`,
      `      x-traced-api: { functionName: big-api-dev-getItems${i}, sampling: { ruleName: big-api-dev-getItems${i}, priority: ${200 + i}, reservoirSize: 1, fixedRate: 0.05 } }`,
    ].join('\n'));
    appendFileSync(join(project, 'openapi/openapi.yaml'), `${extra.join('\n')}\n`);
    const result = runBin(['endpoint', 'GET', '/customers', '--yes'], project);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/now has 21 X-Ray sampling rules, 20 or more: X-Ray allows 25 custom rules per region/);
  });
});

describe('the endpoint generator run from a folder inside the project', () => {
  it('works from the project root, as git does', () => {
    const cwd = tempDir();
    expect(runBin(['new', 'deep-api', '--yes', '--skip-install'], cwd).status).toBe(0);
    const project = join(cwd, 'deep-api');
    const result = runBin(['endpoint', 'GET', '/things', '--yes'], join(project, 'src/handlers'));
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(project, 'src/handlers/getThings.ts'))).toBe(true);
    expect(operations(project).map((op) => op.operationId)).toContain('getThings');
  });

  it('writes a new project inside another one as a project of its own', () => {
    const cwd = tempDir();
    expect(runBin(['new', 'outer-api', '--yes', '--skip-install'], cwd).status).toBe(0);
    expect(runBin(['new', 'inner-api', '--yes', '--skip-install'], join(cwd, 'outer-api')).status).toBe(0);
    expect(operations(join(cwd, 'outer-api')).map((op) => op.operationId)).toEqual(['createOrder']);
    expect(operations(join(cwd, 'outer-api/inner-api')).map((op) => op.operationId)).toEqual(['createOrder']);
  });
});

describe('the endpoint generator and auth', () => {
  it("takes the project's auth by default, and --auth overrides it per endpoint, declaring the scheme it names", async () => {
    const cwd = tempDir();
    expect(runBin(['new', 'keyed-api', '--yes', '--skip-install', '--auth', 'api-key'], cwd).status).toBe(0);
    const project = join(cwd, 'keyed-api');
    expect(runBin(['endpoint', 'GET', '/orders', '--yes', '--no-publish'], project).status).toBe(0);
    const signed = runBin(['endpoint', 'GET', '/orders/{orderId}', '--yes', '--no-publish', '--auth', 'iam'], project);
    expect(signed.status, signed.stderr).toBe(0);
    expect(runBin(['endpoint', 'GET', '/health', '--yes', '--no-publish', '--auth', 'none'], project).status).toBe(0);
    const security = Object.fromEntries(operations(project).map((op) => [op.operationId, op.security]));
    expect(security).toEqual({ createOrder: [{ api_key: [] }], getOrders: [{ api_key: [] }], getOrdersByOrderId: [{ sigv4: [] }], getHealth: undefined });
    const document = parseYaml(read(project, 'openapi/openapi.yaml'));
    expect(Object.keys(document.components.securitySchemes)).toEqual(['api_key', 'sigv4']);
    expect(document.components.securitySchemes.sigv4['x-amazon-apigateway-authtype']).toBe('awsSigv4');
    await validateOpenApi(project);
  });

  it('refuses an unknown --auth, naming the choices, and writes nothing', () => {
    const cwd = tempDir();
    expect(runBin(['new', 'plain-api', '--yes', '--skip-install'], cwd).status).toBe(0);
    const project = join(cwd, 'plain-api');
    const before = read(project, 'openapi/openapi.yaml');
    const result = runBin(['endpoint', 'GET', '/orders', '--yes', '--auth', 'cognito'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Auth "cognito" is not allowed: use one of none, api-key, iam\./);
    expect(read(project, 'openapi/openapi.yaml')).toBe(before);
  });

  it('works in a project whose .yo-rc.json predates --auth: its endpoints are open, as they were', () => {
    const cwd = tempDir();
    expect(runBin(['new', 'older-api', '--yes', '--skip-install'], cwd).status).toBe(0);
    const project = join(cwd, 'older-api');
    const config = JSON.parse(read(project, '.yo-rc.json'));
    delete config['generator-traced-api'].auth;
    writeFileSync(join(project, '.yo-rc.json'), JSON.stringify(config, null, 2));
    const result = runBin(['endpoint', 'GET', '/orders', '--yes', '--no-publish'], project);
    expect(result.status, result.stderr).toBe(0);
    expect(operations(project).find((op) => op.operationId === 'getOrders').security).toBeUndefined();
  });
});
