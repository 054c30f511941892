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

/** Files that exist in one variant or another; the key is the target, the value picks the template. */
const VARIANTS: Record<string, (project: ProjectConfig) => string> = {
  'test/tracing.test.ts': (project) => (project.sns ? 'tracing.test.ts.ejs' : 'tracing-no-sns.test.ts.ejs'),
};

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
  const variantTemplates = new Set(Object.keys(VARIANTS).flatMap((target) => variantsOf(target)));
  const files: TemplateFile[] = [];
  for (const template of cachedProjectTemplates) {
    const [folder, ...rest] = template.split('/');
    const relative = rest.join('/');
    if (variantTemplates.has(template)) continue;
    files.push({ template, target: folder === 'project' ? targetName(relative) : `${folder}/${targetName(relative)}` });
  }
  for (const [target, pick] of Object.entries(VARIANTS)) {
    files.push({ template: `project/${target.slice(0, target.lastIndexOf('/') + 1)}${pick(project)}`, target });
  }
  return files;
}

function variantsOf(target: string): string[] {
  const folder = target.slice(0, target.lastIndexOf('/') + 1);
  const picks = [true, false].map((sns) => VARIANTS[target]!({ sns } as ProjectConfig));
  return picks.map((name) => `project/${folder}${name}`);
}

/** The handler and its test for one endpoint. */
export function endpointFiles(endpoint: EndpointConfig): TemplateFile[] {
  const variant = endpoint.publish ? 'handler-publish' : 'handler';
  return [
    { template: `handlers/${variant}.ts.ejs`, target: `src/handlers/${endpoint.operationId}.ts` },
    { template: `handlers/${variant}.test.ts.ejs`, target: `test/handlers/${endpoint.operationId}.test.ts` },
  ];
}
