// traced-api-devkit's build against the pinned aws-xray-sdk-core: cls-hooked swapped for the AsyncLocalStorage
// context, the SDK's parts left out unless some module of the bundle (the project's or a dependency's) uses
// them, and a left-out part that the bundle still reaches failing the build by name, not a Lambda at run time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildHandlers, BuildError, XRAY_PARTS } from '../src/build/index.js';
import { generateProject } from './support/project.js';

const repoModules = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const allParts = XRAY_PARTS.map((part) => part.name);

/** A generated project whose node_modules is a folder of its own (links to this repository's packages), so a test can add a package. */
function projectWithOwnModules(): string {
  const root = generateProject('build-api', ['--no-sns']);
  rmSync(path.join(root, 'node_modules'));
  mkdirSync(path.join(root, 'node_modules'));
  for (const entry of readdirSync(repoModules)) {
    if (entry !== '.bin') symlinkSync(path.join(repoModules, entry), path.join(root, 'node_modules', entry));
  }
  return root;
}

function addPackage(root: string, name: string, code: string) {
  const folder = path.join(root, 'node_modules', name);
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js' }));
  writeFileSync(path.join(folder, 'index.js'), code);
}

function addHandler(root: string, operationId: string, code: string) {
  writeFileSync(path.join(root, 'src', 'handlers', `${operationId}.ts`), code);
}

/** Loads a bundle in a fresh Node process, calls its handler, prints what it returned or threw. */
function invoke(bundle: string): string {
  const script = `const { handler } = require(${JSON.stringify(bundle)}); handler({}, {}).then((value) => console.log(JSON.stringify(value)), (error) => console.log('threw: ' + error.message));`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR' } }).trim();
}

describe("traced-api-devkit's build", () => {
  it("leaves out every part a generated project's modules do not use, and swaps cls-hooked for the context module", async () => {
    const root = generateProject('plain-build-api');
    const built = await buildHandlers({ root, log: () => {} });
    expect(built.map((handler) => handler.operationId)).toEqual(['createOrder']);
    expect(built[0]!.leftOut).toEqual(allParts);
    const bundle = readFileSync(built[0]!.file, 'utf8');
    // cls-hooked's own code and its async-hook dependencies stay out (its name remains in the SDK's package.json, bundled as data).
    expect(bundle, 'no cls-hooked in the bundle').not.toMatch(/async-hook-jl|emitter-listener|\.createHook\(/);
    expect(bundle).toContain('AsyncLocalStorage');
    expect(bundle).toContain('was left out of this bundle');
    // In Lambda the SDK keeps its one reusable UDP socket instead of a new socket for every send.
    expect(readFileSync(path.join(repoModules, 'aws-xray-sdk-core/dist/lib/env/aws_lambda.js'), 'utf8'), 'the pinned SDK still turns it off').toContain('SegmentEmitter.disableReusableSocket();');
    expect(bundle).not.toMatch(/\.disableReusableSocket\(\)/);
  });

  it('wraps each handler in tracedHandler for the otel tracer, and says so when src/lib/tracing.ts exports none', async () => {
    const root = generateProject('otel-build-api', ['--tracer', 'otel', '--no-sns']);
    const [built] = await buildHandlers({ root, log: () => {}, tracer: 'otel' });
    expect(built!.leftOut).toEqual([]);
    const bundle = readFileSync(built!.file, 'utf8');
    expect(bundle).not.toMatch(/aws-xray-sdk/);
    expect(bundle).toContain('@opentelemetry/instrumentation-aws-lambda');
    writeFileSync(path.join(root, 'src/lib/tracing.ts'), 'export const nothing = 1;\n');
    await expect(buildHandlers({ root, log: () => {}, tracer: 'otel' })).rejects.toThrow(/src\/lib\/tracing\.ts must export tracedHandler/);
    await expect(buildHandlers({ root, log: () => {}, tracer: 'jaeger' as 'otel' })).rejects.toThrow(/Unknown tracer "jaeger".*xray-sdk or otel/);
  });

  it("keeps a part a dependency uses, decided from everything the bundle includes, not from src/ alone", async () => {
    const root = projectWithOwnModules();
    addPackage(root, 'outbound-tracing', "const AWSXRay = require('aws-xray-sdk-core'); module.exports = () => typeof AWSXRay.captureHTTPsGlobal(require('node:http'));");
    addHandler(root, 'callsOut', "import trace from 'outbound-tracing';\nexport const handler = async () => ({ statusCode: 200, body: trace() });\n");
    const built = await buildHandlers({ root, log: () => {} });
    expect(built.find((handler) => handler.operationId === 'callsOut')!.leftOut).toEqual(allParts.filter((part) => part !== 'the http(s) patcher'));
    expect(invoke(built.find((handler) => handler.operationId === 'callsOut')!.file)).toBe('{"statusCode":200,"body":"undefined"}');
  });

  it('says which part was left out when code reaches one at run time through a name it could not see', async () => {
    const root = projectWithOwnModules();
    addHandler(root, 'dynamic', "import AWSXRay from 'aws-xray-sdk-core';\nconst api = ['capture', 'Promise'].join('');\nexport const handler = async () => (AWSXRay as any)[api]();\n");
    const built = await buildHandlers({ root, log: () => {} });
    expect(invoke(built.find((handler) => handler.operationId === 'dynamic')!.file)).toMatch(/^threw: capturePromise: the promise patcher of aws-xray-sdk-core \(patchers\/promise_p\) was left out of this bundle/);
  });

  it('fails the build, naming both, when a module imports a left-out part by its file path', async () => {
    const root = projectWithOwnModules();
    addPackage(root, 'sql-tracing', "const Data = require('aws-xray-sdk-core/dist/lib/database/sql_data'); module.exports = () => new Data('db');");
    addHandler(root, 'queries', "import query from 'sql-tracing';\nexport const handler = async () => ({ statusCode: 200, body: String(query()) });\n");
    const failure = await buildHandlers({ root, log: () => {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BuildError);
    expect((failure as Error).message).toMatch(/node_modules\/sql-tracing\/index\.js imports aws-xray-sdk-core\/dist\/lib\/database\/sql_data, the SQL helpers of aws-xray-sdk-core, which this build leaves out/);
  });
});
