// The routes of openapi/openapi.yaml as API Gateway serves them, and the X-Ray sampling rules that
// Terraform makes of them (terraform/sampling.tf): one per operation with x-traced-api.sampling, plus the
// API default rule, matched by priority, lowest first. The document is read by the one reader of the
// routes contract (../contract/routes.ts).
import { readRoutes as readContract, urlPathPattern, type Operation } from '../contract/routes.js';
import type { ProjectSettings } from '../contract/project.js';
import { Sampler, SamplingCounts } from './sampling.js';

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

export interface Route extends Operation {
  /** The operation's own rule, from x-traced-api.sampling. */
  rule?: SamplingRule;
  parts: string[];
}

export interface RouteTable {
  routes: Route[];
  /** Every rule that applies to the API stage, in the order X-Ray tries them. */
  rules: SamplingRule[];
  /** Operations in the document that are not served, each named with the reason. */
  warnings: string[];
}

/** The routes and sampling rules of an OpenAPI document (the project's, or another for tests). */
export function readRoutes(openapiPath: string, project: ProjectSettings): RouteTable {
  const { operations, problems } = readContract(openapiPath, project.namePrefix);
  const rules: SamplingRule[] = [{ ...project.defaultRule, httpMethod: '*', urlPath: '*' }];
  const routes = operations.map((operation): Route => {
    const rule = operation.sampling && {
      ruleName: operation.sampling.ruleName,
      priority: operation.sampling.priority,
      reservoirSize: operation.sampling.reservoirSize,
      fixedRate: operation.sampling.fixedRate,
      httpMethod: operation.method,
      urlPath: urlPathPattern(operation.path),
    };
    if (rule) rules.push(rule);
    return { ...operation, rule, parts: operation.path.split('/').slice(1) };
  });
  // X-Ray evaluates rules by priority, then by name.
  rules.sort((a, b) => a.priority - b.priority || a.ruleName.localeCompare(b.ruleName));
  return { routes, rules, warnings: problems.map((problem) => problem.message) };
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

/** The routes being served and the sampler of their rules; reload() swaps both when the document changes. */
export class ServedRoutes {
  private readonly openapiPath: string;
  private readonly project: ProjectSettings;
  private readonly random?: () => number;
  /** What the rules matched and sampled, kept across reloads (GetSamplingStatisticSummaries under /_xray). */
  readonly counts = new SamplingCounts();
  table: RouteTable;
  sampler: Sampler;

  constructor(openapiPath: string, project: ProjectSettings, random?: () => number) {
    this.openapiPath = openapiPath;
    this.project = project;
    this.random = random;
    this.table = readRoutes(openapiPath, project);
    this.sampler = new Sampler(this.table.rules, random, Date.now, this.counts);
  }

  /** Reads the document again; throws (keeping the routes served so far) when it cannot. */
  reload(): RouteTable {
    const table = readRoutes(this.openapiPath, this.project);
    [this.table, this.sampler] = [table, new Sampler(table.rules, this.random, Date.now, this.counts)];
    return table;
  }
}
