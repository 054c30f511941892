// The one typed object every template receives (docs/design.md describes it).
import { AUTH_TYPES as CONTRACT_AUTH_TYPES, SUPPORTED_METHODS, TRACERS, type Auth, type Tracer } from 'traced-api-devkit';

/** The methods an endpoint may have: those the routes contract's reader serves and Terraform deploys. */
export const HTTP_METHODS = SUPPORTED_METHODS;
export type HttpMethod = (typeof HTTP_METHODS)[number];
/** Who may call the API: the routes contract's kinds of auth. */
export const AUTH_TYPES = CONTRACT_AUTH_TYPES;
export type { Auth };
export const RUNTIMES = ['nodejs22.x', 'nodejs24.x'] as const;
export type Runtime = (typeof RUNTIMES)[number];
export const TRACING_MODES = ['Active', 'PassThrough'] as const;
export { TRACERS, type Tracer };
export type TracingMode = (typeof TRACING_MODES)[number];

/** Endpoint rules take priorities ahead of (below) the API default rule's. */
export const DEFAULT_RULE_PRIORITY = 9000;
/** First priority handed to an endpoint rule when the user does not choose one. */
export const FIRST_ENDPOINT_PRIORITY = 100;
/** X-Ray's default quota of custom sampling rules per region. */
export const SAMPLING_RULE_QUOTA = 25;
/** From this many rules (the API default rule included) a project warns that it nears the quota. */
export const SAMPLING_RULE_WARNING = SAMPLING_RULE_QUOTA - 5;
/** Which rule samples a new route: one of its own, or the API default rule (no rule added). */
export const SAMPLING_RULE_CHOICES = ['own', 'api'] as const;
export type SamplingRuleChoice = (typeof SAMPLING_RULE_CHOICES)[number];

export interface Versions {
  dependencies: Record<string, string>;
  /** What each tracer adds to the project's dependencies. */
  tracers: Record<Tracer, Record<string, string>>;
  devDependencies: Record<string, string>;
  terraform: {
    /** The Terraform CLI the project's workflows install. */
    cli: string;
    required_version: string;
    providers: Record<string, { source: string; version: string }>;
    /** The providers of a root that turns on Transaction Search (its resources need a newer AWS provider). */
    transaction_search_providers: Record<string, { source: string; version: string }>;
  };
  node: string;
  /**
   * Written from a checkout of this repository (before a release): the devkit tarball that checkout packed, which the
   * project installs instead of the published devkit. A list of none or one, so the project's README loops over it.
   */
  devkitFromCheckout: { tarball: string; version: string }[];
  /** The GitHub Actions the project's workflows use, each pinned to a full commit SHA. */
  github_actions: Record<string, { sha: string; version: string }>;
}

/** What the user answered for the project; stored in .yo-rc.json. */
export interface ProjectAnswers {
  name: string;
  description: string;
  region: string;
  stage: string;
  runtime: Runtime;
  tracer: Tracer;
  tracingMode: TracingMode;
  apiTracing: boolean;
  reservoir: number;
  fixedRate: number;
  sns: boolean;
  /** Each new endpoint's auth unless `endpoint --auth` says otherwise. */
  auth: Auth;
  /** terraform/bootstrap turns on CloudWatch Transaction Search. */
  transactionSearch: boolean;
}

export interface ProjectNames {
  prefix: string;
  role: string;
  topic: string;
  defaultRule: string;
}

export interface ProjectConfig extends ProjectAnswers {
  names: ProjectNames;
  defaultRulePriority: number;
  versions: Versions;
}

export interface SamplingSettings {
  ruleName: string;
  priority: number;
  /** The priority as the generator chose it: while `priority` equals it, the generator may renumber the rule. */
  generatorPriority?: number;
  reservoirSize: number;
  fixedRate: number;
}

export interface EndpointConfig {
  method: HttpMethod;
  path: string;
  operationId: string;
  pathParameters: string[];
  publish: boolean;
  functionName: string;
  /** The route's own rule; absent when the API default rule samples it (--sampling-rule api). */
  sampling?: SamplingSettings;
  auth: Auth;
}
