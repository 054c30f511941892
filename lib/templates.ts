// Which template renders to which file: the generator picks variant files here, so templates keep
// to loops and interpolation.
import { readdirSync } from 'node:fs';
import type { EndpointConfig, ProjectConfig, Tracer } from './config.js';
import { templatesRoot } from './versions.js';

export interface TemplateFile {
  /** Relative to templates/. */
  template: string;
  /** Relative to the project's root. */
  target: string;
}

/** Files written from one template or another, as the project has SNS or not and by its tracer (none: not written). */
const VARIANTS: { target: string; sns: Record<Tracer, string>; noSns?: Record<Tracer, string> }[] = [
  {
    target: 'test/tracing.test.ts',
    sns: { 'xray-sdk': 'project/test/tracing.test.ts.ejs', otel: 'project/test/tracing-otel.test.ts.ejs' },
    noSns: { 'xray-sdk': 'project/test/tracing-no-sns.test.ts.ejs', otel: 'project/test/tracing-otel-no-sns.test.ts.ejs' },
  },
  // A project without SNS has no SNS client.
  { target: 'src/lib/sns.ts', sns: { 'xray-sdk': 'project/src/lib/sns.ts', otel: 'project/src/lib/sns.ts' } },
];
/** Files by the project's tracer. */
const TRACER_FILES: Record<Tracer, TemplateFile[]> = {
  'xray-sdk': [{ template: 'project/src/lib/tracing.ts', target: 'src/lib/tracing.ts' }],
  otel: [
    { template: 'project/src/lib/tracing-otel.ts', target: 'src/lib/tracing.ts' },
    { template: 'project/src/lib/xray-udp-exporter.ts', target: 'src/lib/xray-udp-exporter.ts' },
  ],
};
/** Files only a project that made a choice has: Transaction Search's resources need AWS provider 6. */
const CHOICE_FILES: { when: (project: ProjectConfig) => boolean; files: TemplateFile[] }[] = [
  {
    when: (project) => project.transactionSearch,
    files: [
      { template: 'terraform/bootstrap/transaction-search.tf', target: 'terraform/bootstrap/transaction-search.tf' },
      { template: 'terraform/bootstrap/tests/transaction-search.tftest.hcl', target: 'terraform/bootstrap/tests/transaction-search.tftest.hcl' },
    ],
  },
];
const VARIANT_TEMPLATES = new Set([
  ...VARIANTS.flatMap((variant) => [...Object.values(variant.sns), ...Object.values(variant.noSns ?? {})]),
  ...Object.values(TRACER_FILES).flatMap((files) => files.map((file) => file.template)),
  ...CHOICE_FILES.flatMap((choice) => choice.files.map((file) => file.template)),
]);

/** The stage's own files (terraform/stages/stage.*) are named after the stage the project is made with. */
const STAGE_FILE = /^terraform\/stages\/stage\./;

function walk(folder: string): string[] {
  return readdirSync(`${templatesRoot}/${folder}`, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `${entry.parentPath.slice(templatesRoot.length + 1)}/${entry.name}`.replace(/\\/g, '/'))
    .sort();
}

export function targetName(relative: string): string {
  return relative
    .replace(/\.ejs$/, '')
    .split('/')
    .map((part) => (part.startsWith('_') ? `.${part.slice(1)}` : part))
    .join('/');
}

let cachedProjectTemplates: string[] | undefined;

/** The OpenAPI document as a new project starts it, before its example endpoint is added. */
export const OPENAPI_SKELETON: TemplateFile = { template: 'openapi/openapi.yaml.ejs', target: 'openapi/openapi.yaml' };

/** Every other project-level file: project/ and terraform/. */
export function projectFiles(project: ProjectConfig): TemplateFile[] {
  cachedProjectTemplates ??= [...walk('project'), ...walk('terraform')];
  const files = cachedProjectTemplates
    .filter((template) => !VARIANT_TEMPLATES.has(template))
    .map((template) => {
      const [folder, ...rest] = template.split('/');
      const relative = targetName(rest.join('/'));
      const target = folder === 'project' ? relative : `${folder}/${relative}`;
      return { template, target: target.replace(STAGE_FILE, `terraform/stages/${project.stage}.`) };
    });
  for (const variant of VARIANTS) {
    const template = (project.sns ? variant.sns : variant.noSns)?.[project.tracer];
    if (template) files.push({ template, target: variant.target });
  }
  return [...files, ...TRACER_FILES[project.tracer], ...CHOICE_FILES.flatMap((choice) => (choice.when(project) ? choice.files : []))];
}

/** The handler and its test for one endpoint. */
export function endpointFiles(endpoint: EndpointConfig): TemplateFile[] {
  const variant = endpoint.publish ? 'handler-publish' : 'handler';
  return [
    { template: `handlers/${variant}.ts.ejs`, target: `src/handlers/${endpoint.operationId}.ts` },
    { template: `handlers/${variant}.test.ts.ejs`, target: `test/handlers/${endpoint.operationId}.test.ts` },
  ];
}
