import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateApp, repoRoot, runBin, snapshot, tempDir } from './support/generate.js';

const versions = JSON.parse(readFileSync(join(repoRoot, 'dependency-versions/package.json'), 'utf8'));
const read = (project: string, file: string) => readFileSync(join(project, file), 'utf8');
const openapi = (project: string) => parseYaml(read(project, 'openapi/openapi.yaml'));

/** Every file of a project, relative, sorted. */
function files(project: string): string[] {
  return (readdirSync(project, { recursive: true, withFileTypes: true }) as any[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(project.length + 1))
    .sort();
}

describe('yo traced-api', () => {
  it('writes a complete project with --yes and pins every dependency from dependency-versions', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    const written = files(project);
    for (const expected of [
      '.yo-rc.json', 'package.json', 'README.md', 'tsconfig.json', '.gitignore', 'scripts/build.mjs',
      'openapi/openapi.yaml', 'src/handlers/createOrder.ts', 'test/handlers/createOrder.test.ts', 'test/tracing.test.ts',
      'terraform/versions.tf', 'terraform/api.tf', 'terraform/lambda.tf', 'terraform/iam.tf', 'terraform/sns.tf',
      'terraform/sampling.tf', 'terraform/alarms.tf', 'terraform/outputs.tf', 'terraform/variables.tf',
    ]) {
      expect(written, expected).toContain(expected);
    }
    const pkg = JSON.parse(read(project, 'package.json'));
    expect(pkg.name).toBe('orders-api');
    expect(pkg.dependencies).toEqual({ ...versions.dependencies, ...versions.tracers['xray-sdk'] });
    // Run from this checkout, the generator points the project at the devkit it packed (nothing is published yet).
    const { 'traced-api-devkit': devkit, ...pinned } = pkg.devDependencies;
    const { 'traced-api-devkit': devkitVersion, ...expected } = versions.devDependencies;
    expect(pinned).toEqual(expected);
    expect(devkit).toBe(`file:${join(repoRoot, 'dist', 'devkit', `traced-api-devkit-${devkitVersion}.tgz`)}`);
    expect(existsSync(devkit.slice('file:'.length)), 'the packed devkit').toBe(true);
    // ...and its README says so: where the devkit comes from, and the one command that switches to the published one.
    expect(read(project, 'README.md').replace(/\s*\n/g, ' ')).toContain(
      `This project was written from a checkout of generator-traced-api, so its devkit comes from the tarball that checkout packed, \`${devkit.slice('file:'.length)}\``,
    );
    expect(read(project, 'README.md')).toContain(`Switch it to the published devkit with one command:\n\n\`\`\`sh\nnpm install -D -E traced-api-devkit@${devkitVersion}\n\`\`\``);
    for (const version of Object.values<string>({ ...pkg.dependencies, ...pinned })) {
      expect(version, 'pinned exactly').toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(pkg.scripts).toMatchObject({ dev: 'traced-api-devkit dev', traces: 'traced-api-devkit traces' });
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['build', 'test', 'typecheck', 'deploy']));

    const operation = openapi(project).paths['/orders'].post;
    expect(operation.operationId).toBe('createOrder');
    expect(operation['x-amazon-apigateway-integration']).toMatchObject({ type: 'aws_proxy', httpMethod: 'POST', uri: '${lambda_invoke_arns.createOrder}' });
    expect(operation['x-traced-api']).toEqual({
      functionName: 'orders-api-dev-createOrder',
      // generatorPriority: the generator chose 100, so it may renumber it when a narrower route needs a place.
      sampling: { ruleName: 'orders-api-dev-createOrder', priority: 100, generatorPriority: 100, reservoirSize: 1, fixedRate: 0.05 },
    });
    expect(read(project, 'src/handlers/createOrder.ts')).toMatch(/publish/i);
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-traced-api']).toMatchObject({
      name: 'orders-api', region: 'us-east-1', stage: 'dev', runtime: 'nodejs22.x', tracer: 'xray-sdk', tracingMode: 'Active',
      apiTracing: true, reservoir: 1, fixedRate: 0.05, sns: true,
    });
  });

  it('carries the given values, and nothing else, into the output', async () => {
    const base = await generateApp('orders-api', { yes: true });
    const custom = await generateApp('orders-api', {
      yes: true, region: 'eu-west-1', stage: 'prod', 'tracing-mode': 'PassThrough', reservoir: '2', 'fixed-rate': '10%',
    });
    // The stage's own files are named after it.
    const inCustom = (file: string) => file.replace(/^terraform\/stages\/dev\./, 'terraform/stages/prod.');
    expect(files(custom.project)).toEqual(files(base.project).map(inCustom).sort());
    const changedValue = /eu-west-1|prod|PassThrough|\b2\b|0\.1\b|\$\d[\d,.]*|\d{1,3}(,\d{3})+|\d{5,}/;
    for (const file of files(base.project)) {
      const a = read(base.project, file).split('\n');
      const b = read(custom.project, inCustom(file)).split('\n');
      expect(b.length, file).toBe(a.length);
      b.forEach((line, i) => {
        if (line !== a[i]) expect(line, `${file}:${i + 1} changed without carrying a given value`).toMatch(changedValue);
      });
    }
    const variables = read(custom.project, 'terraform/variables.tf');
    expect(variables).toMatch(/"eu-west-1"/);
    expect(variables).toMatch(/"prod"/);
    expect(variables).toMatch(/"PassThrough"/);
    expect(openapi(custom.project).paths['/orders'].post['x-traced-api'].sampling).toMatchObject({ reservoirSize: 2, fixedRate: 0.1 });
    expect(JSON.parse(read(custom.project, '.yo-rc.json'))['generator-traced-api']).toMatchObject({
      region: 'eu-west-1', stage: 'prod', tracingMode: 'PassThrough', reservoir: 2, fixedRate: 0.1,
    });
  });

  it.each([
    ['api-key', 'api_key', { type: 'apiKey', name: 'x-api-key', in: 'header' }],
    ['iam', 'sigv4', { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' }],
  ])('with --auth %s, stores it and writes the security scheme API Gateway reads on the example operation', async (auth, scheme, declared) => {
    const { project } = await generateApp('orders-api', { yes: true, auth });
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-traced-api'].auth).toBe(auth);
    const document = openapi(project);
    expect(document.components.securitySchemes).toEqual({ [scheme]: declared });
    expect(document.paths['/orders'].post.security).toEqual([{ [scheme]: [] }]);
  });

  it('writes no security without --auth: anyone may call the API', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-traced-api'].auth).toBe('none');
    expect(openapi(project).components).toBeUndefined();
    expect(openapi(project).paths['/orders'].post.security).toBeUndefined();
  });

  it('asks in a terminal and uses the answers', async () => {
    const { project } = await generateApp(undefined, {}, {
      name: 'shop-api', description: 'Shop', region: 'eu-central-1', stage: 'test', runtime: 'nodejs24.x',
      tracingMode: 'PassThrough', apiTracing: false, reservoir: '0', fixedRate: '25%', sns: false, auth: 'iam',
    });
    const stored = JSON.parse(read(project, '.yo-rc.json'))['generator-traced-api'];
    expect(stored).toMatchObject({
      name: 'shop-api', description: 'Shop', region: 'eu-central-1', stage: 'test', runtime: 'nodejs24.x',
      tracingMode: 'PassThrough', apiTracing: false, reservoir: 0, fixedRate: 0.25, sns: false, auth: 'iam',
    });
    expect(read(project, 'src/handlers/createOrder.ts')).not.toMatch(/publishEvent|from '..\/lib\/sns/);
    expect(openapi(project).paths['/orders'].post.responses).not.toHaveProperty('502');
  });

  it('with --tracer otel, traces by OpenTelemetry: no X-Ray SDK in the handlers or the dependencies, the same handlers', async () => {
    const xray = await generateApp('orders-api', { yes: true });
    const { project } = await generateApp('orders-api', { yes: true, tracer: 'otel' });
    expect(files(project)).toEqual([...files(xray.project), 'src/lib/xray-udp-exporter.ts'].sort());
    const pkg = JSON.parse(read(project, 'package.json'));
    expect(pkg.dependencies).toEqual({ ...versions.dependencies, ...versions.tracers.otel });
    expect(Object.keys(pkg.dependencies)).not.toContain('aws-xray-sdk-core');
    for (const file of files(project).filter((name) => name.startsWith('src/'))) expect(read(project, file), file).not.toMatch(/aws-xray-sdk/);
    // The owner's code reads the same: only src/lib's tracing setup (and its test) differs.
    for (const file of ['src/handlers/createOrder.ts', 'src/lib/sns.ts', 'src/lib/http.ts', 'src/lib/logger.ts', 'test/handlers/createOrder.test.ts']) {
      expect(read(project, file), file).toBe(read(xray.project, file));
    }
    expect(read(project, 'src/lib/tracing.ts')).toMatch(/export function tracedHandler/);
    expect(read(project, 'scripts/build.mjs')).toMatch(/tracer: 'otel'/);
    expect(read(xray.project, 'scripts/build.mjs')).toMatch(/tracer: 'xray-sdk'/);
    // Same tracing_config and X-Ray IAM; the X-Ray SDK's own setting is not set.
    expect(read(project, 'terraform/iam.tf')).toBe(read(xray.project, 'terraform/iam.tf'));
    expect(read(project, 'terraform/lambda.tf')).toMatch(/tracing_config \{\n\s+mode = var.tracing_mode/);
    expect(read(project, 'terraform/lambda.tf')).not.toMatch(/AWS_XRAY_CONTEXT_MISSING/);
    expect(read(xray.project, 'terraform/lambda.tf')).toMatch(/AWS_XRAY_CONTEXT_MISSING = "LOG_ERROR"/);
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-traced-api'].tracer).toBe('otel');
  });

  it.each([
    [{ 'fixed-rate': '1.5' }, /Fixed rate "1.5".*0 to 1/],
    [{ reservoir: '-1' }, /Reservoir "-1"/],
    [{ region: 'mars-1' }, /Region "mars-1"/],
    [{ runtime: 'nodejs18.x' }, /Runtime "nodejs18.x".*nodejs22.x, nodejs24.x/],
    [{ 'tracing-mode': 'Sometimes' }, /Tracing mode "Sometimes".*Active, PassThrough/],
    [{ tracer: 'jaeger' }, /Tracer "jaeger".*xray-sdk, otel/],
    [{ auth: 'oauth' }, /Auth "oauth" is not allowed: use one of none, api-key, iam\./],
  ])('rejects %j with a clear message and writes nothing', async (options, message) => {
    const cwd = tempDir();
    const result = runBin(['new', 'orders-api', '--yes', '--skip-install', ...Object.entries(options).map(([k, v]) => `--${k}=${v}`)], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('traced-api (the bin, no terminal)', () => {
  it('writes a full project with new <name> --yes --skip-install', () => {
    const cwd = tempDir();
    const result = runBin(['new', 'my-api', '--yes', '--skip-install'], cwd);
    expect(result.status).toBe(0);
    // Yeoman logs to stderr; what matters is that the summary reaches the user.
    expect(result.stdout + result.stderr).toMatch(/Created my-api\//);
    expect(result.stdout + result.stderr).toMatch(/traces a month/);
    expect(existsSync(join(cwd, 'my-api/terraform/api.tf'))).toBe(true);
    expect(existsSync(join(cwd, 'my-api/src/handlers/createOrder.ts'))).toBe(true);
  });

  it('takes my-api with --yes and no name', () => {
    const cwd = tempDir();
    expect(runBin(['new', '--yes', '--skip-install'], cwd).status).toBe(0);
    expect(existsSync(join(cwd, 'my-api/openapi/openapi.yaml'))).toBe(true);
  });

  it('fails instead of hanging when a value without default is missing and there is no terminal', () => {
    const cwd = tempDir();
    const result = runBin(['new', '--skip-install'], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/No name given, and there is no terminal to ask in/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('rejects a project name that breaks its rule', () => {
    const cwd = tempDir();
    const result = runBin(['new', 'Orders_API', '--yes', '--skip-install'], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Project name "Orders_API" is not allowed: use 1-40 lowercase letters, digits and dashes/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses to write into an existing non-empty folder and leaves it as it was', () => {
    const cwd = tempDir();
    expect(runBin(['new', 'my-api', '--yes', '--skip-install'], cwd).status).toBe(0);
    const before = snapshot(cwd);
    const again = runBin(['new', 'my-api', '--yes', '--skip-install'], cwd);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/Folder \.\/my-api\/ already exists/);
    expect(snapshot(cwd)).toEqual(before);
  });

  it('prints usage and every option with --help', () => {
    const cwd = tempDir();
    expect(runBin(['--help'], cwd).stdout).toMatch(/traced-api new \[name\]/);
    const help = runBin(['new', '--help'], cwd);
    expect(help.status).toBe(0);
    for (const option of ['--region', '--stage', '--runtime', '--tracing-mode', '--api-tracing', '--reservoir', '--fixed-rate', '--sns', '--skip-install', '--yes']) {
      expect(help.stdout).toContain(option);
    }
    const endpointHelp = runBin(['endpoint', '--help'], cwd);
    for (const option of ['--method', '--path', '--name', '--reservoir', '--fixed-rate', '--priority', '--publish', '--expected-rps']) {
      expect(endpointHelp.stdout).toContain(option);
    }
  });
});
