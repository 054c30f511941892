// Which template renders to which file: the generator picks variant files here, so templates keep
// to loops and interpolation.
import { readdirSync } from 'node:fs';
import type { EndpointConfig, ProjectConfig } from './config.js';
import { templatesRoot } from './versions.js';

export interface TemplateFile {
  /** Relative to templates/. */
  template: string;
  /** Relative to the project's root. */
  target: string;
}

/** Files written from one template or another (or only), as a choice of the project is on or off. */
const VARIANTS: { target: string; when: (project: ProjectConfig) => boolean; on: string; off?: string }[] = [
  { target: 'test/tracing.test.ts', when: (project) => project.sns, on: 'project/test/tracing.test.ts.ejs', off: 'project/test/tracing-no-sns.test.ts.ejs' },
  // A project without SNS has no SNS client.
  { target: 'src/lib/sns.ts', when: (project) => project.sns, on: 'project/src/lib/sns.ts' },
  // Its resources need AWS provider 6: only a project that chose it has them.
  { target: 'terraform/bootstrap/transaction-search.tf', when: (project) => project.transactionSearch, on: 'terraform/bootstrap/transaction-search.tf' },
  { target: 'terraform/bootstrap/tests/transaction-search.tftest.hcl', when: (project) => project.transactionSearch, on: 'terraform/bootstrap/tests/transaction-search.tftest.hcl' },
];
const VARIANT_TEMPLATES = new Set(VARIANTS.flatMap((variant) => [variant.on, variant.off ?? []].flat()));

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
    const template = variant.when(project) ? variant.on : variant.off;
    if (template) files.push({ template, target: variant.target });
  }
  return files;
}

/** The handler and its test for one endpoint. */
export function endpointFiles(endpoint: EndpointConfig): TemplateFile[] {
  const variant = endpoint.publish ? 'handler-publish' : 'handler';
  return [
    { template: `handlers/${variant}.ts.ejs`, target: `src/handlers/${endpoint.operationId}.ts` },
    { template: `handlers/${variant}.test.ts.ejs`, target: `test/handlers/${endpoint.operationId}.test.ts` },
  ];
}
