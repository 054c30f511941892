// What a project and an endpoint look like, from the user's answers: the one place to read it.
import type { Auth, EndpointConfig, HttpMethod, ProjectAnswers, ProjectConfig, Versions } from './config.js';
import { DEFAULT_RULE_PRIORITY } from './config.js';
import { functionName, projectNames, samplingRuleName } from './names.js';
import { parsePath } from './validate.js';

export const CONFIG_KEY = 'generator-traced-api';

export function projectConfig(answers: ProjectAnswers, versions: Versions): ProjectConfig {
  return {
    ...answers,
    names: projectNames(answers.name, answers.stage),
    defaultRulePriority: DEFAULT_RULE_PRIORITY,
    versions,
  };
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
      deploy: 'npm run build && terraform -chdir=terraform init && terraform -chdir=terraform apply',
      // Terraform's own tests (terraform/tests/): a mock AWS provider, plans only.
      'test:infra': 'npm run build && terraform -chdir=terraform init -backend=false -input=false && terraform -chdir=terraform test',
    },
    dependencies: project.versions.dependencies,
    devDependencies: project.versions.devDependencies,
  };
}
