// `yo traced-api:endpoint [method] [path]`: adds one route end to end (operation in the OpenAPI
// document, handler, test, sampling rule); Terraform picks it up from the document.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import Generator from 'yeoman-generator';
import type { Document as YamlDocument } from 'yaml';
import { stringify } from 'yaml';
import { commitFiles, JOURNAL_FILE, recoverInterruptedRun, withProjectLock } from '../../lib/commit.js';
import type { EndpointConfig, ProjectAnswers, ProjectConfig } from '../../lib/config.js';
import { InputError } from '../../lib/errors.js';
import {
  addOperation, checkNewEndpoint, documentStyle, inStyle, listOperations, operationFor, parseOpenApi, withStyle, type DocumentStyle, type Operation,
} from '../../lib/openapi.js';
import { addOperationFast, findIndex, indexOf, operationOf, saveIndex, type OpenApiIndex } from '../../lib/openapi-index.js';
import { endpointOptions, parseStoredAnswers, type EndpointValues } from '../../lib/options.js';
import { CONFIG_KEY, endpointConfig, projectConfig } from '../../lib/project.js';
import { operationIdFor, samplingRuleName } from '../../lib/names.js';
import { DEFAULT_EXPECTED_RPS, describeEstimate, estimateRule, samplingWarnings, whoSamples } from '../../lib/sampling.js';
import { SAMPLING_RULE_QUOTA } from '../../lib/config.js';
import { forTerminal } from 'traced-api-devkit';
import { apiDefaultRule, applyMoves, movedOperations, planPriorities, type PriorityPlan } from '../../lib/sampling-rules.js';
import { endpointFiles } from '../../lib/templates.js';
import { loadVersions, templatesRoot } from '../../lib/versions.js';
import { refuseUnwritable } from '../../lib/writable.js';
import { canAsk, gather, isDryRun, optionValue, pendingFiles, refuseUnknownOptions, registerOptions } from '../../lib/yeoman.js';
import type { Auth, HttpMethod } from '../../lib/config.js';

const OPENAPI = 'openapi/openapi.yaml';
/** Where an endpoint run writes: the project's root (lock, journal), the document's folder, the handler's and its test's. */
const WRITTEN_FOLDERS = ['.', 'openapi', 'src/handlers', 'test/handlers'];
/** Files every project of every version has: one missing means a run of an older version was interrupted. */
const PROJECT_FILES = ['package.json', 'terraform/versions.tf', 'terraform/variables.tf', 'terraform/api.tf', 'terraform/lambda.tf', 'terraform/iam.tf', 'terraform/sampling.tf', 'terraform/outputs.tf'];

/** The nearest folder, from here up, whose .yo-rc.json belongs to this generator. */
function projectRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, '.yo-rc.json');
    if (existsSync(file) && readFileSync(file, 'utf8').includes(`"${CONFIG_KEY}"`)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The new rule's priority and the generator's own numbers it moves (lib/sampling-rules.ts). */
function priorityPlan(project: ProjectConfig, operations: Operation[], values: Partial<EndpointValues>, priority?: number, refuse = true): PriorityPlan {
  const { names, defaultRulePriority } = project;
  const method = values.method as HttpMethod;
  const operationId = String(values.name ?? operationIdFor(method, String(values.path)));
  // The route's own faults (a duplicate, a clashing parameter) are told before any about its rule's place.
  const route = { method, path: String(values.path), operationId, publish: false, reservoir: 0, fixedRate: 0, priority: Number.NaN, auth: 'none' as const };
  checkNewEndpoint(operations, endpointConfig(project, route));
  const ruleName = samplingRuleName(names.prefix, operationId);
  const api = { defaultRule: apiDefaultRule(names.defaultRule, defaultRulePriority), stage: project.stage };
  return planPriorities(operations, { method, path: String(values.path), ruleName, priority }, api, refuse);
}

export default class EndpointGenerator extends Generator {
  declare project: ProjectConfig;
  declare document: string;
  declare style: DocumentStyle;
  declare body: string;
  declare parsed: YamlDocument | undefined;
  declare index: OpenApiIndex | undefined;
  declare nextIndex: OpenApiIndex | undefined;
  declare operations: Operation[];
  declare endpoint: EndpointConfig;
  declare expectedRps: number;
  /** The priority the user gave (or typed over the one offered); undefined when the generator chooses. */
  declare userPriority: number | undefined;
  declare priorities: PriorityPlan;
  /** Run by `new` for its example endpoint, into a project nobody else sees yet: `new` commits it. */
  declare insideNew: boolean;

  constructor(args: string[], options: any) {
    super(args, options);
    registerOptions(this, endpointOptions);
    this.option('quiet', { type: Boolean, hide: true, description: 'Print no estimate (used when the app generator adds its example)' });
    this.sourceRoot(templatesRoot);
    this.insideNew = options?.insideNew === true;
    // Only the methods named after Yeoman's run loop are tasks; the others are this class's helpers.
    this.setFeatures({ tasksMatchingPriority: true, ...(this.insideNew ? {} : { customCommitTask: () => this.commit(), customInstallTask: true }) });
  }

  async initializing() {
    if (!this.insideNew) refuseUnknownOptions(this, 'traced-api endpoint');
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
    this.project = projectConfig(parseStoredAnswers(answers) as ProjectAnswers, loadVersions());
    const root = this.destinationRoot();
    // The lock, the journal and the files sit in these folders: one it cannot write in is said before any question.
    if (!this.insideNew && !isDryRun(this)) refuseUnwritable(WRITTEN_FOLDERS.map((folder) => join(root, folder)), 'traced-api endpoint');
    if (!this.insideNew && !isDryRun(this) && existsSync(join(root, JOURNAL_FILE))) {
      const note = await withProjectLock(root, () => recoverInterruptedRun(root), { onWait: (message) => this.log(message) });
      if (note) this.log(note);
    }
    this.readDocument(this.fs.read(this.destinationPath(OPENAPI))!, (this.options as { openapiIndex?: OpenApiIndex }).openapiIndex);
    if (!this.insideNew) this.refuseIncompleteProject();
  }

  /** The document as it is now; the style the user wrote it in is kept when it is written back. */
  private readDocument(text: string, given?: OpenApiIndex) {
    this.document = text;
    ({ style: this.style, body: this.body } = documentStyle(text));
    // The document as this generator last wrote it needs no parse (lib/openapi-index.ts); otherwise it
    // is parsed once, here, and edited when the run commits.
    this.index = this.style.json ? undefined : findIndex(this.body, given);
    this.parsed = this.index ? undefined : parseOpenApi(this.body, OPENAPI);
    this.operations = this.index ? this.index.operations : listOperations(this.parsed!, this.project.names.prefix);
  }

  /**
   * A project an interrupted run of an older version left half-written is named, never built upon:
   * files every project has are missing (refused), or operations have no handler (named: an operation
   * written by hand may be waiting for its handler).
   */
  private refuseIncompleteProject() {
    const missing = PROJECT_FILES.filter((file) => !existsSync(this.destinationPath(file)));
    if (missing.length > 0) {
      throw new InputError(
        `${this.destinationRoot()} is incomplete: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing, as an interrupted run of an older traced-api leaves it. ` +
          'Restore them (or generate the project again with `traced-api new` and bring your changes over) before adding endpoints.',
      );
    }
    const handlerless = this.operations.filter((op) => !existsSync(this.destinationPath(`src/handlers/${op.operationId}.ts`)));
    if (handlerless.length > 0) {
      this.log(
        `Note: ${forTerminal(handlerless.map((op) => `${op.method} ${op.path} (${op.operationId})`).join(', '), 2000)} ${handlerless.length === 1 ? 'has' : 'have'} no handler in src/handlers/ ` +
          '(an interrupted run of an older traced-api leaves an operation so): write it, or remove the operation, before you deploy.',
      );
    }
  }

  async prompting() {
    const project = this.project;
    const values = await gather<EndpointValues>(this, endpointOptions, {
      name: (v) => operationIdFor(String(v.method), String(v.path)),
      // A rule of its own while the project is under its limit; past it, the API default rule.
      samplingRule: (v) => (this.ruleCount() < Number(v.samplingRuleLimit) ? 'own' : 'api'),
      expectedRps: () => DEFAULT_EXPECTED_RPS,
      reservoir: () => project.reservoir,
      fixedRate: () => project.fixedRate,
      // What is wrong with the route itself comes first; then its rule's place among the others.
      priority: (v) => priorityPlan(project, this.operations, v as Partial<EndpointValues>, undefined, false).priority,
      publish: () => project.sns,
      auth: () => project.auth,
    });
    if (values.publish && !project.sns) {
      throw new InputError('--publish needs an SNS topic, and this project was generated with --no-sns: use --no-publish.');
    }
    if (values.samplingRule === 'own' && this.ruleCount() >= values.samplingRuleLimit) {
      throw new InputError(
        `${values.method} ${values.path} would be rule ${this.ruleCount() + 1} of this project, past its limit of ${values.samplingRuleLimit} sampling rules (--sampling-rule-limit, the API default rule included). ` +
          `X-Ray allows ${SAMPLING_RULE_QUOTA} custom rules per region by default, shared by every project in the account. ` +
          'Use --sampling-rule api to have the API default rule sample it; or raise the quota (Service Quotas), then pass --sampling-rule-limit <n> and set sampling_rule_quota in terraform/variables.tf to match.',
      );
    }
    this.expectedRps = values.expectedRps;
    this.values = values;
    this.sampledByDefaultRule = values.samplingRule === 'api' ? (optionValue(this, 'sampling-rule') === undefined ? 'limit' : 'asked') : undefined;
    // A priority the user gave (or typed over the one offered) is the user's; otherwise the generator's.
    const offered = values.samplingRule === 'own' ? priorityPlan(project, this.operations, values, undefined, false).priority : undefined;
    this.userPriority = optionValue(this, 'priority') !== undefined || values.priority !== offered ? values.priority : undefined;
    this.planEndpoint();
    if (!this.insideNew) await this.refuseSilentOverwrite();
  }

  declare values: EndpointValues;
  declare committedOnce: boolean;
  /** No rule of its own: the user asked for the API default rule, or the project is at its limit. */
  declare sampledByDefaultRule: 'asked' | 'limit' | undefined;

  /** The sampling rules the project has: one per name (operations may share one), and the API default rule. */
  private ruleCount(): number {
    return new Set(this.operations.flatMap((op) => (op.sampling ? [op.sampling.ruleName] : []))).size + 1;
  }

  /** The endpoint, its rule's priority and the generator's numbers it moves, from the answers and the document as read. */
  private planEndpoint() {
    const { values, project } = this;
    const ownRule = values.samplingRule === 'own';
    this.priorities = ownRule ? priorityPlan(project, this.operations, values, this.userPriority) : { priority: 0, chosenByGenerator: false, moves: [], alreadyHidden: [] };
    this.endpoint = endpointConfig(project, {
      method: values.method as HttpMethod,
      path: values.path,
      operationId: values.name,
      publish: values.publish,
      reservoir: values.reservoir,
      fixedRate: values.fixedRate,
      priority: this.priorities.priority,
      auth: values.auth as Auth,
      priorityChosenByGenerator: this.priorities.chosenByGenerator,
      ownRule,
    });
    this.operations = movedOperations(this.operations, this.priorities.moves);
    checkNewEndpoint(this.operations, this.endpoint);
  }

  /** A handler or test already on disk is the user's: it is replaced with --force, or when the user says so. */
  private async refuseSilentOverwrite() {
    if (optionValue(this, 'force')) return;
    for (const file of endpointFiles(this.endpoint)) {
      if (!existsSync(this.destinationPath(file.target))) continue;
      if (canAsk(this) && !optionValue(this, 'yes')) {
        const { overwrite } = await this.prompt([{ type: 'confirm', name: 'overwrite', message: `${file.target} already exists: replace it?`, default: false }]);
        if (overwrite) continue;
      }
      throw new InputError(`${file.target} already exists and would be overwritten: move it away, or pass --force to replace it.`);
    }
  }

  private get summary() {
    const { endpoint } = this;
    const auth = { none: '', 'api-key': ', for callers with an API key', iam: ', for SigV4-signed callers (IAM)' }[endpoint.auth];
    return `${endpoint.method} ${endpoint.path}${endpoint.publish ? ', publishing an event to SNS' : ''}${auth}`;
  }

  writing() {
    const data = { ...this.project, endpoint: this.endpoint };
    for (const file of endpointFiles(this.endpoint)) {
      this.renderTemplate(file.template, file.target, data);
    }
    // Inside `new`, nobody else sees the project yet: the document is edited now and `new` commits it all.
    if (this.insideNew) this.fs.write(this.destinationPath(OPENAPI), this.editedDocument());
  }

  /** The document with the endpoint's operation added, in the user's style. */
  private editedDocument(): string {
    const { endpoint, summary } = this;
    // Moving other rules' priorities edits their operations: the parsing path.
    const fast = this.index && this.priorities.moves.length === 0 && addOperationFast(this.body, this.index, endpoint, summary);
    if (fast) {
      this.nextIndex = fast.index;
      return withStyle(this.style, fast.text);
    }
    const doc = this.parsed ?? parseOpenApi(this.body, OPENAPI);
    applyMoves(doc, this.priorities.moves);
    const text = addOperation(doc, endpoint, summary);
    if (!this.style.json) this.nextIndex = indexOf(doc, text, [...this.operations, operationOf(endpoint)]);
    return inStyle(this.style, doc, text);
  }

  /**
   * Yeoman's commit, replaced: under the project's lock, the document is read again (another run may
   * have added an operation since this one read it), the checks run again on it, and every file is
   * written all or nothing (lib/commit.ts), the document last.
   */
  private async commit() {
    // Yeoman queues its commit again when a file changes during it, as the document does here: once is all.
    if (this.committedOnce) return;
    this.committedOnce = true;
    const root = this.destinationRoot();
    const document = this.destinationPath(OPENAPI);
    if (isDryRun(this)) return this.printPlan();
    const wait = { onWait: (message: string) => this.log(message) };
    await withProjectLock(root, () => {
      const note = recoverInterruptedRun(root);
      if (note) this.log(note);
      const text = readFileSync(document, 'utf8');
      if (text !== this.document) {
        this.readDocument(text);
        this.planEndpoint();
      }
      this.fs.write(document, this.editedDocument());
      const { writes, committed } = pendingFiles(this);
      // The document last: once it names the operation, the operation's handler is there.
      writes.sort((a, b) => Number(a.path === document) - Number(b.path === document));
      const replaced = writes.map((write) => existsSync(write.path));
      commitFiles(root, writes);
      committed();
      // Said once it is true, in plain words: which files are new, which were replaced, what the document gained.
      const cwd = (this.env as { logCwd?: string }).logCwd ?? root;
      writes.forEach((write, i) => {
        const shown = relative(cwd, write.path);
        if (write.path === document) this.log(`   change ${shown}: added ${this.endpoint.method} ${this.endpoint.path} (${this.endpoint.operationId})`);
        else if (replaced[i]) this.log(`  replace ${shown} (--force)`);
        else this.log.create(shown);
      });
    }, wait);
  }

  /** --dry-run: what the run would create or change, and nothing written. */
  private printPlan() {
    const lines = endpointFiles(this.endpoint).map((file) =>
      `${existsSync(this.destinationPath(file.target)) ? 'would replace' : 'would create'} ${file.target}`,
    );
    const operation = stringify({ [this.endpoint.path]: { [this.endpoint.method.toLowerCase()]: operationFor(this.endpoint, this.summary) } }, { lineWidth: 0 });
    lines.push(`would change ${OPENAPI}: add under paths`, ...operation.trimEnd().split('\n').map((line) => `    ${line}`));
    lines.push('Nothing was written (--dry-run).');
    this.log(lines.join('\n'));
    const { committed } = pendingFiles(this);
    committed();
  }

  end() {
    if (isDryRun(this)) return;
    // The document is on disk now: the next run can skip its parse.
    if (this.nextIndex) saveIndex(this.nextIndex);
    if (optionValue(this, 'quiet')) return;
    const { endpoint, project } = this;
    // The API default rule included, and the new route's own rule (this.operations holds the routes before it).
    const rules = this.ruleCount() + (endpoint.sampling ? 1 : 0);
    const sampling = endpoint.sampling;
    const lines = sampling
      ? [
          `Added ${endpoint.method} ${endpoint.path} (${endpoint.operationId}): src/handlers/${endpoint.operationId}.ts, its test, and sampling rule ` +
            `${sampling.ruleName} (priority ${sampling.priority}, reservoir ${sampling.reservoirSize}/s, fixed rate ${sampling.fixedRate}).`,
          ...this.priorities.moves.map((move) => `Renumbered the sampling rule of ${move.method} ${forTerminal(move.path, 200)}: priority ${move.from} -> ${move.priority} (narrower routes first).`),
          ...this.priorities.alreadyHidden.map((line) => `Warning: ${forTerminal(line)} (set by hand in ${OPENAPI}).`),
          // A rule acts only where API Gateway samples: otherwise its estimate would be of traces nobody records.
          ...(whoSamples(project) !== 'api-gateway' ? [] : [describeEstimate('Its X-Ray cost on its own', estimateRule({ reservoir: sampling.reservoirSize, fixedRate: sampling.fixedRate }, this.expectedRps))]),
        ]
      : [
          `Added ${endpoint.method} ${endpoint.path} (${endpoint.operationId}): src/handlers/${endpoint.operationId}.ts and its test, sampled by the API default rule ` +
            `${project.names.defaultRule} (no rule of its own${this.sampledByDefaultRule === 'limit' ? `: the project has ${rules} sampling rules, its limit (--sampling-rule-limit)` : ''}).`,
        ];
    this.log(['', ...lines, ...samplingWarnings(rules, project), 'Next: npm run build && npm test, then npm run deploy.', ''].join('\n'));
  }
}
