// The Terraform checker catches each kind of defect, and the generator's Terraform templates pass it.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { hclString } from '../lib/terraform-text.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectConfig, Versions } from '../lib/config.js';
import { projectTemplateData } from '../lib/project.js';
import {
  camelName,
  checkTerraform,
  hasAttribute,
  loadProviderSchemas,
  problemsText,
  resourceSchema,
  templateVariables,
  type Problem,
  type ProviderSchemas,
} from './support/terraform-check.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const templatesDir = path.join(root, 'templates', 'terraform');
const versions = JSON.parse(readFileSync(path.join(root, 'dependency-versions', 'package.json'), 'utf8')) as Versions;

const sample: ProjectConfig = {
  name: 'orders-api',
  description: 'Orders API',
  region: 'us-east-1',
  stage: 'dev',
  runtime: 'nodejs22.x',
  tracer: 'xray-sdk',
  tracingMode: 'Active',
  apiTracing: true,
  reservoir: 1,
  fixedRate: 0.05,
  sns: true,
  auth: 'none',
  names: { prefix: 'orders-api-dev', role: 'orders-api-dev-lambda', topic: 'orders-api-dev-events', defaultRule: 'orders-api-dev-default' },
  defaultRulePriority: 9000,
  versions,
};

const OPENAPI = `openapi: 3.0.3
info:
  title: orders-api
  description: "Orders API"
  version: 0.1.0
paths:
  /orders:
    post:
      operationId: createOrder
      summary: Create an order and publish an OrderCreated event
      responses:
        "200": { description: OK }
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: \${lambda_invoke_arns.createOrder}
        passthroughBehavior: when_no_match
      x-traced-api:
        functionName: orders-api-dev-createOrder
        sampling:
          ruleName: orders-api-dev-createOrder
          priority: 100
          reservoirSize: 1
          fixedRate: 0.05
  /orders/{orderId}/items:
    parameters:
      - { name: orderId, in: path, required: true, schema: { type: string } }
    get:
      operationId: getOrdersByOrderIdItems
      responses:
        "200": { description: OK }
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: \${lambda_invoke_arns.getOrdersByOrderIdItems}
        passthroughBehavior: when_no_match
`;

const scratch = mkdtempSync(path.join(tmpdir(), 'terraform-check-'));
let projects = 0;

/** Renders templates/terraform into <project>/terraform beside <project>/openapi/openapi.yaml; returns the terraform folder. */
function renderProject(config: ProjectConfig, openapi = OPENAPI): string {
  const project = path.join(scratch, `project-${++projects}`);
  mkdirSync(path.join(project, 'terraform'), { recursive: true });
  mkdirSync(path.join(project, 'openapi'));
  writeFileSync(path.join(project, 'openapi', 'openapi.yaml'), openapi);
  for (const template of readdirSync(templatesDir).filter((name) => name.endsWith('.tf.ejs'))) {
    const text = ejs.render(readFileSync(path.join(templatesDir, template), 'utf8'), projectTemplateData(config));
    writeFileSync(path.join(project, 'terraform', template.replace(/\.ejs$/, '')), text);
  }
  return path.join(project, 'terraform');
}

/** A copy of a rendered project; returns its terraform folder. */
function copyOf(terraformDir: string): string {
  const copy = path.join(scratch, `project-${++projects}`);
  cpSync(path.dirname(terraformDir), copy, { recursive: true });
  return path.join(copy, 'terraform');
}

/** A copy of a rendered project with one file edited. */
function withEdit(terraformDir: string, file: string, edit: (text: string) => string): string {
  const copy = copyOf(terraformDir);
  const target = path.join(copy, file);
  const before = existsSync(target) ? readFileSync(target, 'utf8') : '';
  const after = edit(before);
  expect(after, `the edit of ${file} changes it`).not.toBe(before);
  writeFileSync(target, after);
  return copy;
}

let schemas: ProviderSchemas;
let rendered: string;

beforeAll(async () => {
  schemas = await loadProviderSchemas();
  rendered = renderProject(sample);
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the generated Terraform', () => {
  it('passes fmt, schema and wiring checks for the sample project', async () => {
    const problems = await checkTerraform(rendered);
    expect(problemsText(problems)).toBe('');
  });

  it('passes them with the features turned off', async () => {
    const dir = renderProject({ ...sample, sns: false, apiTracing: false, tracingMode: 'PassThrough', runtime: 'nodejs24.x', reservoir: 0, fixedRate: 1 });
    expect(problemsText(await checkTerraform(dir))).toBe('');
  });

  it('passes them for a document without operations', async () => {
    const dir = renderProject(sample, 'openapi: 3.0.3\ninfo:\n  title: orders-api\n  version: 0.1.0\npaths: {}\n');
    expect(problemsText(await checkTerraform(dir))).toBe('');
  });

  it('passes them for a document whose operations need an API key and SigV4 (IAM)', async () => {
    const withAuth = OPENAPI.replace('      x-traced-api:\n', '      security:\n        - api_key: []\n      x-traced-api:\n')
      .replace('      responses:\n        "200": { description: OK }\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n        uri: \${lambda_invoke_arns.getOrdersByOrderIdItems}', '      security: [{ sigv4: [] }]\n      responses:\n        "200": { description: OK }\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n        uri: \${lambda_invoke_arns.getOrdersByOrderIdItems}')
      .concat('components:\n  securitySchemes:\n    api_key: { type: apiKey, name: x-api-key, in: header }\n    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }\n');
    expect(withAuth).toContain('- api_key: []');
    expect(withAuth).toContain('security: [{ sigv4: [] }]');
    expect(problemsText(await checkTerraform(renderProject({ ...sample, auth: 'api-key' }, withAuth)))).toBe('');
  });

  it('fills the variables from the project config', () => {
    const variables = readFileSync(path.join(rendered, 'variables.tf'), 'utf8');
    const defaultOf = (name: string) => new RegExp(`variable "${name}" \\{[^}]*?default\\s+= ([^\\n]+)`, 's').exec(variables)?.[1];
    expect(defaultOf('name')).toBe('"orders-api"');
    expect(defaultOf('stage')).toBe('"dev"');
    expect(defaultOf('region')).toBe('"us-east-1"');
    expect(defaultOf('lambda_runtime')).toBe('"nodejs22.x"');
    expect(defaultOf('tracing_mode')).toBe('"Active"');
    expect(defaultOf('api_tracing_enabled')).toBe('true');
    expect(defaultOf('create_sns_topic')).toBe('true');
    expect(defaultOf('default_sampling_reservoir_size')).toBe('1');
    expect(defaultOf('default_sampling_fixed_rate')).toBe('0.05');
    expect(defaultOf('default_sampling_rule_priority')).toBe('9000');
    expect(defaultOf('default_sampling_rule_name')).toBe('"orders-api-dev-default"');
    expect(defaultOf('lambda_role_name')).toBe('"orders-api-dev-lambda"');
    expect(defaultOf('sns_topic_name')).toBe('"orders-api-dev-events"');
    expect(defaultOf('name_prefix')).toBe('"orders-api-dev"');
    const versionsTf = readFileSync(path.join(rendered, 'versions.tf'), 'utf8');
    expect(versionsTf).toContain('required_version = ">= 1.10"');
    expect(versionsTf).toMatch(/aws = \{\s+source\s+= "hashicorp\/aws"\s+version = ">= 5\.100, < 7\.0"/);
    expect(versionsTf).not.toMatch(/archive/);
  });

  it('grants exactly the X-Ray actions tracing needs, and sns:Publish on the topic only', () => {
    const iam = readFileSync(path.join(rendered, 'iam.tf'), 'utf8');
    const actions = [...iam.matchAll(/"(xray:[A-Za-z]+)"/g)].map((match) => match[1]);
    expect(actions).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    expect(iam).toMatch(/actions\s+= \["sns:Publish"\]\s+resources = \[statement\.value\.arn\]/);
    expect(iam).not.toMatch(/sns:\*|"sns:Publish"[^\n]*"\*"/);
  });

  it('matches sampling rules to the stage and never manages the Default rule', () => {
    const sampling = readFileSync(path.join(rendered, 'sampling.tf'), 'utf8');
    expect(sampling.match(/service_type\s+= "AWS::ApiGateway::Stage"/g)).toHaveLength(2);
    expect(sampling).not.toMatch(/priority\s+= 10000|rule_name\s+= "Default"/);
    const locals = readFileSync(path.join(rendered, 'locals.tf'), 'utf8');
    expect(locals).toContain('xray_service_name = "${var.name}/${var.stage}"');
  });
});

describe('the checker', () => {
  const cases: { defect: string; file: string; edit: (text: string) => string; expected: Partial<Omit<Problem, 'message'>> & { message: RegExp } }[] = [
    {
      defect: 'a misspelled argument',
      file: 'lambda.tf',
      edit: (text) => text.replace('  memory_size      = var.lambda_memory_size', '  memory_sise      = var.lambda_memory_size'),
      expected: { kind: 'schema', file: 'lambda.tf', message: /unknown argument "memory_sise" \(did you mean "memory_size"\?\)/ },
    },
    {
      defect: 'a misspelled argument in a nested block',
      file: 'api.tf',
      edit: (text) => text.replace('    logging_level          = var.api_logging_level', '    loging_level           = var.api_logging_level'),
      expected: { kind: 'schema', where: 'resource "aws_api_gateway_method_settings" "this" > settings > loging_level', message: /unknown argument "loging_level"/ },
    },
    {
      defect: 'a missing required argument',
      file: 'lambda.tf',
      edit: (text) => text.replace('  role             = aws_iam_role.lambda.arn\n', ''),
      expected: { kind: 'schema', where: 'resource "aws_lambda_function" "this"', message: /missing required argument "role"/ },
    },
    {
      defect: 'a missing required block',
      file: 'api.tf',
      edit: (text) => text.replace(/\n  settings \{[^}]*\}\n/, '\n'),
      expected: { kind: 'schema', message: /missing required block "settings"/ },
    },
    {
      defect: 'a block written as an argument',
      file: 'lambda.tf',
      edit: (text) => text.replace('  tracing_config {\n    mode = var.tracing_mode\n  }', '  tracing_config = {\n    mode = var.tracing_mode\n  }'),
      expected: { kind: 'schema', message: /"tracing_config" is a block/ },
    },
    {
      defect: 'an unknown resource type',
      file: 'sns.tf',
      edit: (text) => text.replace('resource "aws_sns_topic" "this"', 'resource "aws_sns_topik" "this"'),
      expected: { kind: 'schema', message: /unknown resource type "aws_sns_topik" \(did you mean "aws_sns_topic"\?\)/ },
    },
    {
      defect: 'an unknown attribute reference',
      file: 'outputs.tf',
      edit: (text) => text.replace('aws_api_gateway_stage.this.invoke_url', 'aws_api_gateway_deployment.this.invoke_url'),
      expected: { kind: 'reference', message: /aws_api_gateway_deployment has no attribute "invoke_url"/ },
    },
    {
      defect: 'an attribute spelled the way camelCase would undo it',
      file: 'outputs.tf',
      edit: (text) => text.replace('value       = aws_iam_role.lambda.arn', 'value       = aws_lambda_function.this["createOrder"].code_sha_256'),
      expected: { kind: 'reference', message: /aws_lambda_function has no attribute "code_sha_256" \(did you mean "code_sha256"\?\)/ },
    },
    {
      defect: 'an unknown attribute of a data source',
      file: 'iam.tf',
      edit: (text) => text.replace('data.aws_iam_policy_document.lambda.json', 'data.aws_iam_policy_document.lambda.policy_json'),
      expected: { kind: 'reference', message: /aws_iam_policy_document has no attribute "policy_json"/ },
    },
    {
      defect: 'a counted resource read without its index',
      file: 'outputs.tf',
      edit: (text) => text.replace('one(aws_sns_topic.this[*].arn)', 'aws_sns_topic.this.arn'),
      expected: { kind: 'reference', message: /aws_sns_topic\.this has count, so it needs an instance key/ },
    },
    {
      defect: 'an unresolved local',
      file: 'sampling.tf',
      edit: (text) => text.replace('service_name   = local.xray_service_name', 'service_name   = local.xray_service'),
      expected: { kind: 'reference', message: /local\.xray_service is not declared \(did you mean "xray_service_name"\?\)/ },
    },
    {
      defect: 'an undeclared variable',
      file: 'lambda.tf',
      edit: (text) => text.replace('var.lambda_timeout', 'var.lambda_timeout_seconds'),
      expected: { kind: 'reference', message: /variable "lambda_timeout_seconds" is not declared/ },
    },
    {
      defect: 'an undeclared resource',
      file: 'lambda.tf',
      edit: (text) => text.replace('role             = aws_iam_role.lambda.arn', 'role             = aws_iam_role.this.arn'),
      expected: { kind: 'reference', message: /aws_iam_role\.this is not declared/ },
    },
    {
      defect: 'each outside for_each',
      file: 'sns.tf',
      edit: (text) => text.replace('name              = var.sns_topic_name', 'name              = each.key'),
      expected: { kind: 'reference', message: /each is only available in a block with for_each/ },
    },
    {
      defect: 'an unknown function',
      file: 'locals.tf',
      edit: (text) => text.replace('yamldecode(file(', 'yaml_decode(file('),
      expected: { kind: 'reference', message: /unknown function yaml_decode\(\)/ },
    },
    {
      defect: 'a variable nothing uses',
      file: 'variables.tf',
      edit: (text) => `${text}\nvariable "spare" {\n  description = "Not used"\n  type        = string\n  default     = ""\n}\n`,
      expected: { kind: 'unused', message: /variable "spare" is declared but never used/ },
    },
    {
      defect: 'a variable without a description',
      file: 'variables.tf',
      edit: (text) => text.replace('  description = "AWS region to deploy to"\n', ''),
      expected: { kind: 'style', where: 'variable "region"', message: /a variable needs a description/ },
    },
    {
      defect: 'an interpolation-only string',
      file: 'sns.tf',
      edit: (text) => text.replace('name              = var.sns_topic_name', 'name              = "${var.sns_topic_name}"'),
      expected: { kind: 'style', message: /interpolation-only string "\$\{var\.sns_topic_name\}"/ },
    },
    {
      defect: 'a misformatted file',
      file: 'lambda.tf',
      edit: (text) => text.replace('  timeout          = var.lambda_timeout', '  timeout = var.lambda_timeout'),
      expected: { kind: 'format', file: 'lambda.tf', message: /-\s+\d+:   timeout = var\.lambda_timeout\n\s+\+\s+\d+:   timeout          = var\.lambda_timeout/ },
    },
    {
      defect: 'a templatefile variable the template uses but is not passed',
      file: 'api.tf',
      edit: (text) => text.replace('lambda_invoke_arns = {', 'invoke_arns = {'),
      expected: {
        kind: 'templatefile',
        message: /openapi\.yaml uses \$\{lambda_invoke_arns\.createOrder\} but templatefile\(\) does not pass "lambda_invoke_arns" \(passes: invoke_arns\)/,
      },
    },
    {
      defect: 'a file() of a file that does not exist',
      file: 'locals.tf',
      edit: (text) => text.replace('/../openapi/openapi.yaml', '/../openapi/api.yaml'),
      expected: { kind: 'templatefile', message: /file\(\) reads \.\.\/openapi\/api\.yaml, which does not exist/ },
    },
  ];

  it.each(cases)('catches $defect', async ({ file, edit, expected }) => {
    const problems = await checkTerraform(withEdit(rendered, file, edit));
    const { message, ...rest } = expected;
    expect(problems, problemsText(problems)).toContainEqual(expect.objectContaining({ ...rest, message: expect.stringMatching(message) }));
  });

  it('catches a template the document breaks: a "${" that is not an interpolation', async () => {
    const terraformDir = copyOf(rendered);
    writeFileSync(path.join(terraformDir, '..', 'openapi', 'openapi.yaml'), `# templatefile() fills \${lambda_invoke_arns.<operationId>}\n${OPENAPI}`);
    const problems = await checkTerraform(terraformDir);
    expect(problems).toContainEqual(
      expect.objectContaining({ kind: 'templatefile', message: expect.stringMatching(/openapi\.yaml is not a valid Terraform template .*line 1, column/) }),
    );
  });

  it('reads the variables a template uses, leaving out its own for-directive names', async () => {
    const used = await templateVariables('a: ${x.y}\nb: %{ for item in list }${item.name}%{ endfor }\nc: $${literal}\n');
    expect([...used.keys()].sort()).toEqual(['list', 'x']);
    await expect(templateVariables('bad: ${x.<id>}\n')).rejects.toThrow();
  });
});

describe('the provider schemas from the jsii manifests', () => {
  it('are the AWS provider 6.66 and the archive provider', () => {
    expect(schemas.aws?.version).toBe('6.66.0');
    expect(Object.keys(schemas.aws!.resource).length).toBeGreaterThan(1500);
    expect(Object.keys(schemas.aws!.data).length).toBeGreaterThan(500);
    expect(schemas.archive?.data.archive_file).toBeDefined();
  });

  it('map jsii names back to Terraform names', async () => {
    const lambda = (await resourceSchema('resource', 'aws_lambda_function'))!;
    expect(lambda.arguments.function_name).toEqual({ required: true });
    expect(lambda.arguments.role).toEqual({ required: true });
    expect(lambda.arguments.source_code_hash).toEqual({ required: false });
    expect(lambda.blocks.tracing_config?.list).toBe(false);
    expect(lambda.blocks.tracing_config?.block.arguments.mode).toEqual({ required: true });
    expect(hasAttribute(lambda, 'invoke_arn')).toBe(true);
    expect(hasAttribute(lambda, 'invokeArn')).toBe(false);

    const deployment = (await resourceSchema('resource', 'aws_api_gateway_deployment'))!;
    for (const removed of ['stage_name', 'invoke_url', 'execution_arn']) expect(hasAttribute(deployment, removed)).toBe(false);
    const stage = (await resourceSchema('resource', 'aws_api_gateway_stage'))!;
    for (const attribute of ['invoke_url', 'execution_arn', 'xray_tracing_enabled']) expect(hasAttribute(stage, attribute)).toBe(true);
    expect(stage.blocks.access_log_settings?.block.arguments).toEqual({ destination_arn: { required: true }, format: { required: true } });

    const rule = (await resourceSchema('resource', 'aws_xray_sampling_rule'))!;
    const required = Object.entries(rule.arguments).filter(([, argument]) => argument.required).map(([name]) => name).sort();
    expect(required).toEqual(['fixed_rate', 'host', 'http_method', 'priority', 'reservoir_size', 'resource_arn', 'service_name', 'service_type', 'url_path', 'version']);

    const policy = (await resourceSchema('data', 'aws_iam_policy_document'))!;
    expect(policy.blocks.statement?.list).toBe(true);
    expect(policy.blocks.statement?.block.blocks.principals?.block.arguments.identifiers).toEqual({ required: true });
    expect(hasAttribute(policy, 'json')).toBe(true);

    const archive = (await resourceSchema('data', 'archive_file'))!;
    expect(hasAttribute(archive, 'output_base64sha256')).toBe(true);
    expect(hasAttribute(archive, 'output_base64_sha256')).toBe(false);
    expect(camelName('output_base64sha256')).toBe('outputBase64Sha256');
  });

  it('agree with the bindings\' own attribute list on every resource and data source', () => {
    // Each generated class lists its attributes as "// name - computed: x, optional: y, required: z".
    const mismatches: string[] = [];
    let attributes = 0;
    for (const [packageName, provider] of [['provider-aws', 'aws'], ['provider-archive', 'archive']] as const) {
      const lib = path.join(root, 'node_modules', '@cdktn', packageName, 'lib');
      for (const folder of readdirSync(lib)) {
        const file = path.join(lib, folder, 'index.js');
        if (!existsSync(file)) continue;
        const main = readFileSync(file, 'utf8').split('\nclass ').find((part) => /^\w+ extends cdktn\.Terraform(Resource|DataSource) /.test(part));
        if (!main) continue;
        const type = /static tfResourceType = "([a-z0-9_]+)"/.exec(main)![1]!;
        const mode = /^\w+ extends cdktn\.TerraformDataSource /.test(main) ? 'data' : 'resource';
        const schema = schemas[provider]![mode][type];
        if (!schema) {
          mismatches.push(`${mode} ${type} is missing`);
          continue;
        }
        const listed = new Set<string>();
        for (const [, name, , optional, isRequired] of main.matchAll(/\/\/ ([a-z0-9_]+) - computed: (true|false), optional: (true|false), required: (true|false)/g)) {
          attributes++;
          listed.add(name!);
          const settable = schema.arguments[name!] ?? schema.blocks[name!];
          if (!hasAttribute(schema, name!)) mismatches.push(`${type}.${name} is not readable`);
          if ((optional === 'true' || isRequired === 'true') !== !!settable) mismatches.push(`${type}.${name}: settable is ${!!settable}`);
          if (settable && settable.required !== (isRequired === 'true')) mismatches.push(`${type}.${name}: required is ${settable.required}`);
        }
        for (const name of [...Object.keys(schema.arguments), ...Object.keys(schema.blocks)]) {
          if (!listed.has(name)) mismatches.push(`${type}.${name} is not in the bindings`);
        }
      }
    }
    expect(attributes).toBeGreaterThan(20_000);
    expect(mismatches).toEqual([]);
  });
});
