// The project's build (`npm run build`, its scripts/build.mjs calls buildHandlers): every
// src/handlers/<operationId>.ts bundled to dist/<operationId>/index.js, CommonJS (the format aws-xray-sdk-core
// is written for, and the one OpenTelemetry's require hooks see), the AWS SDK v3 left out because the Lambda
// Node.js runtime provides it; then each folder zipped to dist/<operationId>.zip, the file Terraform deploys
// (deterministic: same sources, same bytes). With the otel tracer, each bundle's handler is the project's own
// wrapped by src/lib/tracing.ts's tracedHandler, which is loaded first.
import { build, type BuildOptions as EsbuildOptions, type Metafile, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRACERS, type Tracer } from '../contract/project.js';
import { zip } from './zip.js';

export { crc32, zip, type ZipEntry } from './zip.js';
export { TRACERS, type Tracer } from '../contract/project.js';

/**
 * Parts of aws-xray-sdk-core a Lambda handler rarely needs: the EC2, ECS and Elastic Beanstalk plugins, the
 * patchers for http(s), promises and the AWS SDK v2, the SQL and Express helpers, and centralized sampling
 * (off in Lambda, where API Gateway makes the sampling decision). Each is left out of a bundle unless some
 * module of that bundle, the project's or a dependency's, names the API that needs it.
 */
export const XRAY_PARTS: readonly XRayPart[] = [
  { name: 'the http(s) patcher', files: ['patchers/http_p'], exports: ['captureHTTPs', 'captureHTTPsGlobal'], usedBy: /captureHTTPs/ },
  { name: 'the AWS SDK v2 patcher', files: ['patchers/aws_p'], exports: ['captureAWS', 'captureAWSClient'], usedBy: /\bcaptureAWS(?:Client)?\b/ },
  { name: 'the promise patcher', files: ['patchers/promise_p'], exports: ['capturePromise', 'uncapturePromise'], usedBy: /capturePromise/ },
  {
    name: 'the EC2, ECS and Elastic Beanstalk plugins',
    files: ['segments/plugins/ec2_plugin', 'segments/plugins/ecs_plugin', 'segments/plugins/elastic_beanstalk_plugin'],
    usedBy: /\b(?:EC2|ECS|ElasticBeanstalk)Plugin\b|\.plugins\b/,
  },
  { name: 'the SQL helpers', files: ['database/sql_data'], usedBy: /SqlData/ },
  { name: 'the web framework middleware', files: ['middleware/incoming_request_data'], usedBy: /IncomingRequestData|\bexpress\b|\brestify\b|middleware\.traceRequestResponseCycle/ },
  {
    name: 'centralized sampling',
    files: ['middleware/sampling/rule_poller', 'middleware/sampling/target_poller', 'middleware/sampling/rule_cache', 'middleware/sampling/service_connector'],
    usedBy: /SamplingRules|CentralizedSampling|enableCentralizedSampling/,
  },
];

export interface XRayPart {
  name: string;
  /** Under aws-xray-sdk-core/dist/lib/, without .js. */
  files: string[];
  /** The part's exports as the SDK's index re-exports them (a stub keeps their names). */
  exports?: string[];
  /** A module that matches uses the part. */
  usedBy: RegExp;
}

/** The module aws-xray-sdk-core's cls-hooked is swapped for (same API, on AsyncLocalStorage); its source when run from it. */
const compiledContext = fileURLToPath(new URL('./xray-context.js', import.meta.url));
export const XRAY_CONTEXT_MODULE = existsSync(compiledContext) ? compiledContext : compiledContext.replace(/\.js$/, '.ts');

const SDK_FILE = /[\\/]aws-xray-sdk-core[\\/]dist[\\/]lib[\\/](.+)\.js$/;
const sdkFileOf = (file: string) => SDK_FILE.exec(file)?.[1]?.replaceAll('\\', '/');

export class BuildError extends Error {}

function stub(part: XRayPart, file: string): string {
  const fail = `function fail(api) { throw new Error(api + ": " + ${JSON.stringify(`${part.name} of aws-xray-sdk-core (${file}) was left out of this bundle because no module of it uses it; traced-api-devkit's build keeps it once a module names it.`)}); }`;
  const missing = (api: string) =>
    `new Proxy(function () {}, { get: (_, key) => (typeof key === 'symbol' || key === 'then' || key === 'prototype' ? undefined : fail(${JSON.stringify(api)} + '.' + key)), apply: () => fail(${JSON.stringify(api)}), construct: () => fail(${JSON.stringify(api)}) })`;
  const value = part.exports ? `{ ${part.exports.map((name) => `${name}: ${missing(name)}`).join(', ')} }` : missing(file);
  return `${fail}\nmodule.exports = ${value};\n`;
}

/**
 * In Lambda the SDK sends each subsegment through a UDP socket it creates and closes for that send
 * (SegmentEmitter.disableReusableSocket in its Lambda setup): about a fifth of the SDK's cost per warm invocation
 * (bench/NOTES.md, figure 5). The bundles keep its one reusable socket instead, unref'd as the SDK makes it
 * everywhere else, as ADOT's UDP exporter does in Lambda.
 */
const LAMBDA_SETUP = /[\\/]aws-xray-sdk-core[\\/]dist[\\/]lib[\\/]env[\\/]aws_lambda\.js$/;
const TEMPORARY_SOCKETS = 'SegmentEmitter.disableReusableSocket();';

/** The esbuild plugin: cls-hooked swapped for the AsyncLocalStorage context, the parts in `leftOut` stubbed. */
export function tracingPlugin(leftOut: readonly XRayPart[]): Plugin {
  const stubbed = new Map(leftOut.flatMap((part) => part.files.map((file) => [file, part] as const)));
  return {
    name: 'traced-api-xray',
    setup(b) {
      b.onResolve({ filter: /^cls-hooked(\/context)?$/ }, () => ({ path: XRAY_CONTEXT_MODULE }));
      b.onLoad({ filter: LAMBDA_SETUP }, async (args) => ({
        contents: (await readFile(args.path, 'utf8')).replace(TEMPORARY_SOCKETS, '// (traced-api-devkit: the reusable socket is kept)'),
        loader: 'js',
      }));
      b.onLoad({ filter: SDK_FILE }, (args) => {
        const file = sdkFileOf(args.path)!;
        const part = stubbed.get(file);
        return part ? { contents: stub(part, file), loader: 'js' } : undefined;
      });
    },
  };
}

/** The parts some module of the bundle uses, read from every input that is not the X-Ray SDK's own. */
export async function partsUsed(metafile: Metafile, cwd: string): Promise<Map<XRayPart, string>> {
  const used = new Map<XRayPart, string>();
  for (const input of Object.keys(metafile.inputs)) {
    if (sdkFileOf(input) || input.includes('(disabled)') || path.resolve(cwd, input) === XRAY_CONTEXT_MODULE) continue;
    const text = await readFile(path.resolve(cwd, input), 'utf8').catch(() => '');
    for (const part of XRAY_PARTS) if (!used.has(part) && part.usedBy.test(text)) used.set(part, input);
  }
  return used;
}

/** A module outside the SDK that imports a stubbed file by its path would get the stub: the build fails, naming both. */
function reachedStubs(metafile: Metafile, leftOut: readonly XRayPart[]): string[] {
  const files = new Set(leftOut.flatMap((part) => part.files));
  const problems: string[] = [];
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    if (sdkFileOf(input)) continue;
    for (const imported of imports) {
      const file = sdkFileOf(imported.path);
      if (file && files.has(file)) {
        const part = leftOut.find((candidate) => candidate.files.includes(file))!;
        problems.push(`${input} imports ${imported.original ?? imported.path}, ${part.name} of aws-xray-sdk-core, which this build leaves out: name its API (${part.exports?.join(', ') ?? part.name}) instead of its file`);
      }
    }
  }
  return problems;
}

/** The module an otel project's tracing lives in, and what it must export for the build to wrap each handler. */
const TRACING_MODULE = 'src/lib/tracing.ts';
const TRACED_HANDLER = /export\s+(?:function|const)\s+tracedHandler\b/;
const ENTRY = 'traced-api-entry';

/**
 * The esbuild plugin of the otel tracer: each entry is a module that loads the tracing setup first (its require
 * hooks must be in place before the AWS SDK is loaded) and exports the handler wrapped in the invocation's span.
 */
function tracedEntryPlugin(root: string): Plugin {
  return {
    name: 'traced-api-otel-entry',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${ENTRY}:`) }, (args) => ({ path: args.path.slice(ENTRY.length + 1), namespace: ENTRY }));
      b.onLoad({ filter: /.*/, namespace: ENTRY }, (args) => ({
        contents: [
          `import { tracedHandler } from ${JSON.stringify(path.join(root, TRACING_MODULE))};`,
          `import { handler as ownHandler } from ${JSON.stringify(args.path)};`,
          'export const handler = tracedHandler(ownHandler);',
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      }));
    },
  };
}

export interface BuildOptions {
  /** The project's root folder. */
  root: string;
  /** How the functions are traced (default xray-sdk), as the project was written: scripts/build.mjs says it. */
  tracer?: Tracer;
  /** Where the size of each bundle is printed (default console.log). */
  log?: (line: string) => void;
}

export interface BuiltHandler {
  operationId: string;
  file: string;
  bytes: number;
  /** dist/<operationId>.zip: the function's code as Terraform deploys it. */
  zipFile: string;
  /** The X-Ray SDK parts left out of this build. */
  leftOut: string[];
}

export async function buildHandlers({ root, log = console.log, tracer = 'xray-sdk' }: BuildOptions): Promise<BuiltHandler[]> {
  if (!TRACERS.includes(tracer)) throw new BuildError(`Unknown tracer ${JSON.stringify(tracer)} in scripts/build.mjs: ${TRACERS.join(' or ')}.`);
  const handlersDir = path.join(root, 'src', 'handlers');
  const outdir = path.join(root, 'dist');
  const entryPoints = (await readdir(handlersDir).catch(() => []))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort()
    .map((file) => ({ in: path.join(handlersDir, file), out: `${path.basename(file, '.ts')}/index` }));
  if (entryPoints.length === 0) throw new BuildError(`No handlers in ${path.relative(root, handlersDir) || handlersDir}: add one with \`yo traced-api:endpoint\`.`);

  const options: EsbuildOptions = {
    entryPoints,
    outdir,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    // Maps stay beside each bundle; set NODE_OPTIONS=--enable-source-maps on a function to use them.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    metafile: true,
    logLevel: 'warning',
  };

  await rm(outdir, { recursive: true, force: true });
  const leftOut = tracer === 'otel' ? await buildWithOtel(root, options) : await buildWithXRaySdk(root, options);
  // The project is ESM ("type": "module"); this makes Node load the bundles as CommonJS in local tests.
  // Lambda loads each dist/<operationId>/ zip on its own, where no package.json says otherwise.
  await writeFile(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');

  const built: BuiltHandler[] = [];
  for (const { out } of entryPoints) {
    const file = path.join(outdir, `${out}.js`);
    const folder = path.dirname(file);
    const names = (await readdir(folder)).sort();
    const archive = zip(await Promise.all(names.map(async (name) => ({ name, data: await readFile(path.join(folder, name)) }))));
    const zipFile = `${folder}.zip`;
    await writeFile(zipFile, archive);
    const { size } = await stat(file);
    built.push({ operationId: path.dirname(out), file, bytes: size, zipFile, leftOut: leftOut.map((part) => part.name) });
    log(`${path.relative(root, file)}  ${(size / 1024).toFixed(1)} KiB, ${path.relative(root, zipFile)}  ${(archive.length / 1024).toFixed(1)} KiB`);
  }
  return built;
}

/** The X-Ray SDK's build; returns the SDK parts it left out. */
async function buildWithXRaySdk(root: string, options: EsbuildOptions): Promise<readonly XRayPart[]> {
  // What is left out is decided from everything the bundle includes: a build with every part stubbed lists the
  // bundle's modules; when any of them names a part, the build is made again with those parts kept.
  let leftOut: readonly XRayPart[] = XRAY_PARTS;
  let result = await build({ ...options, plugins: [tracingPlugin(leftOut)] });
  const used = await partsUsed(result.metafile!, root);
  if (used.size > 0) {
    leftOut = XRAY_PARTS.filter((part) => !used.has(part));
    await rm(options.outdir!, { recursive: true, force: true });
    result = await build({ ...options, plugins: [tracingPlugin(leftOut)] });
  }
  const problems = reachedStubs(result.metafile!, leftOut);
  if (problems.length > 0) {
    await rm(options.outdir!, { recursive: true, force: true });
    throw new BuildError(problems.join('\n'));
  }
  return leftOut;
}

/** The OpenTelemetry build: each handler wrapped by the project's tracedHandler; nothing left out. */
async function buildWithOtel(root: string, options: EsbuildOptions): Promise<readonly XRayPart[]> {
  const tracing = await readFile(path.join(root, TRACING_MODULE), 'utf8').catch(() => '');
  if (!TRACED_HANDLER.test(tracing)) {
    throw new BuildError(`${TRACING_MODULE} must export tracedHandler(handler), which the otel build wraps each handler in: it is missing or does not.`);
  }
  const entryPoints = (options.entryPoints as { in: string; out: string }[]).map((entry) => ({ ...entry, in: `${ENTRY}:${entry.in}` }));
  await build({ ...options, entryPoints, plugins: [tracedEntryPlugin(root)] });
  return [];
}
