// The routes contract's reader: which operations are served and deployed, what is reported by name, and the
// x-traced-api schema itself (valid JSON Schema, strict).
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { authSchema, extensionSchema, readRoutesFromDocument, SECURITY_SCHEMES, SUPPORTED_METHODS } from '../src/contract/routes.js';
import { tfvars, variableDefaults } from '../src/contract/project.js';

const integration = { type: 'aws_proxy', httpMethod: 'POST', uri: '${lambda_invoke_arns.x}' };
const sampling = { ruleName: 'orders-api-dev-getOrder', priority: 100, reservoirSize: 1, fixedRate: 0.05 };

describe('the x-traced-api schema', () => {
  it('is a valid JSON Schema (draft-07), compiled strictly', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    expect(ajv.validateSchema(extensionSchema), JSON.stringify(ajv.errors)).toBe(true);
    expect(() => ajv.compile(extensionSchema)).not.toThrow();
  });
});

describe('the auth schema', () => {
  it('is a valid JSON Schema (draft-07), compiled strictly, and takes the schemes the generator writes', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    expect(ajv.validateSchema(authSchema), JSON.stringify(ajv.errors)).toBe(true);
    ajv.addSchema(authSchema);
    expect(ajv.validate(`${authSchema.$id}#/definitions/apiKey`, SECURITY_SCHEMES['api-key'].scheme)).toBe(true);
    expect(ajv.validate(`${authSchema.$id}#/definitions/sigv4`, SECURITY_SCHEMES.iam.scheme)).toBe(true);
    expect(ajv.validate(`${authSchema.$id}#/definitions/apiKey`, SECURITY_SCHEMES.iam.scheme)).toBe(false);
  });
});

describe('each operation\'s auth', () => {
  const components = { securitySchemes: { api_key: SECURITY_SCHEMES['api-key'].scheme, sigv4: SECURITY_SCHEMES.iam.scheme, cognito: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'cognito_user_pools' } } };
  const read = (document: Record<string, unknown>) => readRoutesFromDocument({ components, ...document }, 'p');

  it('comes from the operation\'s security, else the document\'s, through components.securitySchemes', () => {
    const { operations, problems } = read({
      security: [{ api_key: [] }],
      paths: {
        '/a': { get: { operationId: 'getA' }, post: { operationId: 'postA', security: [{ sigv4: [] }] }, put: { operationId: 'putA', security: [] } },
      },
    });
    expect(problems).toEqual([]);
    expect(operations.map((operation) => [operation.operationId, operation.auth])).toEqual([['getA', 'api-key'], ['putA', 'none'], ['postA', 'iam']]);
  });

  it('is reported, and the operation not served, when it names a scheme the dev server cannot enforce or does not exist', () => {
    const { operations, problems } = read({
      paths: { '/a': { get: { operationId: 'getA', security: [{ cognito: [] }] }, post: { operationId: 'postA', security: [{ missing: [] }] }, put: { operationId: 'putA', security: [{ api_key: [], sigv4: [] }] } } },
    });
    expect(operations).toEqual([]);
    expect(problems.map((problem) => problem.message)).toEqual([
      'GET /a (getA): the security scheme cognito is neither an API key in the x-api-key header nor x-amazon-apigateway-authtype awsSigv4: the dev server cannot enforce it',
      'PUT /a (putA): security must be empty or one requirement naming one scheme with no scopes ([{ api_key: [] }] or [{ sigv4: [] }])',
      'POST /a (postA): security names the scheme missing, which components.securitySchemes does not declare',
    ]);
  });

  it('comes with the example request the document gives', () => {
    const { operations } = read({
      paths: {
        '/orders/{orderId}': {
          parameters: [{ name: 'orderId', in: 'path', example: 'o-1' }],
          post: { operationId: 'postOrder', requestBody: { content: { 'application/json': { schema: { type: 'object', example: { item: 'book' } } } } } },
          get: { operationId: 'getOrder' },
        },
      },
    });
    expect(operations.map((operation) => operation.example)).toEqual([{ pathParameters: { orderId: 'o-1' } }, { body: { item: 'book' }, pathParameters: { orderId: 'o-1' } }]);
  });
});

describe('readRoutesFromDocument', () => {
  it('reads every supported operation, its function name and its own rule', () => {
    const document = {
      openapi: '3.0.3',
      paths: {
        '/orders/{orderId}': {
          parameters: [{ name: 'orderId', in: 'path' }],
          summary: 'not an operation',
          get: { operationId: 'getOrder', 'x-amazon-apigateway-integration': integration, 'x-traced-api': { functionName: 'orders-api-dev-getOrder', sampling } },
          delete: { operationId: 'deleteOrder' },
        },
      },
    };
    const { operations, problems } = readRoutesFromDocument(document, 'orders-api-dev');
    expect(problems).toEqual([]);
    expect(operations).toEqual([
      { method: 'GET', path: '/orders/{orderId}', operationId: 'getOrder', pathParameters: ['orderId'], functionName: 'orders-api-dev-getOrder', sampling, auth: 'none' },
      { method: 'DELETE', path: '/orders/{orderId}', operationId: 'deleteOrder', pathParameters: ['orderId'], functionName: 'orders-api-dev-deleteOrder', auth: 'none' },
    ]);
  });

  it.each(['head', 'options', 'trace'])('reports a %s operation by name instead of dropping it', (method) => {
    const { operations, problems } = readRoutesFromDocument({ paths: { '/health': { [method]: { operationId: 'checkHealth' } } } }, 'p');
    expect(operations).toEqual([]);
    expect(problems.map((problem) => problem.message)).toEqual([
      `${method.toUpperCase()} /health (checkHealth): ${method.toUpperCase()} is not deployed (Terraform deploys ${SUPPORTED_METHODS.join(', ')}), so it is not served either`,
    ]);
  });

  it('reports an operation without an operationId, and an x-traced-api the schema refuses, naming what is wrong', () => {
    const document = {
      paths: {
        '/a': { get: {} },
        '/b': { get: { operationId: 'getB', 'x-traced-api': { sampling: { ...sampling, fixedRate: 1.5, owner: 'me' } } } },
        '/c': { post: { operationId: 'postC', 'x-traced-api': { functionName: 'x'.repeat(65) } } },
      },
    };
    const messages = readRoutesFromDocument(document, 'p').problems.map((problem) => problem.message);
    expect(messages[0]).toBe('GET /a has no operationId of letters and digits: it names the handler and the function, so the operation is not served');
    expect(messages[1]).toMatch(/^GET \/b \(getB\): x-traced-api\.sampling must NOT have additional properties; x-traced-api\.sampling\.fixedRate must be <= 1$/);
    expect(messages[2]).toMatch(/^POST \/c \(postC\): x-traced-api\.functionName must match pattern/);
  });

  it('reads a document with no paths, and refuses paths that are not a map', () => {
    expect(readRoutesFromDocument({ openapi: '3.0.3' }, 'p')).toEqual({ operations: [], problems: [] });
    expect(readRoutesFromDocument({ paths: ['/a'] }, 'p').problems).toEqual([{ where: 'paths', message: 'paths is not a map of routes' }]);
  });
});

describe("the project's settings", () => {
  it("read the literal defaults of terraform's variable blocks, and tfvars over them", () => {
    const text = [
      'variable "name" {',
      '  description = "a"',
      '  type        = string',
      '  default     = "orders-api"',
      '',
      '  validation {',
      '    condition     = length(var.name) > 0',
      '    error_message = "x"',
      '  }',
      '}',
      '',
      'variable "lambda_timeout" {',
      '  default = 10',
      '}',
      'variable "api_tracing_enabled" {',
      '  default = true',
      '}',
      'variable "tags" {',
      '  default = {}',
      '}',
    ].join('\n');
    expect([...variableDefaults(text)]).toEqual([
      ['name', 'orders-api'],
      ['lambda_timeout', 10],
      ['api_tracing_enabled', true],
    ]);
    expect([...tfvars('stage = "prod"\n# a comment\nlambda_timeout = 20\ntags = { a = 1 }\n')]).toEqual([
      ['stage', 'prod'],
      ['lambda_timeout', 20],
    ]);
  });
});

describe('LocalSns', () => {
  it('refuses to fail with a status SNS could not answer, and keeps serving', async () => {
    const { LocalSns } = await import('../src/local/local-sns.js');
    const sns = await LocalSns.start();
    try {
      expect(() => sns.failWith({ status: 99999 })).toThrow('failWith status 99999: SNS answers errors with 400 to 599');
      expect(() => sns.failWith({ status: 200 })).toThrow(RangeError);
      const response = await fetch(sns.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At&Message=m' });
      expect(response.status).toBe(200);
    } finally {
      await sns.stop();
    }
  });
});
