// Bundles every src/handlers/<operationId>.ts to dist/<operationId>/index.js and zips that folder to
// dist/<operationId>.zip, the file Terraform deploys (scripts/zip.mjs: the same sources, the same bytes).
// CommonJS, the format aws-xray-sdk-core is written for; the AWS SDK v3 is left out because the Lambda
// Node.js runtime provides it.
import { build } from 'esbuild';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zip } from './zip.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const srcDir = path.join(root, 'src');
const handlersDir = path.join(srcDir, 'handlers');
const outdir = path.join(root, 'dist');

const entryPoints = (await readdir(handlersDir))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .sort()
  .map((file) => ({ in: path.join(handlersDir, file), out: `${path.basename(file, '.ts')}/index` }));
if (entryPoints.length === 0) {
  console.error(`No handlers in ${path.relative(root, handlersDir)}: add one with \`yo traced-api:endpoint\`.`);
  process.exit(1);
}

// Tracing that costs little at cold start and per invocation:
// - aws-xray-sdk-core keeps the current segment with cls-hooked, whose async hooks run on every promise;
//   in the bundles, src/lib/xray-context.ts stands in for it (the same API, on Node's AsyncLocalStorage).
// - The SDK's parts that no code under src/ reaches stay out of the bundles: the EC2, ECS and Elastic
//   Beanstalk plugins, the patchers for http(s), promises and the AWS SDK v2, the SQL and Express
//   helpers, and centralized sampling (off in Lambda, where API Gateway makes the sampling decision).
//   Each comes back as soon as code under src/ names the API that needs it; calling a part left out
//   throws an error that says so.
const XRAY_PARTS = [
  { files: ['patchers/http_p'], exports: ['captureHTTPs', 'captureHTTPsGlobal'], usedBy: /captureHTTPs/ },
  { files: ['patchers/aws_p'], exports: ['captureAWS', 'captureAWSClient'], usedBy: /\bcaptureAWS(?:Client)?\b/ },
  { files: ['patchers/promise_p'], exports: ['capturePromise', 'uncapturePromise'], usedBy: /capturePromise/ },
  { files: ['segments/plugins/ec2_plugin', 'segments/plugins/ecs_plugin', 'segments/plugins/elastic_beanstalk_plugin'], usedBy: /Plugin\b|\.config\(/ },
  { files: ['database/sql_data'], usedBy: /SqlData/ },
  { files: ['middleware/incoming_request_data'], usedBy: /IncomingRequestData|middleware/ },
  {
    files: ['middleware/sampling/rule_poller', 'middleware/sampling/target_poller', 'middleware/sampling/rule_cache', 'middleware/sampling/service_connector'],
    usedBy: /SamplingRules|CentralizedSampling/,
  },
];

async function sourceText(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((entry) => entry.isFile() && /\.[cm]?[jt]s$/.test(entry.name));
  return (await Promise.all(files.map((entry) => readFile(path.join(entry.parentPath, entry.name), 'utf8')))).join('\n');
}

function leftOut(file, exports) {
  const missing = (api) =>
    `new Proxy(function () {}, { get: (_, key) => (typeof key === 'symbol' || key === 'then' || key === 'prototype' ? undefined : fail(${JSON.stringify(api)} + '.' + key)), apply: () => fail(${JSON.stringify(api)}), construct: () => fail(${JSON.stringify(api)}) })`;
  return [
    `function fail(api) { throw new Error(api + ": aws-xray-sdk-core's ${file} was left out of this bundle because nothing under src/ uses it (scripts/build.mjs); name the API in src/ and build again."); }`,
    `module.exports = ${exports ? `{ ${exports.map((name) => `${name}: ${missing(name)}`).join(', ')} }` : missing(file)};`,
  ].join('\n');
}

async function tracingPlugin() {
  const source = await sourceText(srcDir);
  const unused = new Map();
  for (const part of XRAY_PARTS) {
    if (part.usedBy.test(source)) continue;
    for (const file of part.files) unused.set(`${file}.js`, part.exports);
  }
  const context = path.join(srcDir, 'lib', 'xray-context.ts');
  return {
    name: 'cheap-tracing',
    setup(b) {
      b.onResolve({ filter: /^cls-hooked(\/context)?$/ }, () => ({ path: context }));
      b.onLoad({ filter: /[\\/]aws-xray-sdk-core[\\/]dist[\\/]lib[\\/].*\.js$/ }, (args) => {
        const file = args.path.split(/[\\/]dist[\\/]lib[\\/]/).pop().replaceAll('\\', '/');
        return unused.has(file) ? { contents: leftOut(file, unused.get(file)), loader: 'js' } : undefined;
      });
    },
  };
}

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints,
  outdir,
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
  plugins: [await tracingPlugin()],
  logLevel: 'warning',
});
// The project is ESM ("type": "module"); this makes Node load the bundles as CommonJS in local tests.
// Lambda loads each dist/<operationId>/ zip on its own, where no package.json says otherwise.
await writeFile(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n');

for (const { out } of entryPoints) {
  const file = path.join(outdir, `${out}.js`);
  const { size } = await stat(file);
  const folder = path.dirname(file);
  const names = (await readdir(folder)).sort();
  const archive = zip(await Promise.all(names.map(async (name) => ({ name, data: await readFile(path.join(folder, name)) }))));
  const zipFile = `${folder}.zip`;
  await writeFile(zipFile, archive);
  console.log(`${path.relative(root, file)}  ${(size / 1024).toFixed(1)} KiB  ->  ${path.relative(root, zipFile)}  ${(archive.length / 1024).toFixed(1)} KiB`);
}
