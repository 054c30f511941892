// Options exactly as typed (bin and yo-style runs), --dry-run, values read back from .yo-rc.json, and
// the user's OpenAPI document kept as the user wrote it.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { editDistance, unknownOptionMessage } from '../lib/options.js';
import { addEndpoint, generateApp, runBin, snapshot, tempDir } from './support/generate.js';

const DOCUMENT = 'openapi/openapi.yaml';
const read = (project: string, file = DOCUMENT) => readFileSync(join(project, file), 'utf8');

function newProject(name: string): string {
  const cwd = tempDir();
  const result = runBin(['new', name, '--yes', '--skip-install'], cwd);
  expect(result.status, result.stderr).toBe(0);
  return join(cwd, name);
}

describe('options exactly as typed', () => {
  let project: string;
  beforeAll(() => {
    project = newProject('typed-api');
  });

  it.each([
    [['--fixed-rat', '0.5'], '--fixed-rat', '--fixed-rate'],
    [['--reservior', '2'], '--reservior', '--reservoir'],
    [['--prority', '5'], '--prority', '--priority'],
    [['--no-publsh'], '--no-publsh', '--no-publish'],
    [['--fixed-rat=0.5'], '--fixed-rat', '--fixed-rate'],
  ])('endpoint %j: refused in one line naming it and the option meant, the project unchanged', (options, typed, meant) => {
    const before = snapshot(project);
    const result = runBin(['endpoint', 'GET', '/typo', '--yes', ...options], project);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([`traced-api: Unknown option ${typed}: did you mean ${meant}? Nothing was written.`]);
    expect(snapshot(project)).toEqual(before);
  });

  it('new --stgae prod: refused, and no folder written', () => {
    const cwd = tempDir();
    const result = runBin(['new', 'stage-api', '--yes', '--skip-install', '--stgae', 'prod'], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['traced-api: Unknown option --stgae: did you mean --stage? Nothing was written.']);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses an argument the command does not take', () => {
    const before = snapshot(project);
    const result = runBin(['endpoint', 'GET', '/typo', 'extra', '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('traced-api: Unexpected argument "extra": traced-api endpoint takes [method] [path] and options. Nothing was written.');
    expect(snapshot(project)).toEqual(before);
  });

  it('an option far from every real one points at --help', () => {
    const result = runBin(['endpoint', 'GET', '/typo', '--yes', '--frobnicate'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Unknown option --frobnicate: see `traced-api endpoint --help` for the options/);
  });

  it('refuses what yo passes as parsed options the same way (camelCase and kebab-case)', async () => {
    const before = snapshot(project);
    await expect(addEndpoint(project, ['GET', '/typo'], { yes: true, fixedRat: 0.5, 'fixed-rat': 0.5 })).rejects.toThrow(
      /Unknown option --fixed-rat: did you mean --fixed-rate\?/,
    );
    await expect(generateApp('yo-api', { yes: true, stgae: 'prod' })).rejects.toThrow(/Unknown option --stgae: did you mean --stage\?/);
    expect(snapshot(project)).toEqual(before);
  });

  it('finds the closest option by edit distance', () => {
    expect(editDistance('reservior', 'reservoir')).toBe(2);
    expect(unknownOptionMessage(['--no-publsh'], {}, ['publish', 'priority'], 'x')).toMatch(/--no-publsh: did you mean --no-publish\?/);
    expect(unknownOptionMessage(['--no-publish', '-y', '--priority=3', '--', '--anything'], {}, ['publish', 'priority', 'y'], 'x')).toBeUndefined();
  });

  it('says nothing false and nothing deprecated on new', () => {
    const cwd = tempDir();
    const result = runBin(['new', 'honest-api', '--yes', '--skip-install'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(/No package manager install|deprecated/i);
  });
});

describe('--dry-run', () => {
  it('new prints every file it would create and writes nothing', () => {
    const cwd = tempDir();
    const result = runBin(['new', 'dry-api', '--yes', '--skip-install', '--dry-run'], cwd);
    expect(result.status, result.stderr).toBe(0);
    const output = result.stdout + result.stderr;
    for (const file of ['package.json', 'openapi/openapi.yaml', 'terraform/api.tf', 'src/handlers/createOrder.ts']) expect(output).toContain(`would create dry-api/${file}`);
    expect(output).toContain('Nothing was written (--dry-run).');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('endpoint prints its files and the operation it would add to the document, and writes nothing', () => {
    const project = newProject('dry-endpoint-api');
    const before = snapshot(project);
    const result = runBin(['endpoint', 'PUT', '/orders/{orderId}', '--yes', '--dry-run'], project);
    expect(result.status, result.stderr).toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toContain('would create src/handlers/putOrdersByOrderId.ts');
    expect(output).toContain('would create test/handlers/putOrdersByOrderId.test.ts');
    expect(output).toContain(`would change ${DOCUMENT}: add under paths`);
    expect(output).toMatch(/\/orders\/\{orderId\}:\n\s+put:\n\s+operationId: putOrdersByOrderId/);
    expect(snapshot(project)).toEqual(before);
  });
});

describe('--dry-run through yo', () => {
  it('writes nothing on either command', async () => {
    const project = newProject('yo-dry-api');
    const before = snapshot(project);
    await addEndpoint(project, ['GET', '/dry'], { yes: true, dryRun: true, 'dry-run': true });
    expect(snapshot(project)).toEqual(before);
    const run = await generateApp('yo-dry-new-api', { yes: true, dryRun: true, 'dry-run': true });
    expect(readdirSync(run.cwd)).toEqual([]);
  });
});

describe('values read back from .yo-rc.json', () => {
  it('pass the same validation as typed ones: a name with a quote never reaches generated code', () => {
    const project = newProject('stored-api');
    const file = join(project, '.yo-rc.json');
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    stored['generator-traced-api'].name = "stored'api";
    writeFileSync(file, JSON.stringify(stored, null, 2));
    const before = snapshot(project);
    const result = runBin(['endpoint', 'GET', '/quoted', '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/\.yo-rc\.json: Project name "stored'api" is not allowed/);
    expect(snapshot(project)).toEqual(before);
  });

  it('a project written before --tracer existed (no tracer stored) is an X-Ray SDK one; a stored tracer is validated', () => {
    const project = newProject('older-api');
    const file = join(project, '.yo-rc.json');
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    delete stored['generator-traced-api'].tracer;
    writeFileSync(file, JSON.stringify(stored, null, 2));
    const added = runBin(['endpoint', 'GET', '/older', '--no-publish', '--yes'], project);
    expect(added.status, added.stderr).toBe(0);
    expect(readFileSync(join(project, 'src/handlers/getOlder.ts'), 'utf8')).toMatch(/from '..\/lib\/tracing.js'/);
    stored['generator-traced-api'].tracer = 'zipkin';
    writeFileSync(file, JSON.stringify(stored, null, 2));
    const before = snapshot(project);
    const refused = runBin(['endpoint', 'GET', '/newer', '--yes'], project);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/\.yo-rc\.json: Tracer "zipkin" is not allowed.*xray-sdk, otel/);
    expect(snapshot(project)).toEqual(before);
  });
});

describe('a project left incomplete by an older version', () => {
  it('is named, not built upon', () => {
    const project = newProject('half-api');
    for (const file of ['package.json', 'terraform/api.tf']) rmSync(join(project, file));
    const before = snapshot(project);
    const result = runBin(['endpoint', 'GET', '/more', '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is incomplete: package\.json, terraform\/api\.tf are missing/);
    expect(snapshot(project)).toEqual(before);
  });

  it('an operation without its handler is named', () => {
    const project = newProject('orphan-api');
    rmSync(join(project, 'src/handlers/createOrder.ts'));
    const result = runBin(['endpoint', 'GET', '/more', '--yes'], project);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/POST \/orders \(createOrder\) has no handler in src\/handlers\//);
  });
});

describe("the user's document, kept as written", () => {
  const edit = (project: string, change: (text: string) => string) => writeFileSync(join(project, DOCUMENT), change(read(project)));

  it('refuses `paths: *p` with one message, the document unchanged', () => {
    const project = newProject('alias-api');
    edit(project, (text) => text.replace(/^paths:\n/m, 'x-routes: &p\n').concat('paths: *p\n'));
    const before = snapshot(project);
    const result = runBin(['endpoint', 'GET', '/aliased', '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/"paths" is the YAML alias \*p/);
    expect(snapshot(project)).toEqual(before);
  });

  it('refuses a method added to a path item written as an alias, and keeps aliased path items when adding elsewhere', () => {
    const project = newProject('item-alias-api');
    edit(project, (text) => text.replace(/^ {2}\/orders:\n/m, '  /orders: &orders\n').concat('  /orders-copy: *orders\n'));
    const before = snapshot(project);
    const refused = runBin(['endpoint', 'GET', '/orders-copy', '--yes'], project);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/Path \/orders-copy in the OpenAPI document is the YAML alias \*orders/);
    expect(snapshot(project)).toEqual(before);
    // The alias shares its anchor's operations, and so their one rule: nothing of it moves for a route elsewhere.
    const added = runBin(['endpoint', 'GET', '/customers', '--yes'], project);
    expect(added.status, added.stderr).toBe(0);
    const text = read(project);
    expect(text).toContain('  /orders-copy: *orders');
    expect(Object.keys(parseYaml(text).paths)).toEqual(['/orders', '/orders-copy', '/customers']);
  });

  it('keeps anchors and aliases outside paths as they are when adding an operation', () => {
    const project = newProject('anchor-api');
    edit(project, (text) => text.replace(/^info:\n/m, 'x-contact: &contact { name: orders team }\ninfo:\n').concat('x-escalation: *contact\n'));
    const added = runBin(['endpoint', 'GET', '/customers', '--yes'], project);
    expect(added.status, added.stderr).toBe(0);
    const text = read(project);
    expect(text).toContain('x-contact: &contact { name: orders team }');
    expect(text).toContain('x-escalation: *contact');
    expect(Object.keys(parseYaml(text).paths)).toEqual(['/orders', '/customers']);
  });

  it('keeps a JSON document JSON, with its indentation', () => {
    const project = newProject('json-api');
    const json = JSON.stringify(parseDocument(read(project)).toJS(), null, 4);
    writeFileSync(join(project, DOCUMENT), `${json}\n`);
    const result = runBin(['endpoint', 'GET', '/json', '--yes'], project);
    expect(result.status, result.stderr).toBe(0);
    const text = read(project);
    const doc = JSON.parse(text);
    expect(Object.keys(doc.paths)).toEqual(['/orders', '/json']);
    expect(text).toMatch(/^\{\n {4}"openapi"/);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('keeps CRLF line endings and a BOM', () => {
    const project = newProject('crlf-api');
    edit(project, (text) => `\uFEFF${text.replace(/\n/g, '\r\n')}`);
    const result = runBin(['endpoint', 'GET', '/crlf', '--yes'], project);
    expect(result.status, result.stderr).toBe(0);
    const text = read(project);
    expect(text.startsWith('\uFEFF# The single source of truth')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(text).toContain('  /crlf:\r\n    get:\r\n      operationId: getCrlf\r\n');
  });

  it.each(['/orders/..', '/./orders', '/a/../b'])('refuses the dot segments of %s', (path) => {
    const project = newProject('dots-api');
    const before = snapshot(project);
    const result = runBin(['endpoint', 'GET', path, '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is a dot segment/);
    expect(snapshot(project)).toEqual(before);
  });

  it('a route whose name would be too long says how to choose a shorter --name', () => {
    const project = newProject('long-api');
    const path = `/${Array.from({ length: 6 }, (_, i) => `segment${i}-with-words`).join('/')}`;
    const result = runBin(['endpoint', 'GET', path, '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/an operationId holds at most 64: choose a shorter one with --name/);
    const named = runBin(['endpoint', 'GET', path, '--yes', '--name', 'getSegments'], project);
    expect(named.status, named.stderr).toBe(0);
  });
});
