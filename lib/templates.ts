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

/** Files written from one template or another, as the project has SNS or not. */
const SNS_VARIANTS: { target: string; sns: string; noSns?: string }[] = [
  { target: 'test/tracing.test.ts', sns: 'project/test/tracing.test.ts.ejs', noSns: 'project/test/tracing-no-sns.test.ts.ejs' },
  // A project without SNS has no SNS client.
  { target: 'src/lib/sns.ts', sns: 'project/src/lib/sns.ts' },
];
const VARIANT_TEMPLATES = new Set(SNS_VARIANTS.flatMap((variant) => [variant.sns, variant.noSns ?? []].flat()));

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
      return { template, target: folder === 'project' ? relative : `${folder}/${relative}` };
    });
  for (const variant of SNS_VARIANTS) {
    const template = project.sns ? variant.sns : variant.noSns;
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
