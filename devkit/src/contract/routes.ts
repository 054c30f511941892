// THE reader of the routes contract: the operations of openapi/openapi.yaml and their `x-traced-api`
// extension. The generator, the dev server, `npm run traces`, the project's tests and (in HCL) Terraform
// read the same document; everything but Terraform reads it through this module.
import { Ajv, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import schema from './x-traced-api.schema.json' with { type: 'json' };
import authSchemaJson from './auth.schema.json' with { type: 'json' };

/** The methods an operation may have and be deployed: terraform/locals.tf's http_methods (a test proves they agree). */
export const SUPPORTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type SupportedMethod = (typeof SUPPORTED_METHODS)[number];
/** Every key of an OpenAPI 3 path item that is an operation. */
export const OPENAPI_OPERATION_KEYS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export const EXTENSION = 'x-traced-api';
export const extensionSchema = schema;
export const authSchema = authSchemaJson;

/** Who may call an operation, as API Gateway enforces it: anyone, a caller with an API key of the stage's usage plan, or a SigV4-signed caller allowed execute-api:Invoke. */
export const AUTH_TYPES = ['none', 'api-key', 'iam'] as const;
export type Auth = (typeof AUTH_TYPES)[number];
/** The security scheme each auth is written as in components.securitySchemes (what API Gateway reads). */
export const SECURITY_SCHEMES = {
  'api-key': { name: 'api_key', scheme: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
  iam: { name: 'sigv4', scheme: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' } },
} as const;

export interface SamplingSettings {
  ruleName: string;
  priority: number;
  reservoirSize: number;
  fixedRate: number;
  /** The priority as the generator chose it: while `priority` equals it, the generator may renumber the rule; a person's priority is kept. */
  generatorPriority?: number;
}

export interface Operation {
  method: SupportedMethod;
  path: string;
  operationId: string;
  pathParameters: string[];
  /** From x-traced-api.functionName, or <namePrefix>-<operationId>. */
  functionName: string;
  /** The operation's own rule, when x-traced-api.sampling is set. */
  sampling?: SamplingSettings;
  /** From the operation's security (or the document's), through components.securitySchemes. */
  auth: Auth;
  /** What the document gives as an example request (`npm run verify` sends it): the JSON body, and a value per path parameter. */
  example?: { body?: unknown; pathParameters?: Record<string, string> };
}

/** The example of a request body or parameter: its own `example`, else its schema's. */
const exampleOf = (holder: unknown): unknown => {
  const value = holder as { example?: unknown; schema?: { example?: unknown } } | undefined;
  return value?.example ?? value?.schema?.example;
};

/** The examples the document gives for an operation's request: the JSON body, and the path parameters' values. */
function requestExample(item: Record<string, unknown>, operation: Record<string, unknown>): Operation['example'] {
  const body = exampleOf((operation.requestBody as { content?: Record<string, unknown> } | undefined)?.content?.['application/json']);
  const pathParameters: Record<string, string> = {};
  const parameters = [item.parameters, operation.parameters].flatMap((list) => (Array.isArray(list) ? list : [])) as { name?: unknown; in?: unknown }[];
  for (const parameter of parameters) {
    const value = exampleOf(parameter);
    if (parameter?.in === 'path' && typeof parameter.name === 'string' && (typeof value === 'string' || typeof value === 'number')) pathParameters[parameter.name] = String(value);
  }
  if (body === undefined && Object.keys(pathParameters).length === 0) return undefined;
  return { ...(body !== undefined ? { body } : {}), ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}) };
}

export interface Problem {
  /** "HEAD /orders", or the path alone. */
  where: string;
  message: string;
}

export interface Routes {
  operations: Operation[];
  /** Operations this reader does not serve or deploy (unsupported methods, no operationId, a bad extension), named. */
  problems: Problem[];
}

// Compiled on first use, without checking the schema against JSON Schema's meta-schema at run time (a test does
// that): the generator's bin starts without the ~70 ms this would cost.
let validator: ValidateFunction | undefined;
const validateExtension = (value: unknown) => {
  validator ??= new Ajv({ allErrors: true, validateSchema: false }).compile(schema);
  return validator(value);
};
const extensionErrors = () => validator?.errors ?? [];

let authAjv: Ajv | undefined;
const authValidator = (ref: '' | '#/definitions/apiKey' | '#/definitions/sigv4') => {
  authAjv ??= new Ajv({ allErrors: true, validateSchema: false, schemas: [authSchemaJson] });
  return authAjv.getSchema(`${authSchemaJson.$id}${ref}`)!;
};

/** The operation's auth, or why it cannot be read: security names one scheme the document declares as an API key or SigV4. */
export function authOf(operation: Record<string, unknown>, document: unknown): Auth | string {
  const security = operation.security ?? (document as { security?: unknown } | null)?.security ?? [];
  if (!authValidator('')(security)) return 'security must be empty or one requirement naming one scheme with no scopes ([{ api_key: [] }] or [{ sigv4: [] }])';
  const requirement = (security as Record<string, unknown>[])[0];
  if (!requirement) return 'none';
  const name = Object.keys(requirement)[0]!;
  const schemes = (document as { components?: { securitySchemes?: Record<string, unknown> } } | null)?.components?.securitySchemes;
  const scheme = schemes && typeof schemes === 'object' ? schemes[name] : undefined;
  if (scheme === undefined) return `security names the scheme ${name}, which components.securitySchemes does not declare`;
  if (authValidator('#/definitions/sigv4')(scheme)) return 'iam';
  if (authValidator('#/definitions/apiKey')(scheme)) return 'api-key';
  return `the security scheme ${name} is neither an API key in the x-api-key header nor x-amazon-apigateway-authtype awsSigv4: the dev server cannot enforce it`;
}

export const pathParametersOf = (path: string) => [...path.matchAll(/\{([^}]+?)\+?\}/g)].map((match) => match[1]!);

/** The routes of a parsed OpenAPI document. namePrefix names the functions whose operation sets none. */
export function readRoutesFromDocument(document: unknown, namePrefix: string): Routes {
  const operations: Operation[] = [];
  const problems: Problem[] = [];
  const paths = (document as { paths?: unknown } | null)?.paths;
  if (paths !== undefined && paths !== null && (typeof paths !== 'object' || Array.isArray(paths))) {
    return { operations, problems: [{ where: 'paths', message: 'paths is not a map of routes' }] };
  }
  for (const [path, item] of Object.entries((paths ?? {}) as Record<string, unknown>)) {
    if (!item || typeof item !== 'object') continue;
    for (const key of OPENAPI_OPERATION_KEYS) {
      const operation = (item as Record<string, unknown>)[key] as Record<string, unknown> | undefined;
      if (!operation) continue;
      const method = key.toUpperCase();
      const where = `${method} ${path}`;
      if (!(SUPPORTED_METHODS as readonly string[]).includes(method)) {
        problems.push({
          where,
          message: `${where}${typeof operation.operationId === 'string' ? ` (${operation.operationId})` : ''}: ${method} is not deployed (Terraform deploys ${SUPPORTED_METHODS.join(', ')}), so it is not served either`,
        });
        continue;
      }
      const operationId = operation.operationId;
      if (typeof operationId !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(operationId)) {
        problems.push({ where, message: `${where} has no operationId of letters and digits: it names the handler and the function, so the operation is not served` });
        continue;
      }
      const extension = (operation[EXTENSION] ?? {}) as { functionName?: string; sampling?: SamplingSettings };
      if (!validateExtension(extension)) {
        const detail = extensionErrors().map((error) => `${EXTENSION}${error.instancePath.replace(/\//g, '.')} ${error.message}`).join('; ');
        problems.push({ where, message: `${where} (${operationId}): ${detail}` });
        continue;
      }
      const auth = authOf(operation, document);
      if (!(AUTH_TYPES as readonly string[]).includes(auth)) {
        problems.push({ where, message: `${where} (${operationId}): ${auth}` });
        continue;
      }
      operations.push({
        method: method as SupportedMethod,
        path,
        operationId,
        pathParameters: pathParametersOf(path),
        functionName: extension.functionName ?? `${namePrefix}-${operationId}`,
        ...(extension.sampling ? { sampling: extension.sampling } : {}),
        auth: auth as Auth,
      });
      const example = requestExample(item as Record<string, unknown>, operation);
      if (example) operations.at(-1)!.example = example;
    }
  }
  return { operations, problems };
}

/** The routes of the OpenAPI document at `file` (YAML or JSON). */
export function readRoutes(file: string, namePrefix: string): Routes {
  return readRoutesFromDocument(parse(readFileSync(file, 'utf8')), namePrefix);
}

/** X-Ray's url_path pattern of a route: each {parameter} as *, after * for the stage prefix. */
export function urlPathPattern(path: string): string {
  return `*${path.replace(/\{[^}]+\}/g, '*')}`;
}
