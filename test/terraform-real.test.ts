// Terraform itself on generated projects: `terraform init` from a local provider mirror (never the
// network), `validate`, `fmt -check` and the project's own Terraform tests (terraform/tests/, a mock AWS
// provider, plans only: nothing calls AWS), on the default project, one with every option changed and
// one with several nested endpoints; and those tests failing on each planted fault. Where terraform or
// the mirror is missing, these tests skip and say so loudly.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { zip } from 'traced-api-devkit/build';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEndpoint, generateApp, repoRoot, tempDir } from './support/generate.js';

const MIRROR = process.env.TRACED_API_TF_MIRROR ?? '/opt/tf-plugins';
const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
const hasMirror = existsSync(join(MIRROR, 'registry.terraform.io/hashicorp/aws'));
const missing = [!hasTerraform && 'the terraform binary (on PATH)', !hasMirror && `the AWS provider mirror (${MIRROR}/registry.terraform.io/hashicorp/aws; set TRACED_API_TF_MIRROR)`].filter(Boolean);
// AWS provider 5 does not know the nodejs24.x runtime: the project with every option changed takes it
// only where the mirror holds provider 6.
const mirrorMajors = hasMirror ? readdirSync(join(MIRROR, 'registry.terraform.io/hashicorp/aws')).map((version) => Number.parseInt(version, 10)) : [];
const variantRuntime = mirrorMajors.some((major) => major >= 6) ? 'nodejs24.x' : 'nodejs22.x';
if (hasMirror && variantRuntime !== 'nodejs24.x') {
  console.warn(`\n*** The provider mirror holds AWS provider ${mirrorMajors.join(', ')} only, which refuses nodejs24.x: the every-option project keeps nodejs22.x. ***\n`);
}
if (missing.length > 0) {
  console.warn(`\n*** Real Terraform tests SKIPPED: no ${missing.join(' and no ')}. The generated Terraform is then only checked by test/terraform-check.ts. ***\n`);
}

// One CLI configuration and one plugin cache for every init here: the mirror only, so nothing is
// downloaded, and the ~675 MB provider linked from the cache rather than copied into each project. From an
// unpacked mirror the cache itself only links to the mirror (some 24 KB), so each run has its own: no other
// run's init races this one's on it.
const work = tempDir('traced-api-terraform-');
const cliConfig = join(work, 'terraform.rc');
const pluginCache = join(work, 'plugin-cache');
const env = {
  ...process.env,
  TF_CLI_CONFIG_FILE: cliConfig,
  TF_PLUGIN_CACHE_DIR: pluginCache,
  TF_IN_AUTOMATION: '1',
  CHECKPOINT_DISABLE: '1',
  // No credentials reach a plan with mocks; none should be found either.
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
};

interface Run {
  code: number | null;
  output: string;
}

/** Terraform in <dir>/terraform, or in another root of the project (`root`, e.g. terraform/bootstrap). */
function terraform(dir: string, ...args: string[]): Promise<Run> {
  const [root, rest] = args[0]?.startsWith('terraform/') ? [args[0], args.slice(1)] : ['terraform', args];
  return new Promise((resolve) => {
    const child = spawn('terraform', [`-chdir=${join(dir, root)}`, ...rest, '-no-color'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function mustPass(dir: string, ...args: string[]): Promise<string> {
  const run = await terraform(dir, ...args);
  expect(run.code, `terraform ${args.join(' ')} in ${dir}:\n${run.output}`).toBe(0);
  return run.output;
}

/** What `npm run build` leaves for Terraform: dist/<operationId>.zip for every operation of the document. */
async function writeArtifacts(project: string): Promise<void> {
  const doc = parseYaml(readFileSync(join(project, 'openapi/openapi.yaml'), 'utf8'));
  mkdirSync(join(project, 'dist'), { recursive: true });
  for (const item of Object.values<Record<string, any>>(doc.paths)) {
    for (const operation of Object.values<any>(item)) {
      writeFileSync(join(project, 'dist', `${operation.operationId}.zip`), zip([{ name: 'index.js', data: `exports.handler = async () => ({ statusCode: 200 }); // ${operation.operationId}\n` }]));
    }
  }
}

/** The bootstrap root of a project, for terraform(). */
const BOOTSTRAP = 'terraform/bootstrap';
// AWS provider 5 does not know Transaction Search's resources: that project's bootstrap runs only where the mirror holds provider 6.
const bootstrapped = mirrorMajors.some((major) => major >= 6) ? ['default', 'variant', 'transactionSearch'] : ['default', 'variant'];
if (hasMirror && !bootstrapped.includes('transactionSearch')) {
  console.warn(`\n*** The provider mirror holds AWS provider ${mirrorMajors.join(', ')} only: the --transaction-search project's bootstrap (AWS provider >= 6.46) is checked against provider 6.66's schema by test/generated-project.test.ts, not by real terraform. ***\n`);
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

describe.skipIf(missing.length > 0)('Terraform on generated projects (real terraform, provider from the local mirror)', () => {
  const projects: Record<string, string> = {};

  beforeAll(async () => {
    writeFileSync(
      cliConfig,
      `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(MIRROR)}
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
`,
    );
    mkdirSync(pluginCache, { recursive: true });
    projects.default = (await generateApp('orders-api', { yes: true })).project;
    projects.variant = (
      await generateApp('plain-api', {
        yes: true,
        description: 'Plain API, every option changed: costs ${price} each, %{ if x } "quoted" \\ back',
        region: 'eu-west-1',
        stage: 'prod',
        runtime: variantRuntime,
        tracingMode: 'PassThrough',
        apiTracing: false,
        reservoir: '3',
        fixedRate: '10%',
        sns: false,
      })
    ).project;
    projects.nested = (await generateApp('shop-api', { yes: true })).project;
    // Each kind of auth on one route of it, so that the planted faults reach the auth Terraform too.
    const nestedAuth: Record<string, string> = { '/orders/{orderId}/items': 'api-key', '/orders/{orderId}/items/{itemId}': 'iam' };
    for (const path of ['/orders/{orderId}', '/orders/{orderId}/items', '/orders/{orderId}/items/{itemId}', '/customers/{customerId}/orders/{orderId}']) {
      await addEndpoint(projects.nested, ['GET', path], { yes: true, publish: false, auth: nestedAuth[path] ?? 'none' });
    }
    // A project whose every route needs an API key, and one whose example needs SigV4 beside a route open to anyone.
    projects.keyed = (await generateApp('keyed-api', { yes: true, auth: 'api-key' })).project;
    projects.signed = (await generateApp('signed-api', { yes: true, auth: 'iam' })).project;
    await addEndpoint(projects.signed, ['GET', '/orders/{orderId}'], { yes: true, publish: false, auth: 'none' });
    await addEndpoint(projects.nested, ['DELETE', '/orders/{orderId}'], { yes: true, priority: '700', reservoir: '0', 'fixed-rate': '1%' });
    // Its stages' root runs here; its bootstrap needs AWS provider 6.46 (below).
    projects.transactionSearch = (await generateApp('search-api', { yes: true, transactionSearch: true })).project;
    for (const project of Object.values(projects)) await writeArtifacts(project);
    // One init at a time: two at once can race on the plugin cache ("failed to create directory").
    const started = performance.now();
    for (const project of Object.values(projects)) await mustPass(project, 'init', '-backend=false', '-input=false');
    for (const name of bootstrapped) await mustPass(projects[name]!, BOOTSTRAP, 'init', '-backend=false', '-input=false');
    console.log(`terraform init of the ${Object.keys(projects).length} projects and ${bootstrapped.length} bootstraps: ${seconds(started)}`);
  }, 300_000);

  // One project a test; each project's bootstrap after its stage root.
  it.concurrent.each(['default', 'variant', 'nested', 'keyed', 'signed'])('the %s project validates, is formatted as terraform fmt leaves it, and passes its own Terraform tests (its bootstrap root too)', async (name) => {
    const project = projects[name]!;
    const started = performance.now();
    await mustPass(project, 'validate');
    await mustPass(project, 'fmt', '-check', '-recursive');
    const output = await mustPass(project, 'test');
    expect(output).toMatch(/Success! 3 passed, 0 failed\./);
    if (bootstrapped.includes(name)) {
      await mustPass(project, BOOTSTRAP, 'validate');
      await mustPass(project, BOOTSTRAP, 'fmt', '-check', '-recursive');
      expect(await mustPass(project, BOOTSTRAP, 'test')).toMatch(/Success! 3 passed, 0 failed\./);
    }
    console.log(`${name}: validate + fmt + test in ${seconds(started)}`);
    // Five projects at once on two cores: a minute each when the machine is idle.
  }, 400_000);

  // Transaction Search changes only the bootstrap: the stage root is the default's, validated and formatted here;
  // its bootstrap (AWS provider >= 6.46) runs where the mirror holds provider 6.
  it('the --transaction-search project validates and is formatted as terraform fmt leaves it (its bootstrap where the mirror allows)', async () => {
    const project = projects.transactionSearch!;
    await mustPass(project, 'validate');
    await mustPass(project, 'fmt', '-check', '-recursive');
    await mustPass(project, BOOTSTRAP, 'fmt', '-check', '-recursive');
    if (bootstrapped.includes('transactionSearch')) {
      await mustPass(project, BOOTSTRAP, 'validate');
      expect(await mustPass(project, BOOTSTRAP, 'test')).toMatch(/Success! 5 passed, 0 failed\./);
    }
  }, 400_000);

  it("the bootstrap's Terraform tests fail on each planted fault", async () => {
    const faults: Fault[] = [
      { fault: 'state bucket without versioning', file: 'state.tf', from: 'status = "Enabled"', to: 'status = "Suspended"' },
      { fault: 'state bucket without encryption', file: 'state.tf', from: 'sse_algorithm = "AES256"', to: 'sse_algorithm = "aws:kms"' },
      { fault: 'public policies allowed', file: 'state.tf', from: 'block_public_policy     = true', to: 'block_public_policy     = false' },
      { fault: 'requests without TLS allowed', file: 'state.tf', from: 'values   = ["false"]', to: 'values   = ["true"]' },
      { fault: 'the deploy role trusted by every branch', file: 'ci.tf', from: '"repo:${var.github_repository}:environment:${environment}"', to: '"repo:${var.github_repository}:*"' },
      { fault: 'the plan role trusted without an audience', file: 'ci.tf', from: 'values   = ["sts.amazonaws.com"]', to: 'values   = ["*"]' },
      { fault: 'the plan role writes the state', file: 'ci.tf', from: 'actions = ["s3:GetObject"], resources = ["${aws_s3_bucket.state.arn}/${var.name}/*"]', to: 'actions = ["s3:GetObject", "s3:PutObject"], resources = ["${aws_s3_bucket.state.arn}/${var.name}/*"]' },
      { fault: 'Lambda writes granted on every function', file: 'ci.tf', from: 'resources = ["${local.arn.lambda}:function:${var.name}-*"], conditions = [] },\n    { sid = "WriteRoles"', to: 'resources = ["*"], conditions = [] },\n    { sid = "WriteRoles"' },
      { fault: 'every IAM role in reach', file: 'ci.tf', from: 'role/${var.name}-*"]', to: 'role/*"]' },
      { fault: 'roles passed to any service', file: 'ci.tf', from: 'values = ["lambda.amazonaws.com"]', to: 'values = ["ec2.amazonaws.com"]' },
      { fault: 'a wildcard action', file: 'ci.tf', from: '"apigateway:DELETE"', to: '"apigateway:*"' },
      { fault: 'the CI roles among the project roles', file: 'ci.tf', from: 'path                 = "/github-actions/"', to: 'path                 = "/"' },
    ];
    const base = join(projects.default!, BOOTSTRAP);
    const tests = readFileSync(join(base, 'tests/bootstrap.tftest.hcl'), 'utf8');
    const header = tests.slice(0, tests.indexOf('run "'));
    const body = /^run "as_configured" \{\n  command = plan\n([^]*?)^\}\n/m.exec(tests)![1]!;
    let runs = '';
    faults.forEach(({ fault, file, from, to }, i) => {
      const copy = join(work, `bootstrap-fault-${i}`);
      cpSync(base, copy, { recursive: true, filter: (source) => !/[\\/](\.terraform|tests)$/.test(source) });
      const path = join(copy, file);
      const text = readFileSync(path, 'utf8');
      const planted = text.replace(from, to);
      expect(planted, `the fault "${fault}" applies to ${file}`).not.toBe(text);
      writeFileSync(path, planted);
      runs += `run "fault_${i}" {\n  command = plan\n\n  module {\n    source = "../../bootstrap-fault-${i}"\n  }\n${body}}\n\n`;
    });
    const harness = join(work, 'bootstrap-harness');
    mkdirSync(join(harness, 'terraform', 'tests'), { recursive: true });
    cpSync(join(base, 'versions.tf'), join(harness, 'terraform', 'versions.tf'));
    writeFileSync(join(harness, 'terraform', 'tests', 'faults.tftest.hcl'), header + runs);
    await mustPass(harness, 'init', '-backend=false', '-input=false');
    const output = (await terraform(harness, 'test')).output;
    const failed = new Set([...output.matchAll(/run "fault_(\d+)"\.\.\. fail/g)].map(([, i]) => Number(i)));
    expect(faults.filter((_, i) => !failed.has(i)).map(({ fault }) => fault), output).toEqual([]);
  }, 300_000);

  // Each fault breaks one promise; the project's Terraform tests must fail on every one.
  interface Fault {
    fault: string;
    file: string;
    from: string | RegExp;
    to: string;
    allRuns?: boolean;
  }
  const faults: Fault[] = [
    { fault: 'functions traced in a fixed mode', file: 'lambda.tf', from: 'mode = var.tracing_mode', to: 'mode = "Active"', allRuns: true },
    { fault: 'stage tracing always on', file: 'api.tf', from: 'xray_tracing_enabled = var.api_tracing_enabled', to: 'xray_tracing_enabled = true', allRuns: true },
    { fault: 'a function named otherwise than the document says', file: 'lambda.tf', from: 'function_name    = each.value.function_name', to: 'function_name    = "${each.value.function_name}-v2"' },
    { fault: 'the access log without the trace id', file: 'api.tf', from: /\n\s*xrayTraceId\s*= "\$context\.xrayTraceId"/, to: '' },
    { fault: 'rule paths without the stage wildcard', file: 'sampling.tf', from: 'url_path     = "*${each.value.path_pattern}"', to: 'url_path     = each.value.path_pattern' },
    { fault: 'parameters not turned into wildcards', file: 'locals.tf', from: /path_pattern  = replace\(route, [^\n]*/, to: 'path_pattern  = route' },
    { fault: 'rules for every method', file: 'sampling.tf', from: 'http_method    = each.value.method', to: 'http_method    = "*"' },
    { fault: 'rule priorities off by one', file: 'sampling.tf', from: 'priority       = each.value.sampling.priority', to: 'priority       = each.value.sampling.priority + 1' },
    { fault: "rules' reservoirs not the document's", file: 'sampling.tf', from: 'reservoir_size = each.value.sampling.reservoirSize', to: 'reservoir_size = each.value.sampling.reservoirSize + 1' },
    { fault: "rules' rates not the document's", file: 'sampling.tf', from: 'fixed_rate     = each.value.sampling.fixedRate', to: 'fixed_rate     = 1' },
    { fault: 'rules matched to a Lambda function instead of the stage', file: 'sampling.tf', from: /(resource "aws_xray_sampling_rule" "endpoint"[^]*?)service_type = "AWS::ApiGateway::Stage"/, to: '$1service_type = "AWS::Lambda::Function"' },
    { fault: 'rules matched to the API name without the stage', file: 'sampling.tf', from: /(resource "aws_xray_sampling_rule" "endpoint"[^]*?)service_name = local\.xray_service_name/, to: '$1service_name = var.name' },
    { fault: 'xray:GetSamplingRules granted again', file: 'iam.tf', from: '"xray:PutTelemetryRecords"]', to: '"xray:PutTelemetryRecords", "xray:GetSamplingRules"]' },
    { fault: 'sns:Publish on every topic', file: 'iam.tf', from: 'resources = [statement.value.arn]', to: 'resources = ["*"]' },
    { fault: 'more SNS actions than sns:Publish', file: 'iam.tf', from: 'actions   = ["sns:Publish"]', to: 'actions   = ["sns:Publish", "sns:Subscribe"]' },
    { fault: 'the API key read from an authorizer, not the x-api-key header', file: 'api.tf', from: 'api_key_source = "HEADER"', to: 'api_key_source = "AUTHORIZER"' },
    { fault: "the usage plan's quota not the variable's", file: 'auth.tf', from: 'limit  = var.api_key_quota_limit', to: 'limit  = 1000' },
    { fault: "the usage plan's throttle not the variables'", file: 'auth.tf', from: 'rate_limit  = var.api_key_rate_limit', to: 'rate_limit  = 1000' },
    { fault: 'the invoke policy on every route of the stage', file: 'auth.tf', from: '/${var.stage}/${operation.method}${operation.path_pattern}', to: '/${var.stage}/*/*' },
    { fault: 'the invoke policy without the stage', file: 'auth.tf', from: '/${var.stage}/${operation.method}', to: '/*/${operation.method}' },
  ];

  it('the Terraform tests fail on each planted fault', async () => {
    const started = performance.now();
    // One copy of the nested project per fault, and two harnesses (one per core) whose test file is the
    // project's own, its runs repeated once per fault against that copy (a run's module block): each
    // `terraform test` loads the provider's schema once for all of its faults.
    const base = projects.nested!;
    const tests = readFileSync(join(base, 'terraform/tests/promises.tftest.hcl'), 'utf8');
    const header = tests.slice(0, tests.indexOf('run "'));
    const runs = [...tests.matchAll(/^run "([a-z_]+)" \{\n  command = plan\n([^]*?)^\}\n/gm)].map(([, name, body]) => ({ name: name!, body: body! }));
    expect(runs.map((run) => run.name)).toEqual(['as_configured', 'passthrough_without_stage_tracing', 'active_with_stage_tracing']);
    const harnessRuns = ['', ''];
    faults.forEach(({ fault, file, from, to, allRuns }, i) => {
      const copy = join(work, `fault-${i}`);
      mkdirSync(copy);
      for (const folder of ['terraform', 'openapi', 'dist']) cpSync(join(base, folder), join(copy, folder), { recursive: true, filter: (source) => !/[\\/](\.terraform|tests)$/.test(source) });
      const path = join(copy, 'terraform', file);
      const text = readFileSync(path, 'utf8');
      const planted = text.replace(from, to);
      expect(planted, `the fault "${fault}" applies to ${file}`).not.toBe(text);
      writeFileSync(path, planted);
      // Only the tracing faults need the runs with other tracing settings.
      for (const run of allRuns ? runs : runs.slice(0, 1)) {
        harnessRuns[i % 2] += `run "fault_${i}_${run.name}" {\n  command = plan\n\n  module {\n    source = "../../fault-${i}/terraform"\n  }\n${run.body}}\n\n`;
      }
    });
    const harnesses = harnessRuns.map((body, h) => {
      const harness = join(work, `harness-${h}`);
      mkdirSync(join(harness, 'terraform', 'tests'), { recursive: true });
      cpSync(join(base, 'openapi'), join(harness, 'openapi'), { recursive: true });
      cpSync(join(base, 'terraform', 'versions.tf'), join(harness, 'terraform', 'versions.tf'));
      writeFileSync(join(harness, 'terraform', 'tests', 'faults.tftest.hcl'), header + body);
      return harness;
    });
    for (const harness of harnesses) await mustPass(harness, 'init', '-backend=false', '-input=false');
    const output = (await Promise.all(harnesses.map(async (harness) => (await terraform(harness, 'test')).output))).join('\n');
    const outcome = [...output.matchAll(/run "fault_(\d+)_[a-z_]+"\.\.\. (pass|fail|skip)/g)].map(([, i, result]) => ({ fault: Number(i), result }));
    const notFailing = faults.filter((_, i) => !outcome.some((run) => run.fault === i && run.result === 'fail'));
    expect(notFailing.map(({ fault }) => fault), output).toEqual([]);
    // Every run ran: none was skipped after another's error.
    expect(outcome.filter((run) => run.result === 'skip'), output).toEqual([]);
    console.log(`${faults.length} planted faults, each failing the Terraform tests: ${seconds(started)}`);
  }, 300_000);

  it('a hand-written route whose url_path passes 128 characters stops the plan, naming the operation', async () => {
    const copy = join(work, 'long-route');
    cpSync(projects.nested!, copy, { recursive: true, verbatimSymlinks: true });
    const route = `/reports/${'monthly-'.repeat(15)}summary/{reportId}`;
    const document = join(copy, 'openapi/openapi.yaml');
    // The route goes at the end of paths: before components, which the project's auth added after them.
    const [paths, components = ''] = readFileSync(document, 'utf8').split(/^(?=components:)/m);
    writeFileSync(
      document,
      `${paths}  ${route}:
    get:
      operationId: getLongReport
      responses:
        "200":
          description: OK
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: \${lambda_invoke_arns.getLongReport}
        passthroughBehavior: when_no_match
      x-traced-api:
        sampling:
          ruleName: shop-api-dev-getLongReport
          priority: 50
          reservoirSize: 1
          fixedRate: 0.05
${components}`,
    );
    await writeArtifacts(copy);
    const run = await terraform(copy, 'test');
    expect(run.code).not.toBe(0);
    expect(run.output.replace(/\s+/g, ' ')).toMatch(/The sampling rule url_path of getLongReport \(\*\/reports\/monthly-.*\) is 1[3-9]\d characters; X-Ray allows 128\./);
  }, 120_000);

  it('keeps the projects free of anything but what the mirror holds (no archive provider, no network)', () => {
    const lock = readFileSync(join(projects.default!, 'terraform', '.terraform.lock.hcl'), 'utf8');
    expect([...lock.matchAll(/provider "([^"]+)"/g)].map((match) => match[1])).toEqual(['registry.terraform.io/hashicorp/aws']);
    expect(readdirSync(join(projects.default!, 'terraform', 'tests'))).toEqual(['promises.tftest.hcl']);
  });
});
