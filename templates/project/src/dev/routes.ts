// The routes of openapi/openapi.yaml as API Gateway serves them, and the X-Ray sampling rules that
// Terraform makes of them (terraform/sampling.tf): one per operation with x-traced-api.sampling, plus the
// API default rule, matched by priority, lowest first.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ProjectSettings } from './project.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

export interface SamplingRule {
  ruleName: string;
  priority: number;
  reservoirSize: number;
  fixedRate: number;
  /** "*" or a method. */
  httpMethod: string;
  /** X-Ray's url_path pattern: * any characters, ? one; matched against /<stage><path>. */
  urlPath: string;
}

export interface Route {
  method: string;
  path: string;
  operationId: string;
  functionName: string;
  /** The operation's own rule, from x-traced-api.sampling. */
  rule?: SamplingRule;
  parts: string[];
}

export interface RouteTable {
  routes: Route[];
  /** Every rule that applies to the API stage, in the order X-Ray tries them. */
  rules: SamplingRule[];
  warnings: string[];
}

interface Operation {
  operationId?: unknown;
  'x-traced-api'?: { functionName?: unknown; sampling?: Record<string, unknown> };
}

const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The routes and sampling rules of an OpenAPI document (the project's, or another for tests). */
export function readRoutes(openapiPath: string, project: ProjectSettings): RouteTable {
  const document = parse(readFileSync(openapiPath, 'utf8')) as { paths?: Record<string, Record<string, Operation | undefined> | null> } | null;
  const routes: Route[] = [];
  const warnings: string[] = [];
  const rules: SamplingRule[] = [{ ...project.defaultRule, httpMethod: '*', urlPath: '*' }];
  for (const [path, item] of Object.entries(document?.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (!operation) continue;
      const name = `${method.toUpperCase()} ${path}`;
      if (typeof operation.operationId !== 'string' || operation.operationId === '') {
        warnings.push(`${name} has no operationId: it is not served (the operationId names its handler)`);
        continue;
      }
      const operationId = operation.operationId;
      const extension = operation['x-traced-api'];
      const functionName = typeof extension?.functionName === 'string' ? extension.functionName : `${project.namePrefix}-${operationId}`;
      let rule: SamplingRule | undefined;
      const sampling = extension?.sampling;
      if (sampling) {
        const reservoirSize = number(sampling.reservoirSize);
        const fixedRate = number(sampling.fixedRate);
        const priority = number(sampling.priority);
        const ruleName = typeof sampling.ruleName === 'string' ? sampling.ruleName : `${project.namePrefix}-${operationId}`;
        if (reservoirSize === undefined || reservoirSize < 0 || fixedRate === undefined || fixedRate < 0 || fixedRate > 1 || priority === undefined) {
          warnings.push(
            `${name}: x-traced-api.sampling needs priority, reservoirSize >= 0 and fixedRate from 0 to 1; the API default rule samples it instead`,
          );
        } else {
          rule = { ruleName, priority, reservoirSize, fixedRate, httpMethod: method.toUpperCase(), urlPath: `*${path.replace(/\{[^}]+\}/g, '*')}` };
          rules.push(rule);
        }
      }
      routes.push({ method: method.toUpperCase(), path, operationId, functionName, rule, parts: path.split('/').slice(1) });
    }
  }
  // X-Ray evaluates rules by priority, then by name.
  rules.sort((a, b) => a.priority - b.priority || a.ruleName.localeCompare(b.ruleName));
  return { routes, rules, warnings };
}

export type Match =
  | { route: Route; pathParameters: Record<string, string> }
  | { route?: undefined; methodNotAllowed: boolean };

/** The operation API Gateway would pick: literal path parts win over {parameters}, {greedy+} comes last. */
export function matchRoute(routes: Route[], method: string, path: string): Match {
  const parts = path.split('/').slice(1);
  let best: { route: Route; pathParameters: Record<string, string>; score: number } | undefined;
  let pathKnown = false;
  for (const route of routes) {
    const parameters = matchParts(route.parts, parts);
    if (!parameters) continue;
    pathKnown = true;
    if (route.method !== method) continue;
    const score = route.parts.reduce((sum, part) => sum + (part.startsWith('{') ? (part.endsWith('+}') ? 0 : 1) : 2), 0);
    if (!best || score > best.score) best = { route, pathParameters: parameters, score };
  }
  return best ? { route: best.route, pathParameters: best.pathParameters } : { methodNotAllowed: pathKnown };
}

function matchParts(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const greedy = /^\{(.+)\+\}$/.exec(expected);
    if (greedy) {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      parameters[greedy[1]!] = rest.map(decode).join('/');
      return parameters;
    }
    const actual = parts[i];
    if (actual === undefined) return undefined;
    const parameter = /^\{(.+)\}$/.exec(expected);
    if (parameter) {
      if (actual === '') return undefined;
      parameters[parameter[1]!] = decode(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return pattern.length === parts.length ? parameters : undefined;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
