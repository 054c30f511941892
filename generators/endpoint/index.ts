// `yo traced-api:endpoint [method] [path]`: adds one route end to end (operation in the OpenAPI
// document, handler, test, sampling rule); Terraform picks it up from the document.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Generator from 'yeoman-generator';
import type { Document as YamlDocument } from 'yaml';
import type { EndpointConfig, ProjectConfig } from '../../lib/config.js';
import { InputError } from '../../lib/errors.js';
import { addOperation, checkNewEndpoint, listOperations, parseOpenApi, type Operation } from '../../lib/openapi.js';
import { addOperationFast, findIndex, indexOf, operationOf, saveIndex, type OpenApiIndex } from '../../lib/openapi-index.js';
import { endpointOptions, type EndpointValues } from '../../lib/options.js';
import { CONFIG_KEY, endpointConfig, projectConfig } from '../../lib/project.js';
import { operationIdFor, samplingRuleName } from '../../lib/names.js';
import { DEFAULT_EXPECTED_RPS, describeEstimate, estimateRule, samplingWarnings } from '../../lib/sampling.js';
import { apiDefaultRule, applyMoves, movedOperations, planPriorities, type PriorityPlan } from '../../lib/sampling-rules.js';
import { endpointFiles } from '../../lib/templates.js';
import { loadVersions, templatesRoot } from '../../lib/versions.js';
import { canAsk, gather, optionValue, registerOptions } from '../../lib/yeoman.js';
import type { HttpMethod } from '../../lib/config.js';

const OPENAPI = 'openapi/openapi.yaml';

/** The nearest folder, from here up, whose .yo-rc.json belongs to this generator. */
function projectRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, '.yo-rc.json');
    if (existsSync(file) && readFileSync(file, 'utf8').includes(`"${CONFIG_KEY}"`)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The new rule's priority and the generator's own numbers it moves (lib/sampling-rules.ts). */
function priorityPlan(project: ProjectConfig, operations: Operation[], values: Partial<EndpointValues>, priority?: number): PriorityPlan {
  const { names, defaultRulePriority } = project;
  const method = values.method as HttpMethod;
  const operationId = String(values.name ?? operationIdFor(method, String(values.path)));
  // The route's own faults (a duplicate, a clashing parameter) are told before any about its rule's place.
  const route = { method, path: String(values.path), operationId, publish: false, reservoir: 0, fixedRate: 0, priority: Number.NaN };
  checkNewEndpoint(operations, endpointConfig(project, route));
  const ruleName = samplingRuleName(names.prefix, operationId);
  const api = { defaultRule: apiDefaultRule(names.defaultRule, defaultRulePriority), stage: project.stage };
  return planPriorities(operations, { method, path: String(values.path), ruleName, priority }, api);
}

export default class EndpointGenerator extends Generator {
  declare project: ProjectConfig;
  declare document: string;
  declare parsed: YamlDocument | undefined;
  declare index: OpenApiIndex | undefined;
  declare nextIndex: OpenApiIndex | undefined;
  declare operations: Operation[];
  declare endpoint: EndpointConfig;
  declare expectedRps: number;
  declare priorities: PriorityPlan;

  constructor(args: string[], options: any) {
    super(args, options);
    registerOptions(this, endpointOptions);
    this.option('quiet', { type: Boolean, hide: true, description: 'Print no estimate (used when the app generator adds its example)' });
    this.sourceRoot(templatesRoot);
  }

  initializing() {
    // Like git, work from the project's root when run from one of its folders.
    if (!this.fs.exists(this.destinationPath('.yo-rc.json'))) {
      const root = projectRoot(this.destinationRoot());
      if (root) this.destinationRoot(root);
    }
    const stored = this.fs.readJSON(this.destinationPath('.yo-rc.json')) as Record<string, any> | undefined;
    const answers = stored?.[CONFIG_KEY];
    if (!answers || !this.fs.exists(this.destinationPath(OPENAPI))) {
      throw new InputError(
        `${this.destinationRoot()} is not a generated traced-api project (no .yo-rc.json with "${CONFIG_KEY}" and ${OPENAPI}): run this inside a project made by \`yo traced-api\`.`,
      );
    }
    this.project = projectConfig(answers, loadVersions());
    this.document = this.fs.read(this.destinationPath(OPENAPI))!;
    // The document as this generator last wrote it needs no parse (lib/openapi-index.ts); otherwise it
    // is parsed once, here, and edited in writing().
    this.index = findIndex(this.document, (this.options as { openapiIndex?: OpenApiIndex }).openapiIndex);
    this.parsed = this.index ? undefined : parseOpenApi(this.document, OPENAPI);
    this.operations = this.index ? this.index.operations : listOperations(this.parsed!, this.project.names.prefix);
  }

  async prompting() {
    const project = this.project;
    const values = await gather<EndpointValues>(this, endpointOptions, {
      name: (v) => operationIdFor(String(v.method), String(v.path)),
      expectedRps: () => DEFAULT_EXPECTED_RPS,
      reservoir: () => project.reservoir,
      fixedRate: () => project.fixedRate,
      // What is wrong with the route itself comes first; then its rule's place among the others.
      priority: (v) => priorityPlan(project, this.operations, v as Partial<EndpointValues>).priority,
      publish: () => project.sns,
    });
    if (values.publish && !project.sns) {
      throw new InputError('--publish needs an SNS topic, and this project was generated with --no-sns: use --no-publish.');
    }
    this.expectedRps = values.expectedRps;
    const answers = {
      method: values.method as HttpMethod,
      path: values.path,
      operationId: values.name,
      publish: values.publish,
      reservoir: values.reservoir,
      fixedRate: values.fixedRate,
    };
    // A priority the user gave (or typed over the one offered) is the user's; otherwise the generator's.
    const offered = priorityPlan(project, this.operations, values).priority;
    const userPriority = optionValue(this, 'priority') !== undefined || values.priority !== offered ? values.priority : undefined;
    this.priorities = priorityPlan(project, this.operations, values, userPriority);
    this.endpoint = endpointConfig(project, {
      ...answers,
      priority: this.priorities.priority,
      priorityChosenByGenerator: this.priorities.chosenByGenerator,
    });
    this.operations = movedOperations(this.operations, this.priorities.moves);
    checkNewEndpoint(this.operations, this.endpoint);
    this.refuseSilentOverwrite();
  }

  /** A handler or test already on disk is the user's: without a terminal to ask, only --force replaces it. */
  private refuseSilentOverwrite() {
    if (canAsk(this) || optionValue(this, 'force')) return;
    for (const file of endpointFiles(this.endpoint)) {
      if (this.fs.exists(this.destinationPath(file.target))) {
        throw new InputError(`${file.target} already exists and would be overwritten: move it away, or pass --force to replace it.`);
      }
    }
  }

  writing() {
    const { endpoint } = this;
    const summary = `${endpoint.method} ${endpoint.path}${endpoint.publish ? ', publishing an event to SNS' : ''}`;
    const document = this.destinationPath(OPENAPI);
    // Moving other rules' priorities edits their operations: the parsing path.
    const fast = this.index && this.priorities.moves.length === 0 && addOperationFast(this.document, this.index, endpoint, summary);
    if (fast) {
      this.fs.write(document, fast.text);
      this.nextIndex = fast.index;
    } else {
      const doc = this.parsed ?? parseOpenApi(this.document, OPENAPI);
      applyMoves(doc, this.priorities.moves);
      const text = addOperation(doc, endpoint, summary);
      this.fs.write(document, text);
      this.nextIndex = indexOf(doc, text, [...this.operations, operationOf(endpoint)]);
    }
    // An edit of the parsed document that keeps every line of the user's: not a conflict to ask about.
    (this.env.sharedFs.get(document) as { conflicter?: string }).conflicter = 'force';
    const data = { ...this.project, endpoint };
    for (const file of endpointFiles(endpoint)) {
      this.renderTemplate(file.template, file.target, data);
    }
  }

  end() {
    // The document is on disk now: the next run can skip its parse.
    if (this.nextIndex) saveIndex(this.nextIndex);
    if (optionValue(this, 'quiet')) return;
    const { endpoint } = this;
    const rules = this.operations.filter((op) => op.sampling).length + 2; // the new rule and the API default rule
    this.log(
      [
        '',
        `Added ${endpoint.method} ${endpoint.path} (${endpoint.operationId}): src/handlers/${endpoint.operationId}.ts, its test, and sampling rule ` +
          `${endpoint.sampling.ruleName} (priority ${endpoint.sampling.priority}, reservoir ${endpoint.sampling.reservoirSize}/s, fixed rate ${endpoint.sampling.fixedRate}).`,
        ...this.priorities.moves.map((move) => `Renumbered the sampling rule of ${move.method} ${move.path}: priority ${move.from} -> ${move.priority} (narrower routes first).`),
        ...this.priorities.alreadyHidden.map((line) => `Warning: ${line} (set by hand in ${OPENAPI}).`),
        describeEstimate('Its X-Ray cost on its own', estimateRule({ reservoir: endpoint.sampling.reservoirSize, fixedRate: endpoint.sampling.fixedRate }, this.expectedRps)),
        ...samplingWarnings(rules, this.project.apiTracing),
        'Next: npm run build && npm test, then npm run deploy.',
        '',
      ].join('\n'),
    );
  }
}
