// What a project that arrives from elsewhere (a clone, an archive) or a mistyped command can hold, class by
// class: paths that lead outside the project, boolean options given a value, text that Terraform would read as
// template syntax, YAML anchors where an operation would be added, terminal escapes in what is printed.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE, outsideProject, recoverInterruptedRun } from '../lib/commit.js';
import { helpText, questionFor, typedBooleans, appOptions, endpointOptions, commandOptions } from '../lib/options.js';
import { escapeTerraformTemplate, hclString } from '../lib/terraform-text.js';
import { samplingRuleName } from '../lib/names.js';
import { runBin, snapshot, tempDir } from './support/generate.js';

const DOCUMENT = 'openapi/openapi.yaml';

function newProject(name: string, ...options: string[]): string {
  const cwd = tempDir();
  const result = runBin(['new', name, '--yes', '--skip-install', ...options], cwd);
  expect(result.status, result.stderr).toBe(0);
  return join(cwd, name);
}

/** A folder beside the project, standing for the user's files elsewhere on the machine. */
function victim(project: string): { folder: string; file: string } {
  const folder = join(project, '..', 'victim');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'bashrc');
  writeFileSync(file, 'the user\'s own file\n');
  return { folder, file };
}

describe('paths a journal or a run names: refused unless inside the project', () => {
  const journals: [string, Record<string, unknown>][] = [
    ['a target two folders up (the reported break)', { state: 'commit', entries: [{ target: '../../victim/bashrc', temp: '../../victim/.bashrc.x.tmp' }] }],
    ['a target beside the project', { state: 'commit', entries: [{ target: '../victim/bashrc', temp: '../victim/.bashrc.traced-api-1.tmp' }] }],
    ['an absolute target', { state: 'prepare', entries: [{ target: '/etc/hostname', temp: '/etc/.hostname.x.tmp' }] }],
    ['a temporary file outside, for a target inside', { state: 'prepare', entries: [{ target: 'README.md', temp: '../victim/bashrc' }] }],
    ['a temporary file elsewhere in the project', { state: 'commit', entries: [{ target: 'README.md', temp: 'package.json' }] }],
    ['a target that is not a string', { state: 'commit', entries: [{ target: 42, temp: '.x.tmp' }] }],
    ['no entries list', { state: 'commit', entries: 'README.md' }],
  ];

  it.each(journals)('a journal naming %s: the endpoint run is refused, naming the journal, and nothing anywhere changes', (_, journal) => {
    const project = newProject('journal-api');
    const { folder, file } = victim(project);
    writeFileSync(join(folder, '.bashrc.x.tmp'), 'planted\n');
    writeFileSync(join(project, JOURNAL_FILE), JSON.stringify(journal));
    const before = { project: snapshot(project), victim: snapshot(folder) };
    const result = runBin(['endpoint', 'GET', '/after-clone', '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^traced-api: \.traced-api\.journal (names|is not a journal).*it was not written by a run in this project.*Nothing was changed; remove .*\.traced-api\.journal and run again\.$/m);
    expect(snapshot(project)).toEqual(before.project);
    expect(snapshot(folder)).toEqual(before.victim);
    expect(readFileSync(file, 'utf8')).toBe('the user\'s own file\n');
  });

  it('a folder of the project that is a link to elsewhere is not written through', () => {
    const project = newProject('link-api');
    const { folder } = victim(project);
    // The handlers folder itself a link out of the project, as a clone can bring it.
    const handlers = join(project, 'src/handlers');
    const moved = join(project, '..', 'handlers-outside');
    mkdirSync(moved);
    writeFileSync(join(moved, 'createOrder.ts'), readFileSync(join(handlers, 'createOrder.ts')));
    const before = snapshot(project);
    // Replace src/handlers with a link to the folder outside.
    rmSync(handlers, { recursive: true });
    symlinkSync(moved, handlers);
    const result = runBin(['endpoint', 'GET', '/linked', '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Could not write src\/handlers\/getLinked\.ts: it leads outside the project \(through a link, to .*handlers-outside\)\. Nothing was changed/);
    expect(existsSync(join(moved, 'getLinked.ts'))).toBe(false);
    expect(Object.keys(snapshot(moved))).toEqual(['createOrder.ts']);
    expect(snapshot(project)[DOCUMENT]).toBe(before[DOCUMENT]);
  });

  it('outsideProject() resolves every path the way the file system will', () => {
    const root = tempDir();
    mkdirSync(join(root, 'inside'));
    symlinkSync('/tmp', join(root, 'out'));
    expect(outsideProject(root, 'inside/a.ts')).toBeUndefined();
    expect(outsideProject(root, 'new/folder/a.ts')).toBeUndefined();
    expect(outsideProject(root, 'inside/../a.ts')).toBeUndefined();
    expect(outsideProject(root, '../a.ts')).toBe('lies outside the project');
    expect(outsideProject(root, 'inside/../../a.ts')).toBe('lies outside the project');
    expect(outsideProject(root, '/etc/passwd')).toBe('is an absolute path');
    expect(outsideProject(root, 'out/a.ts')).toMatch(/^leads outside the project \(through a link/);
    expect(outsideProject(root, 'out/deeper/a.ts')).toMatch(/^leads outside the project/);
    expect(outsideProject(root, '')).toBe('is not a file name');
    expect(outsideProject(root, '.')).toBe('lies outside the project');
    expect(outsideProject(root, 'a\0b')).toBe('is not a file name');
  });

  it('recovery follows a journal written by a run here, and nothing else', () => {
    const root = tempDir();
    writeFileSync(join(root, '.a.txt.traced-api-1.tmp'), 'new a');
    writeFileSync(join(root, JOURNAL_FILE), JSON.stringify({ state: 'commit', entries: [{ target: 'a.txt', temp: '.a.txt.traced-api-1.tmp' }] }));
    expect(recoverInterruptedRun(root)).toMatch(/finished it/);
    expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('new a');
    writeFileSync(join(root, JOURNAL_FILE), JSON.stringify({ state: 'commit', entries: [{ target: 'sub/../../b.txt', temp: 'sub/../../.b.txt.x.tmp' }] }));
    expect(() => recoverInterruptedRun(root)).toThrow(/names "sub\/\.\.\/\.\.\/b\.txt", which lies outside the project/);
  });
});

describe('boolean options: true|false|yes|no|on|off|1|0, or refused naming the forms', () => {
  it.each([
    [['--api-tracing=no', '--sns=0'], { apiTracing: false, sns: false }],
    [['--api-tracing=off', '--sns=false'], { apiTracing: false, sns: false }],
    [['--api-tracing=YES', '--sns=1'], { apiTracing: true, sns: true }],
    [['--no-api-tracing', '--sns=on'], { apiTracing: false, sns: true }],
    [['--api-tracing=true', '--no-sns'], { apiTracing: true, sns: false }],
  ])('new %j writes %j', (options, stored) => {
    const project = newProject('bool-api', ...options);
    expect(JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-traced-api']).toMatchObject(stored);
    const variables = readFileSync(join(project, 'terraform/variables.tf'), 'utf8');
    expect(variables).toMatch(new RegExp(`variable "api_tracing_enabled" \\{[^}]*default     = ${stored.apiTracing}\\n`));
  });

  it.each([
    [['--sns=maybe'], '--sns=maybe is not allowed'],
    [['--api-tracing=nope'], '--api-tracing=nope is not allowed'],
    [['--api-tracing='], '--api-tracing= is not allowed'],
    [['--no-sns=yes'], '--no-sns=yes is not allowed'],
    [['--sns', 'no'], '--sns no is not allowed (the no would be taken as an argument)'],
    [['--skip-install=perhaps'], '--skip-install=perhaps is not allowed'],
  ])('new %j: refused naming the forms, and no folder written', (options, problem) => {
    const cwd = tempDir();
    const result = runBin(['new', 'refused-api', '--yes', ...options], cwd);
    expect(result.status).toBe(1);
    const name = problem.replace(/^--(no-)?([a-z-]+).*$/, '$2');
    expect(result.stderr.trim()).toBe(
      `traced-api: ${problem}: --${name} takes true, yes, on, 1, false, no, off, 0 after "=" (--${name}=no), or stands alone (--${name}, --no-${name}). Nothing was written.`,
    );
    expect(snapshot(cwd)).toEqual({});
  });

  it('endpoint --publish=no writes a handler that does not publish; --dry-run=no writes; --publish=2 is refused', () => {
    const project = newProject('publish-api');
    expect(runBin(['endpoint', 'GET', '/quiet', '--yes', '--publish=no'], project).status).toBe(0);
    expect(readFileSync(join(project, 'src/handlers/getQuiet.ts'), 'utf8')).not.toMatch(/publish/i);
    const written = runBin(['endpoint', 'GET', '/written', '--yes', '--dry-run=no', '--publish=off'], project);
    expect(written.status, written.stderr).toBe(0);
    expect(existsSync(join(project, 'src/handlers/getWritten.ts'))).toBe(true);
    const before = snapshot(project);
    const refused = runBin(['endpoint', 'GET', '/loud', '--yes', '--publish=2'], project);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/--publish=2 is not allowed: --publish takes true, yes, on, 1, false, no, off, 0/);
    expect(snapshot(project)).toEqual(before);
  });

  it('typedBooleans() reads each boolean option as typed and leaves the others', () => {
    expect(typedBooleans(['--sns=no', '--region=us-east-1', '--api-tracing', '--', '--sns=maybe'], ['sns', 'api-tracing'])).toEqual({ sns: false, 'api-tracing': true });
    expect(typedBooleans(['--no-sns', 'orders-api'], ['sns'])).toEqual({ sns: false });
    expect(() => typedBooleans(['--sns=2'], ['sns'])).toThrow(/--sns=2 is not allowed/);
  });
});

describe('values Terraform reads: escaped for HCL strings and template syntax', () => {
  it.each([
    'costs ${price} each',
    'a %{ if x }directive%{ endif }',
    'quotes "and" back\\slashes',
    '$${already} %%{doubled}',
    'dollar $ and percent % alone, braces {}',
  ])('--description %j: the document gives it back through templatefile, whole', (description) => {
    const project = newProject('desc-api', '--description', description);
    const written = parseYaml(readFileSync(join(project, DOCUMENT), 'utf8')).info.description as string;
    // What templatefile() makes of the document: $${ and %%{ print as ${ and %{, and nothing else opens a sequence.
    expect(written.replace(/(?<![$%])([$%])\{/g, '<$1{>')).not.toContain('<');
    expect(written.replace(/([$%])\1\{/g, '$1{')).toBe(description);
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toContain(description);
  });

  it('escapeTerraformTemplate() doubles ${ and %{ (and only them); hclString() quotes any text', () => {
    expect(escapeTerraformTemplate('costs ${price} each')).toBe('costs $${price} each');
    expect(escapeTerraformTemplate('%{ if }')).toBe('%%{ if }');
    expect(escapeTerraformTemplate('$ { % { $$ %%')).toBe('$ { % { $$ %%');
    expect(hclString('orders-api')).toBe('"orders-api"');
    expect(hclString('a "b" \\ ${c} %{d}\n')).toBe('"a \\"b\\" \\\\ $${c} %%{d}\\n"');
  });

  it('every string default in variables.tf and versions.tf is written through hclString', () => {
    for (const file of ['variables.tf.ejs', 'versions.tf.ejs']) {
      const template = readFileSync(new URL(`../templates/terraform/${file}`, import.meta.url), 'utf8');
      expect(template, file).not.toMatch(/"<%[-=]/);
    }
  });
});

describe('YAML anchors where an operation would be added', () => {
  const edit = (project: string, change: (text: string) => string) => writeFileSync(join(project, DOCUMENT), change(readFileSync(join(project, DOCUMENT), 'utf8')));

  it('a path item that is an anchor (/things: &t, reused by /things2: *t): adding a method to it is refused', () => {
    const project = newProject('anchor-item-api');
    edit(project, (text) => text.replace(/^ {2}\/orders:\n/m, '  /orders: &t\n').concat('  /orders2: *t\n'));
    const before = snapshot(project);
    for (const method of ['GET', 'PUT']) {
      const result = runBin(['endpoint', method, '/orders', '--yes'], project);
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`Path /orders in the OpenAPI document is the YAML anchor &t: adding ${method} there would add it to every path that reads \\*t too`));
    }
    expect(snapshot(project)).toEqual(before);
  });

  it('paths itself an anchor, read elsewhere: adding a route is refused', () => {
    const project = newProject('anchor-paths-api');
    edit(project, (text) => text.replace(/^paths:\n/m, 'paths: &all\n').concat('x-copy: *all\n'));
    const before = snapshot(project);
    const result = runBin(['endpoint', 'GET', '/customers', '--yes'], project);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/"paths" is the YAML anchor &all: an operation added there would change every place that reads \*all/);
    expect(snapshot(project)).toEqual(before);
  });
});

describe('what the generator prints from a project it did not write', () => {
  it('a path in the document holding terminal escapes is printed escaped, in a note and in an error', () => {
    const project = newProject('escape-api');
    const text = readFileSync(join(project, DOCUMENT), 'utf8');
    // An operation written by hand, without its handler yet, under a path with escapes (YAML's \e is ESC, \x9b the one-byte CSI).
    const evil = ['  "/evil\\e[2J\\e]0;owned\\a\\x9b31m":', '    get:', '      operationId: getEvil', '      responses: { "200": { description: OK } }'].join('\n');
    writeFileSync(join(project, DOCUMENT), `${text}${evil}\n`);
    const noted = runBin(['endpoint', 'GET', '/fine', '--yes'], project);
    expect(noted.status, noted.stderr).toBe(0);
    expect(noted.stdout + noted.stderr).toContain('Note: GET /evil\\e[2J\\e]0;owned\\x07\\x9b31m (getEvil) has no handler');
    const refused = runBin(['endpoint', 'GET', '/another', '--name', 'getEvil', '--yes'], project);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('is already the operationId of GET /evil\\e[2J');
    for (const output of [noted.stdout + noted.stderr, refused.stdout + refused.stderr]) expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('screens', () => {
  it('new --help: the usage of the bin, only the options that apply, within 80 columns', () => {
    const result = runBin(['new', '--help'], tempDir());
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Usage: traced-api new [name] [options]');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
    for (const option of ['--description', '--tracing-mode', '--api-tracing, --no-api-tracing', '--sns, --no-sns', '--skip-install', '-y, --yes', '--dry-run']) expect(result.stdout).toContain(option);
    expect(result.stdout).not.toMatch(/yo traced-api|--skip-cache|--force-install|--ask-answered/);
    const endpoint = runBin(['endpoint', '--help'], tempDir());
    expect(endpoint.stdout.split('\n')[0]).toBe('Usage: traced-api endpoint [method] [path] [options]');
    expect(endpoint.stdout).toContain('--sampling-rule <value>');
    expect(endpoint.stdout).not.toMatch(/--skip-install|--force-install|--skip-cache/);
  });

  it('helpText() wraps at the width it is given and lists every option of the statements', () => {
    const text = helpText({ usage: 'traced-api new [name] [options]', summary: 'x', specs: appOptions, others: commandOptions }, 60);
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThanOrEqual(60);
    for (const spec of appOptions) expect(text).toContain(`--${spec.name}`);
  });

  it('a prompt is broken between words, never inside a number', () => {
    const spec = endpointOptions.find((option) => option.key === 'fixedRate')!;
    const { message } = questionFor(spec, 0.05, { expectedRps: 10, reservoir: 1 }, 50) as { message: string };
    const lines = message.split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(46);
    expect(message).toMatch(/(^|\s)100%: 25,920,000 traces/);
  });

  it('adding an endpoint says what changed in plain words (no "force")', () => {
    const project = newProject('plain-words-api');
    const result = runBin(['endpoint', 'GET', '/orders/{orderId}', '--yes'], project);
    const output = result.stdout + result.stderr;
    expect(output).not.toMatch(/\bforce\b/);
    expect(output).toMatch(/^ {3}create src\/handlers\/getOrdersByOrderId\.ts$/m);
    expect(output).toMatch(/^ {3}change openapi\/openapi\.yaml: added GET \/orders\/\{orderId\} \(getOrdersByOrderId\)$/m);
  });

  it('--tracing-mode PassThrough --no-api-tracing says plainly that nothing will be traced, and estimates nothing', () => {
    const cwd = tempDir();
    const result = runBin(['new', 'untraced-api', '--yes', '--skip-install', '--tracing-mode', 'PassThrough', '--no-api-tracing'], cwd);
    expect(result.status, result.stderr).toBe(0);
    for (const text of [result.stdout + result.stderr, readFileSync(join(cwd, 'untraced-api/README.md'), 'utf8')]) {
      expect(text).toContain('Nothing will be traced: stage tracing is off, so API Gateway makes no sampling decision, and Lambda in PassThrough mode');
      expect(text).not.toMatch(/API Gateway makes the sampling decision|traces a month|\$\d+\.\d\d a month/);
    }
    const endpoint = runBin(['endpoint', 'GET', '/quiet', '--yes'], join(cwd, 'untraced-api'));
    expect(endpoint.stdout + endpoint.stderr).toContain('Nothing will be traced');
    expect(endpoint.stdout + endpoint.stderr).not.toMatch(/traces a month/);
  });

  it('the docs point only at files that are in the repository', () => {
    for (const doc of ['README.md', 'docs/design.md', 'devkit/README.md', 'bench/NOTES.md']) {
      const text = readFileSync(new URL(`../${doc}`, import.meta.url), 'utf8');
      const linked = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/.test(target));
      for (const target of linked) expect(existsSync(new URL(target, new URL(`../${doc}`, import.meta.url))), `${doc} links ${target}`).toBe(true);
      expect(text, doc).not.toMatch(/\.\.\/shared\/|SPEC\.md/);
    }
  });

  it('long rule names stay readable within 32 characters, distinct, and say which route they are', () => {
    const name = samplingRuleName('shop-api-staging', 'getOrdersByIdItemsByItemId');
    expect(name).toMatch(/^shop-stagin-getOrdersById-[0-9a-f]{6}$/);
    expect(samplingRuleName('shop-api-staging', 'getOrdersByIdItemsByItemIz')).not.toBe(name);
    for (const [prefix, id] of [['a'.repeat(40) + '-dev', 'getOrdersByOrderIdItems'], ['x-dev', 'g'.repeat(64)], ['orders-api-production_eu', 'deleteCustomerAddressById']]) {
      const fitted = samplingRuleName(prefix!, id!);
      expect(fitted.length).toBeLessThanOrEqual(32);
      expect(fitted).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(samplingRuleName('orders-api-dev', 'getOrders')).toBe('orders-api-dev-getOrders');
  });
});
