// THE reader of the routes contract: the operations of openapi/openapi.yaml and their `x-traced-api`
// extension. The generator, the dev server, `npm run traces`, the project's tests and (in HCL) Terraform
// read the same document; everything but Terraform reads it through this module.
import { Ajv, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import schema from './x-traced-api.schema.json' with { type: 'json' };

/** The methods an operation may have and be deployed: terraform/locals.tf's http_methods (a test proves they agree). */
export const SUPPORTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type SupportedMethod = (typeof SUPPORTED_METHODS)[number];
/** Every key of an OpenAPI 3 path item that is an operation. */
export const OPENAPI_OPERATION_KEYS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export const EXTENSION = 'x-traced-api';
export const extensionSchema = schema;

export interface SamplingSettings {
  ruleName: string;
  priority: number;
  reservoirSize: number;
  fixedRate: number;
  /** The generator chose this priority (and may renumber it); a person's priority is kept. */
  priorityChosen?: boolean;
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
      operations.push({
        method: method as SupportedMethod,
        path,
        operationId,
        pathParameters: pathParametersOf(path),
        functionName: extension.functionName ?? `${namePrefix}-${operationId}`,
        ...(extension.sampling ? { sampling: extension.sampling } : {}),
      });
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
