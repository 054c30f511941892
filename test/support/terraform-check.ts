// Checks a folder of Terraform files the way `terraform fmt -check` and `terraform validate` would,
// without a terraform binary: HashiCorp's HCL parser and hclwrite formatter (compiled to wasm, from
// @cdktn/hcl2json and @cdktn/hcl-tools) and the provider schemas that ship in the prebuilt CDK Terrain
// bindings' jsii manifests (@cdktn/provider-aws 6.66, @cdktn/provider-archive).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { getExpressionAst, parse as parseHcl } from '@cdktn/hcl2json';
import { format as formatHcl } from '@cdktn/hcl-tools';
import { editDistance as optionEditDistance } from '../../lib/options.js';

// ---------------------------------------------------------------------------------------------
// Problems

export type ProblemKind = 'parse' | 'format' | 'style' | 'schema' | 'reference' | 'unused' | 'templatefile';

export interface Problem {
  kind: ProblemKind;
  /** File name relative to the checked folder. */
  file: string;
  /** Where in the file, e.g. `resource "aws_lambda_function" "this" > tracing_config`. */
  where: string;
  message: string;
}

export function problemText(problem: Problem): string {
  return `${problem.file}${problem.where ? `: ${problem.where}` : ''}: [${problem.kind}] ${problem.message}`;
}

/** All problems, one per line, for an assertion message. */
export function problemsText(problems: Problem[]): string {
  return problems.map(problemText).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Provider schemas, from the jsii manifests

export interface ArgumentSchema {
  required: boolean;
}

export interface NestedBlockSchema {
  required: boolean;
  /** A list or set of blocks; false: at most one block. */
  list: boolean;
  block: BlockSchema;
}

export interface BlockSchema {
  /** Arguments by their Terraform (snake_case) name. */
  arguments: Record<string, ArgumentSchema>;
  /** Nested blocks by their Terraform name. */
  blocks: Record<string, NestedBlockSchema>;
  /** Attributes that are only computed (read, never set). */
  computed: string[];
}

export interface ProviderSchema {
  /** Provider local name: "aws", "archive". */
  name: string;
  /** Provider version the bindings were generated from. */
  version: string;
  provider: BlockSchema;
  resource: Record<string, BlockSchema>;
  data: Record<string, BlockSchema>;
  ephemeral: Record<string, BlockSchema>;
}

export type ProviderSchemas = Record<string, ProviderSchema>;

/** The npm packages whose jsii manifests describe the providers a generated project uses. */
export const PROVIDER_PACKAGES = ['@cdktn/provider-aws', '@cdktn/provider-archive'] as const;

const SCHEMA_CACHE_FORMAT = 4;

/**
 * Terraform name -> the camelCase name jsii gives it, as the cdktn provider generator does (it agrees
 * with all 40,000 documented arguments of provider-aws but 7 renamed ones, such as node -> nodeAttribute).
 * Not invertible: output_base64sha256 and output_base64_sha256 both give outputBase64Sha256.
 */
export function camelName(snake: string): string {
  return snake
    .replace(/_+([a-zA-Z0-9])/g, (_match, c: string) => c.toUpperCase())
    .replace(/(\d)([a-z])/g, (_match, d: string, c: string) => d + c.toUpperCase());
}

/** camelCase -> snake_case, for names jsii documents with no link to the registry. */
function snakeName(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

interface JsiiType {
  fqn: string;
  locationInModule?: { filename: string };
  kind: 'class' | 'interface' | 'enum';
  base?: string;
  datatype?: boolean;
  interfaces?: string[];
  docs?: { summary?: string; remarks?: string };
  initializer?: { parameters?: { name: string; type: JsiiTypeRef }[] };
  properties?: JsiiProperty[];
}

interface JsiiProperty {
  name: string;
  optional?: boolean;
  static?: boolean;
  docs?: { summary?: string; remarks?: string };
  type: JsiiTypeRef;
}

interface JsiiTypeRef {
  fqn?: string;
  primitive?: string;
  collection?: { kind: string; elementtype: JsiiTypeRef };
  union?: { types: JsiiTypeRef[] };
}

const BASE_KINDS: Record<string, 'resource' | 'data' | 'ephemeral' | 'provider'> = {
  'cdktn.TerraformResource': 'resource',
  'cdktn.TerraformDataSource': 'data',
  'cdktn.TerraformEphemeralResource': 'ephemeral',
  'cdktn.TerraformProvider': 'provider',
};

/**
 * Extracts the Terraform schema of every resource, data source and the provider from one manifest.
 * Argument and block names come from the registry links jsii keeps in each property's docs. Computed
 * attributes have no such link; their names come from `readAttributeNames` (the bindings' JavaScript,
 * which reads each one by its Terraform name) when given, else from undoing the camelCase.
 */
export function schemaFromJsii(
  jsii: { types: Record<string, JsiiType> },
  readAttributeNames?: (sourceFile: string) => Map<string, string>,
): ProviderSchema {
  const types = jsii.types;
  const blocks = new Map<string, BlockSchema>();

  // "{@link https://registry.terraform.io/.../lambda_function#tracing_config LambdaFunction#tracing_config}"
  const anchor = (docs: JsiiProperty['docs']) =>
    /\{@link \S+#([A-Za-z0-9_]+) \S+\}/.exec(`${docs?.summary ?? ''} ${docs?.remarks ?? ''}`)?.[1];

  // The struct a property holds, and whether it holds many of them.
  const structOf = (ref: JsiiTypeRef, many = false): { fqn: string; many: boolean } | undefined => {
    if (ref.fqn) return types[ref.fqn]?.kind === 'interface' && types[ref.fqn]?.datatype ? { fqn: ref.fqn, many } : undefined;
    if (ref.collection) return structOf(ref.collection.elementtype, true);
    if (ref.union) for (const member of ref.union.types) {
      const found = structOf(member, many);
      if (found) return found;
    }
    return undefined;
  };

  const ownProperties = (fqn: string): JsiiProperty[] => {
    const type = types[fqn];
    if (!type) return [];
    const inherited = (type.interfaces ?? []).filter((name) => types[name]).flatMap(ownProperties);
    return [...inherited, ...(type.properties ?? [])];
  };

  const block = (structFqn: string, readerFqn: string | undefined): BlockSchema => {
    const key = `${structFqn}|${readerFqn ?? ''}`;
    const known = blocks.get(key);
    if (known) return known;
    const schema: BlockSchema = { arguments: {}, blocks: {}, computed: [] };
    blocks.set(key, schema);
    const settable = new Set<string>();
    for (const property of ownProperties(structFqn)) {
      settable.add(property.name);
      const name = anchor(property.docs) ?? snakeName(property.name);
      const struct = structOf(property.type);
      const isBlock = struct !== undefined && / block\.$/.test(property.docs?.summary ?? '');
      if (isBlock) {
        const reader = [`${struct.fqn}OutputReference`].find((fqn) => types[fqn]);
        schema.blocks[name] = { required: !property.optional, list: struct.many, block: block(struct.fqn, reader) };
      } else {
        schema.arguments[name] = { required: !property.optional };
      }
    }
    if (readerFqn) {
      const sourceFile = types[readerFqn]?.locationInModule?.filename;
      const attributeNames = sourceFile && readAttributeNames ? readAttributeNames(sourceFile) : new Map<string, string>();
      const readable = (types[readerFqn]?.properties ?? []).filter((property) => !property.static);
      const names = new Set(readable.map((property) => property.name));
      for (const property of readable) {
        if (settable.has(property.name)) continue;
        if (property.name.endsWith('Input') && names.has(property.name.slice(0, -'Input'.length))) continue;
        if (property.name === 'internalValue') continue;
        schema.computed.push(attributeNames.get(property.name) ?? snakeName(property.name));
      }
    }
    return schema;
  };

  const result: ProviderSchema = { name: '', version: 'unknown', provider: emptyBlock(), resource: {}, data: {}, ephemeral: {} };
  for (const type of Object.values(types)) {
    if (type.kind !== 'class' || !type.base) continue;
    const kind = BASE_KINDS[type.base];
    if (!kind) continue;
    // "Represents a {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs/resources/lambda_function aws_lambda_function}."
    const terraformName = /\{@link \S+ ([a-z0-9_]+)\}/.exec(type.docs?.summary ?? '')?.[1];
    const config = type.initializer?.parameters?.find((parameter) => parameter.name === 'config')?.type.fqn;
    if (!terraformName || !config) continue;
    const schema = block(config, type.fqn);
    if (kind === 'provider') {
      // "Represents a {@link https://registry.terraform.io/providers/hashicorp/aws/6.66.0/docs aws}."
      result.version = /\/providers\/[^/]+\/[^/]+\/([^/]+)\/docs /.exec(type.docs?.summary ?? '')?.[1] ?? 'unknown';
      result.name = terraformName;
      result.provider = schema;
    } else {
      result[kind][terraformName] = schema;
    }
  }
  return result;
}

function emptyBlock(): BlockSchema {
  return { arguments: {}, blocks: {}, computed: [] };
}

/** A provider schema as stored in the cache: blocks in a table, since a few schemas nest recursively (wafv2 statements). */
interface StoredSchema {
  name: string;
  version: string;
  table: { a: Record<string, 0 | 1>; b: Record<string, [number, 0 | 1, 0 | 1]>; c: string[] }[];
  provider: number;
  resource: Record<string, number>;
  data: Record<string, number>;
  ephemeral: Record<string, number>;
}

function storeSchema(schema: ProviderSchema): StoredSchema {
  const ids = new Map<BlockSchema, number>();
  const table: StoredSchema['table'] = [];
  const id = (block: BlockSchema): number => {
    const known = ids.get(block);
    if (known !== undefined) return known;
    const index = table.length;
    ids.set(block, index);
    const row: StoredSchema['table'][number] = { a: {}, b: {}, c: block.computed };
    table.push(row);
    for (const [name, argument] of Object.entries(block.arguments)) row.a[name] = argument.required ? 1 : 0;
    for (const [name, nested] of Object.entries(block.blocks)) row.b[name] = [id(nested.block), nested.required ? 1 : 0, nested.list ? 1 : 0];
    return index;
  };
  const ofMap = (map: Record<string, BlockSchema>) => Object.fromEntries(Object.entries(map).map(([type, block]) => [type, id(block)]));
  return { name: schema.name, version: schema.version, table, provider: id(schema.provider), resource: ofMap(schema.resource), data: ofMap(schema.data), ephemeral: ofMap(schema.ephemeral) };
}

function reviveSchema(stored: StoredSchema): ProviderSchema {
  const blocks: BlockSchema[] = stored.table.map((row) => ({
    arguments: Object.fromEntries(Object.entries(row.a).map(([name, required]) => [name, { required: required === 1 }])),
    blocks: {},
    computed: row.c,
  }));
  stored.table.forEach((row, index) => {
    for (const [name, [id, required, list]] of Object.entries(row.b)) {
      blocks[index]!.blocks[name] = { block: blocks[id]!, required: required === 1, list: list === 1 };
    }
  });
  const ofMap = (map: Record<string, number>) => Object.fromEntries(Object.entries(map).map(([type, id]) => [type, blocks[id]!]));
  return { name: stored.name, version: stored.version, provider: blocks[stored.provider]!, resource: ofMap(stored.resource), data: ofMap(stored.data), ephemeral: ofMap(stored.ephemeral) };
}

const attributeNameFiles = new Map<string, Map<string, string>>();

/**
 * camelCase getter -> Terraform name, from one file of the bindings' JavaScript, where a getter reads
 * its attribute by name: `get outputBase64Sha256() { return this.getStringAttribute('output_base64sha256'); }`
 * or `_snapStart = new LambdaFunctionSnapStartOutputReference(this, "snap_start"); get snapStart()`. Undoing the
 * camelCase cannot tell output_base64sha256 from output_base64_sha256; this can.
 */
function attributeNamesIn(file: string): Map<string, string> {
  let names = attributeNameFiles.get(file);
  if (names) return names;
  names = new Map();
  attributeNameFiles.set(file, names);
  if (!existsSync(file)) return names;
  const source = readFileSync(file, 'utf8');
  for (const [, camel, snake] of source.matchAll(/get (\w+)\(\) \{\s*return this\.get\w*Attribute\('([A-Za-z0-9_]+)'\)/g)) names.set(camel!, snake!);
  for (const [, snake, camel] of source.matchAll(/_\w+ = new \w+\(this, "([A-Za-z0-9_]+)"[^;]*;\s*get (\w+)\(\)/g)) names.set(camel!, snake!);
  return names;
}

/** Terraform's built-in provider, which needs no required_providers entry. */
const BUILT_IN: ProviderSchema = {
  name: 'terraform',
  version: 'built-in',
  provider: emptyBlock(),
  resource: {
    terraform_data: {
      arguments: { input: { required: false }, triggers_replace: { required: false } },
      blocks: {},
      computed: ['id', 'output'],
    },
  },
  data: {
    terraform_remote_state: {
      arguments: { backend: { required: true }, config: { required: false }, defaults: { required: false }, workspace: { required: false } },
      blocks: {},
      computed: ['outputs'],
    },
  },
  ephemeral: {},
};

let schemasPromise: Promise<ProviderSchemas> | undefined;

/**
 * The provider schemas, loaded once per process. The first load reads the jsii manifests (~150 MB for
 * aws, a few seconds) and keeps the extract in node_modules/.cache/terraform-check, so later processes
 * read a few MB instead.
 */
export function loadProviderSchemas(): Promise<ProviderSchemas> {
  schemasPromise ??= (async () => {
    const schemas: ProviderSchemas = { terraform: BUILT_IN };
    for (const packageName of PROVIDER_PACKAGES) {
      const schema = await loadProviderSchema(packageName);
      schemas[schema.name] = schema;
    }
    return schemas;
  })();
  return schemasPromise;
}

async function loadProviderSchema(packageName: string): Promise<ProviderSchema> {
  const require = createRequire(import.meta.url);
  const main = require.resolve(packageName);
  const root = main.slice(0, main.lastIndexOf(`${path.sep}lib${path.sep}`));
  const manifestPath = path.join(root, '.jsii');
  const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const manifest = statSync(manifestPath);
  const cacheDir = path.join(root.slice(0, root.lastIndexOf(`${path.sep}node_modules${path.sep}`)), 'node_modules', '.cache', 'terraform-check');
  const cacheFile = path.join(
    cacheDir,
    `${packageName.replace(/[@/]/g, '_')}-${packageJson.version}-${manifest.size}-${Math.trunc(manifest.mtimeMs)}-v${SCHEMA_CACHE_FORMAT}.json`,
  );
  if (existsSync(cacheFile)) {
    try {
      return reviveSchema(JSON.parse(await readFile(cacheFile, 'utf8')) as StoredSchema);
    } catch {
      // a torn cache file: rebuild it below
    }
  }
  const jsii = JSON.parse(await readFile(manifestPath, 'utf8')) as { types: Record<string, JsiiType> };
  const schema = schemaFromJsii(jsii, (sourceFile) => attributeNamesIn(path.join(root, sourceFile.replace(/^src\//, 'lib/').replace(/\.ts$/, '.js'))));
  try {
    await mkdir(cacheDir, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(storeSchema(schema)));
    await rename(temporary, cacheFile);
  } catch {
    // a read-only node_modules only costs the next process the slow load
  }
  return schema;
}

// ---------------------------------------------------------------------------------------------
// Expressions

interface AstNode {
  type: string;
  children: AstNode[];
  meta?: {
    value?: string;
    name?: string;
    keyVar?: string;
    valVar?: string;
    items?: Record<string, string>;
    type?: string;
    traversal?: { type: 'nameTraversal' | 'indexTraversal'; segment: string }[];
  };
}

type Part = { name: string } | { index: 'key' | 'splat' };

interface Reference {
  root: string;
  parts: Part[];
  text: string;
  scope: Scope;
}

interface FunctionCall {
  name: string;
  node: AstNode;
  scope: Scope;
}

interface Scope {
  /** Names bound by for expressions, template for directives and dynamic block iterators. */
  names: ReadonlySet<string>;
  each: boolean;
  count: boolean;
  self: boolean;
}

const TOP_SCOPE: Scope = { names: new Set(), each: false, count: false, self: false };

const HEREDOC_MARKER = 'TERRAFORM_CHECK_EOT';
const astCache = new Map<string, Promise<AstNode | null>>();

/** Parses a Terraform template (a string value as hcl2json returns it, or a template file's text). */
function templateAst(text: string): Promise<AstNode | null> {
  let cached = astCache.get(text);
  if (!cached) {
    // A heredoc takes quotes and backslashes as they are; its only escapes are $${ and %%{.
    cached = getExpressionAst('expression.tf', `<<${HEREDOC_MARKER}\n${text}\n${HEREDOC_MARKER}\n`) as Promise<AstNode | null>;
    astCache.set(text, cached);
  }
  return cached;
}

/** hcl2json's parse error without the echoed input, with lines counted from the text's own first line. */
function parseError(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  const detail = /': (.*)$/s.exec(message)?.[1] ?? message;
  return detail
    .replace(/expression\.tf:(\d+),(\d+)-[\d,]+: /g, (_match, line: string, column: string) => `line ${line}, column ${column}: `)
    .trim();
}

const hasTemplate = (text: string) => /(?<!\$)\$\{|(?<!%)%\{/.test(text);

/** References and function calls found in one value of the hcl2json output. */
interface Findings {
  references: Reference[];
  calls: FunctionCall[];
  errors: string[];
}

async function analyzeValue(value: unknown, scope: Scope, findings: Findings): Promise<void> {
  if (typeof value === 'string') {
    if (!hasTemplate(value)) return;
    try {
      walk(await templateAst(value), scope, findings);
    } catch (error) {
      findings.errors.push(`expression does not parse: ${parseError(error)}`);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) await analyzeValue(item, scope, findings);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      await analyzeValue(key, scope, findings);
      await analyzeValue(item, scope, findings);
    }
  }
}

const CHAIN_TYPES = new Set(['scopeTraversal', 'relativeTraversal', 'index', 'splat']);

function walk(node: AstNode | null | undefined, scope: Scope, findings: Findings): void {
  if (!node) return;
  if (CHAIN_TYPES.has(node.type)) {
    const reference = chain(node, scope, findings);
    if (reference) findings.references.push(reference);
    return;
  }
  if (node.type === 'for') {
    const [collection, ...rest] = node.children;
    walk(collection, scope, findings);
    const names = new Set(scope.names);
    if (node.meta?.keyVar) names.add(node.meta.keyVar);
    if (node.meta?.valVar) names.add(node.meta.valVar);
    for (const child of rest) walk(child, { ...scope, names }, findings);
    return;
  }
  if (node.type === 'function' && node.meta?.name) findings.calls.push({ name: node.meta.name, node, scope });
  for (const child of node.children ?? []) walk(child, scope, findings);
}

function traversalParts(node: AstNode): Part[] {
  return (node.meta?.traversal ?? []).map((part) =>
    part.type === 'indexTraversal' ? { index: 'key' as const } : { name: part.segment },
  );
}

/** The reference a traversal, index or splat expression makes; walks the keys it indexes with. */
function chain(node: AstNode, scope: Scope, findings: Findings): Reference | null {
  const extend = (base: Reference | null, parts: Part[]): Reference | null =>
    base ? { ...base, parts: [...base.parts, ...parts], text: node.meta?.value ?? base.text } : null;
  const source = (child: AstNode | undefined): Reference | null => {
    if (child && CHAIN_TYPES.has(child.type)) return chain(child, scope, findings);
    walk(child, scope, findings);
    return null;
  };
  switch (node.type) {
    case 'scopeTraversal': {
      const [root, ...parts] = traversalParts(node);
      if (!root || !('name' in root)) return null;
      return { root: root.name, parts, text: node.meta?.value ?? root.name, scope };
    }
    case 'index': {
      const [collection, key] = node.children;
      const base = source(collection);
      walk(key, scope, findings);
      return extend(base, [{ index: 'key' }]);
    }
    case 'relativeTraversal':
      return extend(source(node.children[0]), traversalParts(node));
    case 'splat': {
      const [from, each] = node.children;
      const parts: Part[] = [{ index: 'splat' }];
      if (each?.type === 'relativeTraversal') parts.push(...traversalParts(each));
      return extend(source(from), parts);
    }
    default:
      return null;
  }
}

// Terraform 1.6+ built-in functions.
const FUNCTIONS = new Set(
  `abs abspath alltrue anytrue base64decode base64encode base64gzip base64sha256 base64sha512 basename bcrypt can ceil chomp
  chunklist cidrhost cidrnetmask cidrsubnet cidrsubnets coalesce coalescelist compact concat contains csvdecode dirname
  distinct element endswith file filebase64 filebase64sha256 filebase64sha512 fileexists filemd5 fileset filesha1
  filesha256 filesha512 flatten floor format formatdate formatlist indent index issensitive join jsondecode jsonencode
  keys length list log lookup lower map matchkeys max md5 merge min nonsensitive one parseint pathexpand plantimestamp pow
  range regex regexall replace reverse rsadecrypt sensitive setintersection setproduct setsubtract setunion sha1 sha256
  sha512 signum slice sort split startswith strcontains strrev substr sum templatefile textdecodebase64
  textencodebase64 timeadd timecmp timestamp title tobool tolist tomap tonumber toset tostring transpose trim
  trimprefix trimspace trimsuffix try type upper urlencode uuid uuidv5 values yamldecode yamlencode zipmap
  templatestring ephemeralasnull`.split(/\s+/),
);

const FILE_FUNCTIONS = new Set(['file', 'filebase64', 'filemd5', 'filesha1', 'filesha256', 'filesha512', 'filebase64sha256', 'filebase64sha512', 'templatefile']);

// ---------------------------------------------------------------------------------------------
// The configuration

type Body = Record<string, unknown>;

interface Declaration {
  file: string;
  where: string;
  body: Body;
}

interface Configuration {
  dir: string;
  files: Record<string, string>;
  variables: Map<string, Declaration>;
  locals: Map<string, Declaration & { value: unknown }>;
  outputs: Map<string, Declaration>;
  modules: Map<string, Declaration>;
  resources: Map<string, Declaration & { type: string; name: string; mode: 'resource' | 'data' | 'ephemeral' }>;
  providers: Declaration[];
  terraform: Declaration[];
  checks: Declaration[];
}

const blocksOf = (value: unknown): Body[] =>
  Array.isArray(value) ? value.filter((item): item is Body => !!item && typeof item === 'object' && !Array.isArray(item)) : [];

const isBlockList = (value: unknown) => Array.isArray(value) && value.length > 0 && blocksOf(value).length === value.length;

const TOP_LEVEL = new Set(['terraform', 'provider', 'variable', 'locals', 'output', 'resource', 'data', 'ephemeral', 'module', 'moved', 'import', 'removed', 'check']);

function collect(dir: string, parsed: Record<string, Body>, texts: Record<string, string>, problems: Problem[]): Configuration {
  const config: Configuration = {
    dir,
    files: texts,
    variables: new Map(),
    locals: new Map(),
    outputs: new Map(),
    modules: new Map(),
    resources: new Map(),
    providers: [],
    terraform: [],
    checks: [],
  };
  const declare = <T extends Declaration>(map: Map<string, T>, key: string, declaration: T, what: string) => {
    const earlier = map.get(key);
    if (earlier) {
      problems.push({ kind: 'reference', file: declaration.file, where: declaration.where, message: `${what} is declared twice (also in ${earlier.file})` });
    } else {
      map.set(key, declaration);
    }
  };
  for (const [file, document] of Object.entries(parsed)) {
    for (const [kind, content] of Object.entries(document)) {
      if (!TOP_LEVEL.has(kind)) {
        problems.push({ kind: 'schema', file, where: kind, message: `"${kind}" is not a Terraform block type` });
        continue;
      }
      if (kind === 'terraform') for (const body of blocksOf(content)) config.terraform.push({ file, where: 'terraform', body });
      if (kind === 'locals') {
        for (const body of blocksOf(content)) {
          for (const [name, value] of Object.entries(body)) {
            declare(config.locals, name, { file, where: `locals > ${name}`, body, value }, `local.${name}`);
          }
        }
      }
      if (kind === 'variable' || kind === 'output' || kind === 'module' || kind === 'check') {
        for (const [name, blocks] of Object.entries(content as Record<string, unknown>)) {
          for (const body of blocksOf(blocks)) {
            const declaration = { file, where: `${kind} "${name}"`, body };
            if (kind === 'variable') declare(config.variables, name, declaration, `variable "${name}"`);
            if (kind === 'output') declare(config.outputs, name, declaration, `output "${name}"`);
            if (kind === 'module') declare(config.modules, name, declaration, `module "${name}"`);
            if (kind === 'check') {
              config.checks.push(declaration);
              for (const [type, named] of Object.entries((body.data ?? {}) as Record<string, unknown>)) {
                for (const [dataName, dataBlocks] of Object.entries(named as Record<string, unknown>)) {
                  for (const dataBody of blocksOf(dataBlocks)) {
                    declare(config.resources, `data.${type}.${dataName}`, { file, where: `check "${name}" > data "${type}" "${dataName}"`, body: dataBody, type, name: dataName, mode: 'data' }, `data.${type}.${dataName}`);
                  }
                }
              }
            }
          }
        }
      }
      if (kind === 'provider') {
        for (const [name, blocks] of Object.entries(content as Record<string, unknown>)) {
          for (const body of blocksOf(blocks)) config.providers.push({ file, where: `provider "${name}"`, body: { ...body, __name: name } });
        }
      }
      if (kind === 'resource' || kind === 'data' || kind === 'ephemeral') {
        for (const [type, named] of Object.entries(content as Record<string, unknown>)) {
          for (const [name, blocks] of Object.entries(named as Record<string, unknown>)) {
            for (const body of blocksOf(blocks)) {
              const key = kind === 'resource' ? `${type}.${name}` : `${kind}.${type}.${name}`;
              declare(config.resources, key, { file, where: `${kind} "${type}" "${name}"`, body, type, name, mode: kind }, key);
            }
          }
        }
      }
    }
  }
  return config;
}

// ---------------------------------------------------------------------------------------------
// Checks

export interface CheckOptions {
  /** Skip the `terraform fmt` comparison. */
  skipFormat?: boolean;
}

/** Checks every .tf file of a folder; resolves to the problems found, none when all is well. */
export async function checkTerraform(dir: string, options: CheckOptions = {}): Promise<Problem[]> {
  const problems: Problem[] = [];
  const names = (await readdir(dir)).filter((name) => name.endsWith('.tf')).sort();
  if (names.length === 0) {
    return [{ kind: 'parse', file: '.', where: '', message: `no .tf files in ${dir}` }];
  }
  const texts: Record<string, string> = {};
  const parsed: Record<string, Body> = {};
  for (const name of names) {
    const text = await readFile(path.join(dir, name), 'utf8');
    texts[name] = text;
    try {
      parsed[name] = (await parseHcl(name, text)) as Body;
    } catch (error) {
      problems.push({ kind: 'parse', file: name, where: '', message: (error as Error).message });
    }
    if (!options.skipFormat) problems.push(...(await checkFormat(name, text)));
    problems.push(...checkStyleText(name, text));
  }
  const schemas = await loadProviderSchemas();
  const config = collect(dir, parsed, texts, problems);
  problems.push(...(await checkConfiguration(config, schemas)));
  return problems;
}

/** `terraform fmt`: the file must be what hclwrite's Format makes of it. */
export async function checkFormat(file: string, text: string): Promise<Problem[]> {
  const formatted = await formatHcl(text);
  if (formatted === text) return [];
  return [{ kind: 'format', file, where: '', message: `not formatted as terraform fmt leaves it:\n${lineDiff(text, formatted)}` }];
}

/** A short line diff: "-" lines as written, "+" lines as terraform fmt writes them. */
export function lineDiff(before: string, after: string, maxLines = 40): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(`  -${String(i + 1).padStart(4)}: ${a[i]}`);
      i++;
    } else {
      out.push(`  +${String(j + 1).padStart(4)}: ${b[j]}`);
      j++;
    }
  }
  return (out.length > maxLines ? [...out.slice(0, maxLines), `  ... ${out.length - maxLines} more`] : out).join('\n');
}

/** terraform-aws-modules style that hclwrite does not enforce: no interpolation-only strings. */
export function checkStyleText(file: string, text: string): Problem[] {
  const problems: Problem[] = [];
  let heredoc: string | undefined;
  text.split('\n').forEach((line, index) => {
    if (heredoc) {
      if (line.trim() === heredoc) heredoc = undefined;
      return;
    }
    const opening = /<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(line);
    if (opening) heredoc = opening[1];
    for (let start = line.indexOf('"${'); start >= 0; start = line.indexOf('"${', start + 1)) {
      if (line[start - 1] === '$') continue;
      let depth = 0;
      let end = start + 2;
      for (; end < line.length; end++) {
        if (line[end] === '{') depth++;
        if (line[end] === '}' && --depth === 0) break;
      }
      if (depth === 0 && line[end + 1] === '"') {
        problems.push({
          kind: 'style',
          file,
          where: `line ${index + 1}`,
          message: `interpolation-only string ${line.slice(start, end + 2)}: write the expression ${line.slice(start + 3, end)} without quotes`,
        });
      }
    }
  });
  return problems;
}

const META_ARGUMENTS: Record<'resource' | 'data' | 'ephemeral', Set<string>> = {
  resource: new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']),
  data: new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle']),
  ephemeral: new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle']),
};

const LIFECYCLE = new Set(['create_before_destroy', 'prevent_destroy', 'ignore_changes', 'replace_triggered_by', 'precondition', 'postcondition']);
const CONDITION = new Set(['condition', 'error_message']);
const VARIABLE = new Set(['type', 'default', 'description', 'sensitive', 'nullable', 'ephemeral', 'validation']);
const OUTPUT = new Set(['value', 'description', 'sensitive', 'depends_on', 'precondition', 'ephemeral']);
const TERRAFORM = new Set(['required_version', 'required_providers', 'backend', 'cloud', 'experiments', 'provider_meta']);

async function checkConfiguration(config: Configuration, schemas: ProviderSchemas): Promise<Problem[]> {
  const problems: Problem[] = [];
  const usedVariables = new Set<string>();
  const usedLocals = new Set<string>();
  const requiredProviders = new Set<string>(['terraform']);

  /** Walks every expression of a body's argument into `findings`. */
  const analyze = async (value: unknown, scope: Scope, file: string, where: string): Promise<Findings> => {
    const findings: Findings = { references: [], calls: [], errors: [] };
    await analyzeValue(value, scope, findings);
    for (const error of findings.errors) problems.push({ kind: 'parse', file, where, message: error });
    return findings;
  };

  const unknownKeys = (body: Body, allowed: Set<string>, file: string, where: string) => {
    for (const key of Object.keys(body)) {
      if (!allowed.has(key) && key !== '__name') problems.push({ kind: 'schema', file, where, message: `unknown argument or block "${key}"` });
    }
  };

  const conditions = async (blocks: unknown, scope: Scope, file: string, where: string, check: (f: Findings, w: string) => void) => {
    for (const condition of blocksOf(blocks)) {
      unknownKeys(condition, CONDITION, file, where);
      for (const key of CONDITION) {
        if (!(key in condition)) problems.push({ kind: 'schema', file, where, message: `missing required argument "${key}"` });
        else check(await analyze(condition[key], scope, file, `${where} > ${key}`), `${where} > ${key}`);
      }
    }
  };

  // terraform { required_version, required_providers }
  for (const declaration of config.terraform) {
    unknownKeys(declaration.body, TERRAFORM, declaration.file, 'terraform');
    for (const providers of blocksOf(declaration.body.required_providers)) {
      for (const [name, requirement] of Object.entries(providers)) {
        requiredProviders.add(name);
        if (!schemas[name]) continue;
        const source = (requirement as { source?: string }).source;
        if (source && !source.endsWith(`/${name}`)) {
          problems.push({ kind: 'schema', file: declaration.file, where: 'terraform > required_providers', message: `provider "${name}" has source "${source}"` });
        }
      }
    }
  }

  const checkFindings = (findings: Findings, file: string, where: string, countsAsUse = true) => {
    for (const reference of findings.references) {
      const message = checkReference(reference, config, schemas, countsAsUse ? { usedVariables, usedLocals } : undefined);
      if (message) problems.push({ kind: 'reference', file, where, message });
    }
    for (const call of findings.calls) {
      if (!FUNCTIONS.has(call.name) && !call.name.includes('::')) {
        problems.push({ kind: 'reference', file, where, message: `call to unknown function ${call.name}()` });
      }
    }
  };

  // Arguments and nested blocks of a resource, data source, provider or nested block, recursively.
  const checkBody = async (body: Body, schema: BlockSchema, scope: Scope, file: string, where: string, allowed: Set<string>) => {
    const dynamicNames = new Set<string>();
    for (const [label, dynamics] of Object.entries((body.dynamic ?? {}) as Record<string, unknown>)) {
      dynamicNames.add(label);
      const nested = schema.blocks[label];
      const at = `${where} > dynamic "${label}"`;
      if (!nested) {
        problems.push({ kind: 'schema', file, where: at, message: `"${label}" is not a block of this ${where.split(' ')[0]}${suggest(label, Object.keys(schema.blocks))}` });
      }
      for (const dynamic of blocksOf(dynamics)) {
        unknownKeys(dynamic, new Set(['for_each', 'iterator', 'labels', 'content']), file, at);
        checkFindings(await analyze(dynamic.for_each, scope, file, `${at} > for_each`), file, `${at} > for_each`);
        const iterator = typeof dynamic.iterator === 'string' ? dynamic.iterator.replace(/^\$\{(.*)\}$/, '$1') : label;
        const inner: Scope = { ...scope, names: new Set([...scope.names, iterator]) };
        const contents = blocksOf(dynamic.content);
        if (contents.length !== 1) problems.push({ kind: 'schema', file, where: at, message: 'a dynamic block needs exactly one content block' });
        for (const content of contents) {
          if (nested) await checkBody(content, nested.block, inner, file, `${at} > content`, new Set());
        }
      }
    }
    for (const [key, value] of Object.entries(body)) {
      if (key === 'dynamic' || key === '__name') continue;
      const at = `${where} > ${key}`;
      if (allowed.has(key)) continue;
      const nested = schema.blocks[key];
      if (nested) {
        if (!isBlockList(value)) {
          problems.push({ kind: 'schema', file, where: at, message: `"${key}" is a block: write ${key} { ... }, not ${key} = ...` });
          checkFindings(await analyze(value, scope, file, at), file, at);
          continue;
        }
        const blocks = blocksOf(value);
        if (!nested.list && blocks.length > 1) problems.push({ kind: 'schema', file, where: at, message: `at most one "${key}" block is allowed` });
        for (const block of blocks) await checkBody(block, nested.block, scope, file, at, new Set());
        continue;
      }
      if (!schema.arguments[key]) {
        const known = [...Object.keys(schema.arguments), ...Object.keys(schema.blocks)];
        problems.push({ kind: 'schema', file, where: at, message: `unknown argument "${key}"${suggest(key, known)}` });
      }
      checkFindings(await analyze(value, scope, file, at), file, at);
    }
    for (const [name, argument] of Object.entries(schema.arguments)) {
      if (argument.required && !(name in body)) problems.push({ kind: 'schema', file, where, message: `missing required argument "${name}"` });
    }
    for (const [name, nested] of Object.entries(schema.blocks)) {
      if (nested.required && !(name in body) && !dynamicNames.has(name)) {
        problems.push({ kind: 'schema', file, where, message: `missing required block "${name}"` });
      }
    }
  };

  // provider "aws" { ... }
  for (const declaration of config.providers) {
    const name = declaration.body.__name as string;
    const schema = schemas[name];
    if (!requiredProviders.has(name)) {
      problems.push({ kind: 'reference', file: declaration.file, where: declaration.where, message: `provider "${name}" is not in terraform.required_providers` });
    }
    if (!schema) continue;
    const providerSchema: BlockSchema = { ...schema.provider, arguments: { ...schema.provider.arguments, alias: { required: false } } };
    await checkBody(declaration.body, providerSchema, TOP_SCOPE, declaration.file, declaration.where, new Set());
  }

  // variables
  for (const [name, declaration] of config.variables) {
    const { body, file, where } = declaration;
    unknownKeys(body, VARIABLE, file, where);
    for (const key of ['type', 'description']) {
      if (!(key in body)) problems.push({ kind: 'style', file, where, message: `a variable needs a ${key}` });
    }
    if ('default' in body) checkFindings(await analyze(body.default, TOP_SCOPE, file, `${where} > default`), file, `${where} > default`);
    await conditions(body.validation, TOP_SCOPE, file, `${where} > validation`, (findings, at) => {
      for (const reference of findings.references) {
        if (reference.root === 'var' && firstName(reference.parts) !== name && !reference.scope.names.has('var')) {
          problems.push({ kind: 'reference', file, where: at, message: `a validation of var.${name} refers to ${reference.text} (Terraform < 1.9 allows only the variable itself)` });
        }
      }
      checkFindings(findings, file, at, false);
    });
  }

  // locals
  for (const [, declaration] of config.locals) {
    checkFindings(await analyze(declaration.value, TOP_SCOPE, declaration.file, declaration.where), declaration.file, declaration.where);
  }

  // outputs
  for (const [, declaration] of config.outputs) {
    const { body, file, where } = declaration;
    unknownKeys(body, OUTPUT, file, where);
    if (!('value' in body)) problems.push({ kind: 'schema', file, where, message: 'missing required argument "value"' });
    if (!('description' in body)) problems.push({ kind: 'style', file, where, message: 'an output needs a description' });
    for (const key of ['value', 'description', 'sensitive', 'depends_on']) {
      if (key in body) checkFindings(await analyze(body[key], TOP_SCOPE, file, `${where} > ${key}`), file, `${where} > ${key}`);
    }
    await conditions(body.precondition, TOP_SCOPE, file, `${where} > precondition`, (findings, at) => checkFindings(findings, file, at));
  }

  // modules: no schema here, only the wiring of their arguments
  for (const [, declaration] of config.modules) {
    for (const [key, value] of Object.entries(declaration.body)) {
      checkFindings(await analyze(value, TOP_SCOPE, declaration.file, `${declaration.where} > ${key}`), declaration.file, `${declaration.where} > ${key}`);
    }
  }

  // check blocks
  for (const declaration of config.checks) {
    unknownKeys(declaration.body, new Set(['data', 'assert']), declaration.file, declaration.where);
    if (blocksOf(declaration.body.assert).length === 0) problems.push({ kind: 'schema', file: declaration.file, where: declaration.where, message: 'a check needs an assert block' });
    await conditions(declaration.body.assert, TOP_SCOPE, declaration.file, `${declaration.where} > assert`, (findings, at) => checkFindings(findings, declaration.file, at));
  }

  // resources, data sources, ephemeral resources
  for (const [, declaration] of config.resources) {
    const { body, file, where, type, mode } = declaration;
    const providerName = type.split('_')[0]!;
    if (!requiredProviders.has(providerName)) {
      problems.push({ kind: 'reference', file, where, message: `provider "${providerName}" is not in terraform.required_providers` });
    }
    const schema = schemas[providerName]?.[mode][type];
    if (!schema) {
      const known = Object.keys(schemas[providerName]?.[mode] ?? {});
      problems.push({ kind: 'schema', file, where, message: `unknown ${mode === 'data' ? 'data source' : `${mode} type`} "${type}"${suggest(type, known)}` });
    }
    if ('count' in body && 'for_each' in body) problems.push({ kind: 'schema', file, where, message: 'count and for_each cannot both be set' });
    const scope: Scope = { names: new Set(), each: 'for_each' in body, count: 'count' in body, self: false };
    for (const key of ['count', 'for_each']) {
      if (key in body) checkFindings(await analyze(body[key], TOP_SCOPE, file, `${where} > ${key}`), file, `${where} > ${key}`);
    }
    if ('depends_on' in body) checkFindings(await analyze(body.depends_on, TOP_SCOPE, file, `${where} > depends_on`), file, `${where} > depends_on`);
    for (const lifecycle of blocksOf(body.lifecycle)) {
      const at = `${where} > lifecycle`;
      unknownKeys(lifecycle, LIFECYCLE, file, at);
      if ('replace_triggered_by' in lifecycle) checkFindings(await analyze(lifecycle.replace_triggered_by, scope, file, at), file, at);
      await conditions(lifecycle.precondition, scope, file, `${at} > precondition`, (findings, w) => checkFindings(findings, file, w));
      await conditions(lifecycle.postcondition, { ...scope, self: true }, file, `${at} > postcondition`, (findings, w) => checkFindings(findings, file, w));
    }
    if (schema) {
      await checkBody(body, schema, scope, file, where, META_ARGUMENTS[mode]);
    } else {
      for (const [key, value] of Object.entries(body)) {
        if (!META_ARGUMENTS[mode].has(key)) checkFindings(await analyze(value, scope, file, `${where} > ${key}`), file, `${where} > ${key}`);
      }
    }
  }

  // templatefile() and file(): the files exist, and templatefile passes every variable its template uses
  for (const [file, where, value, scope] of everyExpression(config)) {
    const findings: Findings = { references: [], calls: [], errors: [] };
    await analyzeValue(value, scope, findings);
    for (const call of findings.calls) {
      if (!FILE_FUNCTIONS.has(call.name)) continue;
      problems.push(...(await checkFileCall(call, config, file, where)));
    }
  }

  for (const [name, declaration] of config.variables) {
    if (!usedVariables.has(name)) problems.push({ kind: 'unused', file: declaration.file, where: declaration.where, message: `variable "${name}" is declared but never used` });
  }
  for (const [name, declaration] of config.locals) {
    if (!usedLocals.has(name)) problems.push({ kind: 'unused', file: declaration.file, where: declaration.where, message: `local.${name} is declared but never used` });
  }
  return problems;
}

/** Every argument value of the configuration with where it is, for whole-configuration scans. */
function* everyExpression(config: Configuration): Generator<[string, string, unknown, Scope]> {
  for (const [, local] of config.locals) yield [local.file, local.where, local.value, TOP_SCOPE];
  for (const [, output] of config.outputs) yield [output.file, output.where, output.body, TOP_SCOPE];
  for (const [, module] of config.modules) yield [module.file, module.where, module.body, TOP_SCOPE];
  for (const [, resource] of config.resources) {
    const scope: Scope = { names: new Set(['each', 'count']), each: true, count: true, self: true };
    yield [resource.file, resource.where, resource.body, scope];
  }
}

const firstName = (parts: Part[]): string | undefined => {
  const first = parts[0];
  return first && 'name' in first ? first.name : undefined;
};

/** Resolves one reference; returns what is wrong with it, or undefined. */
function checkReference(
  reference: Reference,
  config: Configuration,
  schemas: ProviderSchemas,
  used: { usedVariables: Set<string>; usedLocals: Set<string> } | undefined,
): string | undefined {
  const { root, parts, scope, text } = reference;
  if (scope.names.has(root)) return undefined;
  const name = firstName(parts);
  switch (root) {
    case 'var':
      if (!name || !config.variables.has(name)) return `${text}: variable "${name}" is not declared${suggest(name ?? '', [...config.variables.keys()])}`;
      used?.usedVariables.add(name);
      return undefined;
    case 'local':
      if (!name || !config.locals.has(name)) return `${text}: local.${name} is not declared${suggest(name ?? '', [...config.locals.keys()])}`;
      used?.usedLocals.add(name);
      return undefined;
    case 'module':
      return name && config.modules.has(name) ? undefined : `${text}: module "${name}" is not declared`;
    case 'path':
      return name && ['module', 'root', 'cwd'].includes(name) ? undefined : `${text}: path has only module, root and cwd`;
    case 'terraform':
      return name && ['workspace', 'applying'].includes(name) ? undefined : `${text}: terraform has only workspace and applying`;
    case 'each':
      if (!scope.each) return `${text}: each is only available in a block with for_each`;
      return name === 'key' || name === 'value' ? undefined : `${text}: each has only key and value`;
    case 'count':
      if (!scope.count) return `${text}: count.index is only available in a block with count`;
      return name === 'index' ? undefined : `${text}: count has only index`;
    case 'self':
      return scope.self ? undefined : `${text}: self is only available in postconditions, provisioners and connections`;
    case 'data':
    case 'ephemeral': {
      const type = name;
      const second = parts[1];
      const resourceName = second && 'name' in second ? second.name : undefined;
      return checkResourceReference(`${root}.${type}.${resourceName}`, parts.slice(2), text, config, schemas);
    }
    default:
      if (!name) return `${text}: unknown name "${root}"`;
      return checkResourceReference(`${root}.${name}`, parts.slice(1), text, config, schemas);
  }
}

function checkResourceReference(key: string, rest: Part[], text: string, config: Configuration, schemas: ProviderSchemas): string | undefined {
  const declaration = config.resources.get(key);
  if (!declaration) {
    const known = [...config.resources.keys()];
    return `${text}: ${key} is not declared${suggest(key, known)}`;
  }
  const expanded = 'count' in declaration.body || 'for_each' in declaration.body;
  const [first, ...after] = rest;
  let attributes = rest;
  if (first && 'index' in first) {
    if (first.index === 'key' && !expanded) return `${text}: ${key} has no count or for_each, so it takes no instance key`;
    attributes = after;
  } else if (first && expanded) {
    return `${text}: ${key} has ${'count' in declaration.body ? 'count' : 'for_each'}, so it needs an instance key before .${(first as { name: string }).name}`;
  }
  const schema = schemas[declaration.type.split('_')[0]!]?.[declaration.mode][declaration.type];
  if (!schema) return undefined;
  return checkAttributePath(schema, attributes, text, declaration.type);
}

function checkAttributePath(schema: BlockSchema, parts: Part[], text: string, where: string): string | undefined {
  const [first, ...rest] = parts;
  if (!first || !('name' in first)) return undefined;
  const name = first.name;
  if (schema.arguments[name]) return undefined;
  const nested = schema.blocks[name];
  if (nested) {
    const next = rest[0];
    if (next && 'index' in next) return checkAttributePath(nested.block, rest.slice(1), text, `${where}.${name}`);
    if (next && nested.list) return `${text}: ${name} is a list of blocks; index it before .${(next as { name: string }).name}`;
    return next ? checkAttributePath(nested.block, rest, text, `${where}.${name}`) : undefined;
  }
  if (schema.computed.includes(name)) return undefined;
  const known = [...Object.keys(schema.arguments), ...Object.keys(schema.blocks), ...schema.computed];
  return `${text}: ${where} has no attribute "${name}"${suggest(name, known)}`;
}

/** The schema of a resource or data source type, for tests and callers that inspect one. */
export async function resourceSchema(mode: 'resource' | 'data', type: string): Promise<BlockSchema | undefined> {
  const schemas = await loadProviderSchemas();
  return schemas[type.split('_')[0]!]?.[mode][type];
}

/** Whether `name` is an attribute a reference can read from a block of this schema. */
export function hasAttribute(schema: BlockSchema, name: string): boolean {
  return checkAttributePath(schema, [{ name }], name, '') === undefined;
}

// ---------------------------------------------------------------------------------------------
// file() and templatefile()

/** The value of an expression made of string literals, path.module/root/cwd and locals; undefined otherwise. */
async function staticValue(node: AstNode | undefined, config: Configuration, depth = 0): Promise<unknown> {
  if (!node || depth > 20) return undefined;
  switch (node.type) {
    case 'literalValue':
      return node.meta?.type === 'string' ? node.meta.value : node.meta?.value;
    case 'template':
    case 'templateWrap': {
      let text = '';
      for (const child of node.children) {
        const part = await staticValue(child, config, depth + 1);
        if (typeof part !== 'string') return undefined;
        text += part;
      }
      return text;
    }
    case 'scopeTraversal': {
      const segments = (node.meta?.traversal ?? []).map((part) => part.segment);
      if (segments[0] === 'path' && segments.length === 2) return segments[1] === 'cwd' ? process.cwd() : config.dir;
      if (segments[0] === 'local' && segments.length === 2) {
        const local = config.locals.get(segments[1]!);
        if (!local) return undefined;
        if (typeof local.value !== 'string') return local.value;
        const value = await staticValue(unwrap(await templateAst(local.value).catch(() => null)), config, depth + 1);
        // the heredoc the value was parsed in ends with a newline of its own
        return typeof value === 'string' ? value.replace(/\n$/, '') : value;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A heredoc holding a single ${...} is that expression. */
function unwrap(node: AstNode | null | undefined): AstNode | undefined {
  if (!node) return undefined;
  const meaningful = node.type === 'template' ? node.children.filter((child) => !(child.type === 'literalValue' && child.meta?.value === '\n')) : [node];
  return meaningful.length === 1 ? meaningful[0] : node;
}

/** The names a templatefile() call passes, when its second argument is an object (or a local holding one). */
async function passedNames(node: AstNode | undefined, config: Configuration): Promise<Set<string> | undefined> {
  if (!node) return undefined;
  if (node.type === 'object') {
    return new Set(Object.keys(node.meta?.items ?? {}).map((key) => key.replace(/^"(.*)"$/, '$1')));
  }
  if (node.type === 'scopeTraversal') {
    const segments = (node.meta?.traversal ?? []).map((part) => part.segment);
    const local = segments[0] === 'local' && segments.length === 2 ? config.locals.get(segments[1]!) : undefined;
    if (local && local.value && typeof local.value === 'object' && !Array.isArray(local.value)) return new Set(Object.keys(local.value));
    if (local && typeof local.value === 'string') return passedNames(unwrap(await templateAst(local.value).catch(() => null)), config);
  }
  return undefined;
}

/** A file `npm run build` writes (dist/<operationId>.zip): it need not exist when the project is checked. */
const BUILD_OUTPUT = /^"\$\{path\.module\}\/\.\.\/dist\//;

async function checkFileCall(call: FunctionCall, config: Configuration, file: string, where: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const [pathArgument, variablesArgument] = call.node.children;
  if (call.name !== 'templatefile' && call.name !== 'file' && BUILD_OUTPUT.test(String(pathArgument?.meta?.value ?? ''))) return problems;
  const target = await staticValue(pathArgument, config);
  if (typeof target !== 'string') {
    return [{ kind: 'templatefile', file, where, message: `cannot tell which file ${call.name}(${pathArgument?.meta?.value ?? ''}) reads: use a string built from path.module` }];
  }
  const shown = path.relative(config.dir, target) || target;
  if (!existsSync(target)) return [{ kind: 'templatefile', file, where, message: `${call.name}() reads ${shown}, which does not exist` }];
  if (call.name !== 'templatefile') return problems;
  const passed = await passedNames(variablesArgument, config);
  if (!passed) {
    return [{ kind: 'templatefile', file, where, message: `templatefile(${shown}, ...): pass the template's variables as an object literal` }];
  }
  const used = await templateVariables(await readFile(target, 'utf8')).catch((error: unknown) => new Error(parseError(error)));
  if (used instanceof Error) {
    return [{ kind: 'templatefile', file, where, message: `${shown} is not a valid Terraform template (write $\${ for a literal "\${", %%{ for "%{"): ${used.message}` }];
  }
  for (const [name, example] of used) {
    if (!passed.has(name)) {
      problems.push({ kind: 'templatefile', file, where, message: `${shown} uses \${${example}} but templatefile() does not pass "${name}" (passes: ${[...passed].join(', ') || 'nothing'})` });
    }
  }
  return problems;
}

/**
 * The variables a Terraform template file uses: name -> one reference to it as written. Names bound by
 * the template's own %{ for } directives are left out. Rejects when the template does not parse.
 */
export async function templateVariables(text: string): Promise<Map<string, string>> {
  const ast = await templateAst(text);
  const findings: Findings = { references: [], calls: [], errors: [] };
  walk(ast, TOP_SCOPE, findings);
  const used = new Map<string, string>();
  for (const reference of findings.references) {
    if (!reference.scope.names.has(reference.root) && !used.has(reference.root)) used.set(reference.root, reference.text);
  }
  return used;
}

// ---------------------------------------------------------------------------------------------

/** ", did you mean ..." for the closest known name. */
function suggest(name: string, known: string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined || !name) return '';
  const close = bestDistance <= Math.max(2, Math.floor(name.length / 4));
  const prefix = known.find((candidate) => candidate.startsWith(name) || name.startsWith(candidate));
  if (close) return ` (did you mean "${best}"?)`;
  return prefix ? ` (did you mean "${prefix}"?)` : '';
}

function editDistance(a: string, b: string): number {
  return Math.abs(a.length - b.length) > 8 ? Infinity : optionEditDistance(a, b);
}
