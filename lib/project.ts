// What a project and an endpoint look like, from the user's answers: the one place to read it.
import type { Auth, EndpointConfig, HttpMethod, ProjectAnswers, ProjectConfig, Tracer, Versions } from './config.js';
import { DEFAULT_RULE_PRIORITY } from './config.js';
import { functionName, projectNames, samplingRuleName, stateBucketPrefix } from './names.js';
import { parsePath } from './validate.js';
import { hclString } from './terraform-text.js';

export const CONFIG_KEY = 'generator-traced-api';

export function projectConfig(answers: ProjectAnswers, versions: Versions): ProjectConfig {
  return {
    ...answers,
    names: projectNames(answers.name, answers.stage),
    defaultRulePriority: DEFAULT_RULE_PRIORITY,
    versions,
  };
}

/** What terraform/bootstrap and the stages' backend files are written with. */
export function bootstrapTerraform(project: Pick<ProjectConfig, 'name' | 'region' | 'transactionSearch' | 'versions'>) {
  const prefix = stateBucketPrefix(project.name);
  return {
    providers: project.transactionSearch ? project.versions.terraform.transaction_search_providers : project.versions.terraform.providers,
    stateBucketPrefix: prefix,
    // The bootstrap's state_bucket output, but for the account id, which only AWS knows.
    stateBucket: `${prefix}-ACCOUNT_ID-${project.region}`,
  };
}

/** Each action a workflow uses, as `uses:` takes it: pinned to a commit, its version in a comment. */
export function pinnedActions(versions: Pick<Versions, 'github_actions'>): Record<string, string> {
  return Object.fromEntries(Object.entries(versions.github_actions).map(([action, { sha, version }]) => [action, `${action}@${sha} # ${version}`]));
}

export interface EndpointAnswers {
  method: HttpMethod;
  path: string;
  operationId: string;
  publish: boolean;
  reservoir: number;
  fixedRate: number;
  priority: number;
  auth: Auth;
  /** The generator chose the priority (recorded, so that it may renumber it later). */
  priorityChosenByGenerator?: boolean;
  /** false: no rule of its own, the API default rule samples the route. */
  ownRule?: boolean;
}

export function endpointConfig(project: Pick<ProjectConfig, 'names'>, answers: EndpointAnswers): EndpointConfig {
  return {
    method: answers.method,
    path: answers.path,
    operationId: answers.operationId,
    pathParameters: parsePath(answers.path).pathParameters,
    publish: answers.publish,
    functionName: functionName(project.names.prefix, answers.operationId),
    ...(answers.ownRule === false
      ? {}
      : {
          sampling: {
            ruleName: samplingRuleName(project.names.prefix, answers.operationId),
            priority: answers.priority,
            ...(answers.priorityChosenByGenerator ? { generatorPriority: answers.priority } : {}),
            reservoirSize: answers.reservoir,
            fixedRate: answers.fixedRate,
          },
        }),
    auth: answers.auth,
  };
}

/** Each tracer in the user's words. */
export const TRACER_NAMES: Record<Tracer, string> = { 'xray-sdk': 'X-Ray SDK', otel: 'OpenTelemetry' };

const sortedByName = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));

/** The functions' environment variables in Terraform (lambda.tf), `=` aligned as terraform fmt aligns them. */
export function lambdaEnvironment(project: Pick<ProjectConfig, 'tracer'>): string[] {
  const variables: [string, string][] = [['LOG_LEVEL', 'var.log_level']];
  // The X-Ray SDK's own setting: a traced call outside an invocation logs instead of throwing.
  if (project.tracer === 'xray-sdk') variables.push(['AWS_XRAY_CONTEXT_MISSING', '"LOG_ERROR"']);
  const width = Math.max(...variables.map(([name]) => name.length));
  return variables.map(([name, value]) => `${name.padEnd(width)} = ${value}`);
}

/** What the project's templates receive beside the project: values derived from it, computed here, not in a template. */
export function projectTemplateData(project: ProjectConfig) {
  return {
    ...project,
    lambdaEnvironment: lambdaEnvironment(project),
    tracerName: TRACER_NAMES[project.tracer],
    bootstrap: bootstrapTerraform(project),
    actions: pinnedActions(project.versions),
    hcl: hclString,
  };
}

/** The generated package.json: versions from dependency-versions, never "latest". */
export function packageJsonFor(project: ProjectConfig): Record<string, unknown> {
  return {
    name: project.name,
    version: '0.1.0',
    private: true,
    description: project.description,
    type: 'module',
    engines: { node: project.versions.node },
    scripts: {
      build: 'node scripts/build.mjs',
      typecheck: 'tsc --noEmit',
      test: 'npm run build && vitest run',
      dev: 'traced-api-devkit dev',
      traces: 'traced-api-devkit traces',
      // After a deploy: every route answers and its trace reaches X-Ray whole.
      verify: 'traced-api-devkit verify',
      // Once per account and region: the state bucket, API Gateway's CloudWatch role, the CI roles.
      bootstrap: 'traced-api-devkit bootstrap',
      // --stage <name> (default: the stage the project was made with): the stage's backend and values files.
      plan: 'npm run build && traced-api-devkit plan',
      deploy: 'npm run build && traced-api-devkit deploy',
      destroy: 'npm run build && traced-api-devkit destroy',
      // Terraform's own tests (terraform/tests/): a mock AWS provider, plans only.
      'test:infra': 'npm run build && terraform -chdir=terraform init -backend=false -input=false && terraform -chdir=terraform test',
    },
    dependencies: sortedByName({ ...project.versions.dependencies, ...project.versions.tracers[project.tracer] }),
    devDependencies: project.versions.devDependencies,
  };
}
