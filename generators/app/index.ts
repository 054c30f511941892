// `yo traced-api [name]`: gathers the answers, writes the project, and adds the example endpoint
// through the endpoint generator, so both share one code path.
import { existsSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Generator from 'yeoman-generator';
import { commitNewProject, removeStaleStaging } from '../../lib/commit.js';
import type { ProjectAnswers, ProjectConfig } from '../../lib/config.js';
import { InputError } from '../../lib/errors.js';
import { escapeTerraformTemplate, hclString } from '../../lib/terraform-text.js';
import { appOptions, type AppValues } from '../../lib/options.js';
import { packageJsonFor, projectConfig, projectTemplateData, TRACER_NAMES } from '../../lib/project.js';
import { costParagraph, describeEstimate, projectEstimate, samplingWarnings, tracingStatement } from '../../lib/sampling.js';
import { loadVersions, templatesRoot } from '../../lib/versions.js';
import { refuseUnwritable } from '../../lib/writable.js';
import { gather, isDryRun, optionValue, pendingFiles, refuseUnknownOptions, registerOptions } from '../../lib/yeoman.js';
import { OPENAPI_SKELETON, projectFiles } from '../../lib/templates.js';
import { skeletonIndex } from '../../lib/openapi-index.js';
import EndpointGenerator from '../endpoint/index.js';

/** How often a running npm install says that it still runs. */
const INSTALL_TICK_MS = 10_000;

/** The example endpoint every new project starts with. */
export const EXAMPLE_ENDPOINT = { method: 'POST', path: '/orders', name: 'createOrder' } as const;

export default class AppGenerator extends Generator {
  declare project: ProjectConfig;
  declare committedOnce: boolean;

  constructor(args: string[], options: any) {
    super(args, options);
    registerOptions(this, appOptions);
    this.sourceRoot(templatesRoot);
    // The project is written whole by commit(); `npm install` is install()'s, not the environment's.
    // Only the methods named after Yeoman's run loop are tasks; the others are this class's helpers.
    this.setFeatures({ tasksMatchingPriority: true, customCommitTask: () => this.commit(), customInstallTask: true });
  }

  initializing() {
    refuseUnknownOptions(this, 'traced-api new');
    // The project is staged and renamed into place here: a folder it cannot write in is said before any question.
    if (!isDryRun(this)) refuseUnwritable([this.destinationRoot()], 'traced-api new');
  }

  async prompting() {
    const values = await gather<AppValues>(this, appOptions);
    const target = this.destinationPath(values.name);
    if (existsSync(target) && readdirSync(target).length > 0) {
      throw new InputError(`Folder ./${values.name}/ already exists and is not empty: choose another project name or remove the folder.`);
    }
    if (!isDryRun(this)) removeStaleStaging(target);
    this.project = projectConfig(values as ProjectAnswers, loadVersions());
  }

  async configuring() {
    this.destinationRoot(this.destinationPath(this.project.name));
    const { names, defaultRulePriority, versions, ...answers } = this.project;
    this.config.set({ ...answers, defaultRulePriority });
    // The document exists before the endpoint generator runs: it reads the project as a user's would be.
    const templateSafe = { description: escapeTerraformTemplate(this.project.description) };
    this.renderTemplate(OPENAPI_SKELETON.template, OPENAPI_SKELETON.target, { ...this.project, templateSafe });
    const skeleton = this.fs.read(this.destinationPath(OPENAPI_SKELETON.target))!;
    // The class itself, already loaded (yeoman-generator takes { Generator, path } here; its types list a path only).
    const endpoint = { Generator: EndpointGenerator, path: fileURLToPath(new URL('../endpoint/index.js', import.meta.url)) };
    // Awaited: its tasks are queued before this run loop moves on to writing and committing.
    await this.composeWith(endpoint as unknown as string, {
      generatorArgs: [EXAMPLE_ENDPOINT.method, EXAMPLE_ENDPOINT.path],
      generatorOptions: {
        name: EXAMPLE_ENDPOINT.name,
        publish: this.project.sns,
        auth: this.project.auth,
        yes: true,
        quiet: true,
        insideNew: true,
        skipInstall: true,
        destinationRoot: this.destinationRoot(),
        // What the endpoint generator would parse the skeleton for (lib/openapi-index.ts).
        openapiIndex: skeletonIndex(skeleton),
      } as Record<string, unknown>,
    });
  }

  writing() {
    const tracing = { statement: tracingStatement(this.project), cost: costParagraph(this.project) };
    const data = { ...projectTemplateData(this.project), tracing, exampleOperationId: EXAMPLE_ENDPOINT.name };
    for (const file of projectFiles(this.project)) {
      // Only .ejs files are templates: the others are copied as they are, without an EJS pass.
      if (file.template.endsWith('.ejs')) this.renderTemplate(file.template, file.target, data);
      else this.copyTemplate(file.template, file.target);
    }
    this.fs.writeJSON(this.destinationPath('package.json'), packageJsonFor(this.project));
  }

  /**
   * Yeoman's commit, replaced: the project is written into a hidden folder beside ./<name>/ and
   * renamed into place whole, so an interrupted run leaves no half project (lib/commit.ts).
   */
  private commit() {
    // Yeoman queues its commit again when a file changes during it: once is all.
    if (this.committedOnce) return;
    this.committedOnce = true;
    const root = this.destinationRoot();
    const { writes, committed } = pendingFiles(this);
    const shown = (path: string) => relative((this.env as { logCwd?: string }).logCwd ?? process.cwd(), path);
    if (isDryRun(this)) {
      this.log([...writes.map((write) => `would create ${shown(write.path)}`), 'Nothing was written (--dry-run).'].join('\n'));
    } else {
      commitNewProject(root, writes);
      for (const write of writes) this.log.create(shown(write.path));
    }
    committed();
  }

  async install() {
    if (optionValue(this, 'skip-install') || isDryRun(this)) return;
    // npm prints nothing until it is done: say that it runs, and that it still does, so that the wait is not silent.
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 1000);
    this.log(`\nRunning npm install in ${this.project.name}/ (a minute or so; --skip-install skips it)...`);
    const ticking = setInterval(() => this.log(`  npm install: still running, ${seconds()} s`), INSTALL_TICK_MS);
    try {
      await this.spawn('npm', ['install', '--no-audit', '--no-fund'], { cwd: this.destinationRoot() });
    } finally {
      clearInterval(ticking);
    }
    this.log(`npm install done in ${seconds()} s.`);
  }

  end() {
    if (isDryRun(this)) return;
    const projected = projectEstimate(this.project);
    const lines = [
      '',
      `Created ${this.project.name}/: a traced API on API Gateway (REST) + Lambda (${this.project.runtime}, tracing ${this.project.tracingMode}, ${TRACER_NAMES[this.project.tracer]})` +
        `${this.project.sns ? ' + SNS' : ''}, all in Terraform, with the example endpoint ${EXAMPLE_ENDPOINT.method} ${EXAMPLE_ENDPOINT.path}.`,
      tracingStatement(this.project),
      ...(projected ? [describeEstimate(projected.what, projected.estimate)] : []),
      '',
      'Next:',
      `  cd ${this.project.name}`,
      ...(optionValue(this, 'skip-install') ? ['  npm install'] : []),
      '  npm run build && npm test',
      `  npm run deploy -- --stage ${this.project.stage}          # after the bootstrap: see the README, "First deploy"`,
      '  npx -p generator-traced-api traced-api endpoint GET /orders/{orderId}   # or: yo traced-api:endpoint GET /orders/{orderId}',
      '',
    ];
    this.log(lines.join('\n'));
  }
}
