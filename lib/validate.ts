// Every answer and option is parsed here: a value comes back normalised, or an InputError names the
// value and what is allowed.
import { AUTH_TYPES, HTTP_METHODS, RUNTIMES, SAMPLING_RULE_CHOICES, TRACERS, TRACING_MODES, type Auth, type HttpMethod, type Runtime, type SamplingRuleChoice, type Tracer, type TracingMode } from './config.js';
import { InputError } from './errors.js';

const show = (value: unknown) => JSON.stringify(String(value));

export function parseProjectName(value: unknown): string {
  const name = String(value ?? '').trim();
  if (!/^[a-z0-9-]{1,40}$/.test(name) || name.startsWith('-') || name.endsWith('-')) {
    throw new InputError(
      `Project name ${show(value)} is not allowed: use 1-40 lowercase letters, digits and dashes, not starting or ending with a dash (e.g. orders-api).`,
    );
  }
  return name;
}

export function parseDescription(value: unknown): string {
  const text = String(value ?? '').trim();
  if (text.length === 0 || text.length > 200 || /[\r\n]/.test(text)) {
    throw new InputError(`Description ${show(value)} is not allowed: use one line of 1-200 characters.`);
  }
  return text;
}

export function parseRegion(value: unknown): string {
  const region = String(value ?? '').trim();
  if (!/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/.test(region)) {
    throw new InputError(`Region ${show(value)} is not an AWS region name: use one like us-east-1 or eu-west-1.`);
  }
  return region;
}

export function parseStage(value: unknown): string {
  const stage = String(value ?? '').trim();
  if (!/^[A-Za-z0-9_]{1,20}$/.test(stage)) {
    throw new InputError(`Stage ${show(value)} is not allowed: use 1-20 letters, digits or underscores (e.g. dev, prod).`);
  }
  return stage;
}

function oneOf<T extends string>(what: string, allowed: readonly T[], value: unknown): T {
  const text = String(value ?? '').trim();
  const found = allowed.find((option) => option.toLowerCase() === text.toLowerCase());
  if (!found) throw new InputError(`${what} ${show(value)} is not allowed: use one of ${allowed.join(', ')}.`);
  return found;
}

export const parseRuntime = (value: unknown): Runtime => oneOf('Runtime', RUNTIMES, value);
export const parseTracingMode = (value: unknown): TracingMode => oneOf('Tracing mode', TRACING_MODES, value);
export const parseTracer = (value: unknown): Tracer => oneOf('Tracer', TRACERS, value);
export const parseAuth = (value: unknown): Auth => oneOf('Auth', AUTH_TYPES, value);
export const parseMethod = (value: unknown): HttpMethod => oneOf('Method', HTTP_METHODS, value);

/** A share of requests, as a fraction (0.05) or a percentage (5%); always returned as a fraction. */
export function parseRate(value: unknown, what = 'Fixed rate'): number {
  const text = String(value ?? '').trim();
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  const rate = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(rate >= 0 && rate <= 1)) {
    throw new InputError(`${what} ${show(value)} is not allowed: use a fraction from 0 to 1 (0.05) or a percentage from 0% to 100% (5%).`);
  }
  return Number(rate.toFixed(6));
}

export function parseReservoir(value: unknown): number {
  const text = String(value ?? '').trim();
  const reservoir = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(reservoir >= 0 && reservoir <= 100_000)) {
    throw new InputError(`Reservoir ${show(value)} is not allowed: use a whole number of traces per second from 0 to 100000.`);
  }
  return reservoir;
}

export function parsePriority(value: unknown): number {
  const text = String(value ?? '').trim();
  const priority = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(priority >= 1 && priority <= 9999)) {
    throw new InputError(`Priority ${show(value)} is not allowed: use a whole number from 1 to 9999 (lower wins).`);
  }
  return priority;
}

export function parseSamplingRule(value: unknown): SamplingRuleChoice {
  return oneOf('Sampling rule', SAMPLING_RULE_CHOICES, value);
}

export function parseRuleLimit(value: unknown): number {
  const text = String(value ?? '').trim();
  const limit = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= 10_000)) {
    throw new InputError(`Sampling rule limit ${show(value)} is not allowed: use a whole number of rules from 1 to 10000 (X-Ray's default quota is 25 per region).`);
  }
  return limit;
}

export function parseExpectedRps(value: unknown): number {
  const text = String(value ?? '').trim();
  const rps = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(rps >= 0 && rps <= 1_000_000)) {
    throw new InputError(`Expected requests per second ${show(value)} is not allowed: use a number from 0 to 1000000.`);
  }
  return rps;
}

export function parseOperationId(value: unknown): string {
  const id = String(value ?? '').trim();
  if (/^[A-Za-z][A-Za-z0-9]{64,}$/.test(id)) {
    throw new InputError(
      `Name ${show(value)} is ${id.length} characters, and an operationId holds at most 64: choose a shorter one with --name (e.g. --name ${id.slice(0, 24)}).`,
    );
  }
  if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(id)) {
    throw new InputError(
      `Name ${show(value)} is not allowed: an operationId is 1-64 letters and digits starting with a letter (e.g. getOrdersById).`,
    );
  }
  return id;
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const STATIC_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** A route, OpenAPI style: "/orders/{orderId}/items". Returns it with its path parameters. */
export function parsePath(value: unknown): { path: string; pathParameters: string[] } {
  const path = String(value ?? '').trim();
  const problem = pathProblem(path);
  if (problem) {
    throw new InputError(
      `Path ${show(value)} is not allowed: ${problem}. Use an OpenAPI route such as /orders or /orders/{orderId}/items.`,
    );
  }
  const pathParameters = path
    .split('/')
    .map((segment) => PARAM.exec(segment)?.[1])
    .filter((name): name is string => name !== undefined);
  return { path, pathParameters };
}

function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'it must start with "/"';
  if (path.length > 120) return `it is ${path.length} characters, longer than the 120 allowed: choose a shorter route (the handler's name comes from it, or from --name)`;
  let depth = 0;
  for (const char of path) {
    depth += char === '{' ? 1 : char === '}' ? -1 : 0;
    if (depth < 0 || depth > 1) return 'its braces { } are unbalanced';
  }
  if (depth !== 0) return 'its braces { } are unbalanced';
  if (path === '/') return undefined;
  if (path.endsWith('/')) return 'it must not end with "/"';
  const segments = path.slice(1).split('/');
  if (segments.some((segment) => segment === '')) return 'it has an empty segment ("//")';
  const seen = new Set<string>();
  for (const segment of segments) {
    const param = PARAM.exec(segment)?.[1];
    if (param) {
      if (seen.has(param)) return `the path parameter {${param}} appears twice`;
      seen.add(param);
    } else if (segment.includes('{') || segment.includes('}')) {
      return `the segment "${segment}" must be a whole {parameter} with a name of letters, digits and underscores`;
    } else if (segment === '.' || segment === '..') {
      return `the segment "${segment}" is a dot segment, which clients and API Gateway resolve away`;
    } else if (!STATIC_SEGMENT.test(segment)) {
      return `the segment "${segment}" may hold only letters, digits and . _ ~ -`;
    }
  }
  return undefined;
}

/** The words a boolean option takes as its value (`--sns=no`), and nothing else. */
export const BOOLEAN_WORDS = { true: ['true', 'yes', 'on', '1'], false: ['false', 'no', 'off', '0'] } as const;

export function parseBoolean(what: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value ?? '').trim().toLowerCase();
  if ((BOOLEAN_WORDS.true as readonly string[]).includes(text)) return true;
  if ((BOOLEAN_WORDS.false as readonly string[]).includes(text)) return false;
  throw new InputError(`${what} ${show(value)} is not allowed: use ${[...BOOLEAN_WORDS.true, ...BOOLEAN_WORDS.false].join(', ')}.`);
}
