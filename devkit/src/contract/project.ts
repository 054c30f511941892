// The project's settings, read at run time from the project's own files: terraform/variables.tf's defaults
// (what `terraform apply` deploys) and, over them, terraform/terraform.tfvars when the project has one.
// There is no copy of them anywhere else.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** How a project's functions are traced: the X-Ray SDK, or OpenTelemetry (`traced-api new --tracer`). */
export const TRACERS = ['xray-sdk', 'otel'] as const;
export type Tracer = (typeof TRACERS)[number];

export interface ProjectSettings {
  name: string;
  stage: string;
  region: string;
  runtime: string;
  /** Lambda tracing_config mode. */
  tracingMode: 'Active' | 'PassThrough';
  /** API Gateway stage tracing (xray_tracing_enabled): API Gateway makes the sampling decision. */
  apiTracing: boolean;
  sns: boolean;
  /** Prefix of the names of functions whose operation sets no x-traced-api.functionName. */
  namePrefix: string;
  topicName: string;
  /** The API default sampling rule: it samples every operation without a rule of its own. */
  defaultRule: { ruleName: string; priority: number; reservoirSize: number; fixedRate: number };
  lambdaTimeoutSeconds: number;
  lambdaMemoryMb: number;
}

type Value = string | number | boolean;

/** `name = value` pairs whose value is a string, number or bool literal (HCL's own syntax for them). */
function literal(text: string): Value | undefined {
  const value = text.trim();
  if (/^"(?:[^"\\$%]|\\.)*"$/.test(value)) return JSON.parse(value) as string;
  if (/^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

/** The literal defaults of the `variable` blocks of a .tf text. */
export function variableDefaults(text: string): Map<string, Value> {
  const defaults = new Map<string, Value>();
  const block = /^variable\s+"([^"]+)"\s*\{\n([\s\S]*?)^\}/gm;
  for (const [, name, body] of text.matchAll(block)) {
    const line = /^ {2}default\s*=\s*(.+)$/m.exec(body!);
    const value = line ? literal(line[1]!) : undefined;
    if (value !== undefined) defaults.set(name!, value);
  }
  return defaults;
}

/** The `name = literal` lines of a .tfvars text. */
export function tfvars(text: string): Map<string, Value> {
  const values = new Map<string, Value>();
  for (const [, name, raw] of text.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.+?)\s*$/gm)) {
    const value = literal(raw!);
    if (value !== undefined) values.set(name!, value);
  }
  return values;
}

export class SettingsError extends Error {}

export function readProjectSettings(root: string): ProjectSettings {
  const variablesFile = path.join(root, 'terraform', 'variables.tf');
  if (!existsSync(variablesFile)) throw new SettingsError(`${path.relative(process.cwd(), variablesFile) || variablesFile} not found: run this in a project written by generator-traced-api`);
  const values = variableDefaults(readFileSync(variablesFile, 'utf8'));
  const overrides = path.join(root, 'terraform', 'terraform.tfvars');
  if (existsSync(overrides)) for (const [key, value] of tfvars(readFileSync(overrides, 'utf8'))) values.set(key, value);
  const get = <T extends Value>(name: string, type: 'string' | 'number' | 'boolean'): T => {
    const value = values.get(name);
    if (typeof value !== type) throw new SettingsError(`terraform/variables.tf: variable "${name}" needs a ${type} default`);
    return value as T;
  };
  const tracingMode = get<string>('tracing_mode', 'string');
  if (tracingMode !== 'Active' && tracingMode !== 'PassThrough') throw new SettingsError(`terraform: tracing_mode is "${tracingMode}"; Active or PassThrough`);
  return {
    name: get('name', 'string'),
    stage: get('stage', 'string'),
    region: get('region', 'string'),
    runtime: get('lambda_runtime', 'string'),
    tracingMode,
    apiTracing: get('api_tracing_enabled', 'boolean'),
    sns: get('create_sns_topic', 'boolean'),
    namePrefix: get('name_prefix', 'string'),
    topicName: get('sns_topic_name', 'string'),
    defaultRule: {
      ruleName: get('default_sampling_rule_name', 'string'),
      priority: get('default_sampling_rule_priority', 'number'),
      reservoirSize: get('default_sampling_reservoir_size', 'number'),
      fixedRate: get('default_sampling_fixed_rate', 'number'),
    },
    lambdaTimeoutSeconds: get('lambda_timeout', 'number'),
    lambdaMemoryMb: get('lambda_memory_size', 'number'),
  };
}

/** The service name X-Ray gives the API stage's segments (and sampling rules match): <name>/<stage>. */
export function xrayServiceName(settings: Pick<ProjectSettings, 'name' | 'stage'>): string {
  return `${settings.name}/${settings.stage}`;
}
