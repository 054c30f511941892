#!/usr/bin/env node
// `npm run bench`: the figures of issues 4 and 10 (8: against Powertools' Tracer), measured side by side in one run and printed with
// their targets; the run is kept in bench/RESULTS.md. Every figure is a ratio of medians (or a median
// of per-pair ratios) over alternating runs, so a noisy machine moves both sides alike.
//   node bench/run.js [--quick] [--figures 4,5,8]   (after `npm run build`; --quick: fewer repetitions, for trying;
//   --figures: only these; 4, 5 and 8 run together, and a partial run updates only its rows of bench/RESULTS.md)
// Needs the npm registry once, to install projen (pinned below) into ~/.cache/traced-api-bench
// (TRACED_API_BENCH_CACHE); the generated projects use this repository's node_modules. Nothing calls AWS.
import { fork, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleRuntime } from '../scripts/bundle-bin.mjs';
import { startLocalDaemon, startLocalSns } from './lib/local-aws.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const here = path.join(root, 'bench');
const quick = process.argv.includes('--quick');
const ALL_FIGURES = [1, 2, 3, 4, 5, 6, 7, 8];
/** --figures 4,5,8 (or --figures=4,5,8): the figures to run; all by default. */
function selectedFigures(argv) {
  const index = argv.findIndex((arg) => arg === '--figures' || arg.startsWith('--figures='));
  if (index < 0) return ALL_FIGURES;
  const text = argv[index].includes('=') ? argv[index].slice('--figures='.length) : (argv[index + 1] ?? '');
  const chosen = text.split(',').map((part) => Number(part.trim()));
  const wrong = text.split(',').filter((_, i) => !ALL_FIGURES.includes(chosen[i]));
  if (text === '' || wrong.length > 0) throw new Error(`--figures ${JSON.stringify(text)}: give figure numbers from ${ALL_FIGURES.join(', ')}, separated by commas (e.g. --figures 4,5,8)`);
  return [...new Set(chosen)].sort((a, b) => a - b);
}
const only = selectedFigures(process.argv.slice(2));
const runs = (...ids) => ids.some((id) => only.includes(id));
const PROJEN = 'projen@0.103.25';
const POWERTOOLS = `@aws-lambda-powertools/tracer@${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).devDependencies['@aws-lambda-powertools/tracer']}`;
const cacheDir = process.env.TRACED_API_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'traced-api-bench');
const work = mkdtempSync(path.join(os.tmpdir(), 'traced-api-bench-'));
// yo drops root privileges: the folders it works in must be reachable and writable by anyone.
chmodSync(work, 0o755);
const bin = path.join(root, 'dist/bin/traced-api.js');
const yoCli = path.join(root, 'node_modules/yo/lib/cli.js');
const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const startedAt = new Date();
const loadAtStart = os.loadavg();

// ---------------------------------------------------------------------------------------------
// Measuring

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
let folderCount = 0;
const freshFolder = (prefix) => {
  const folder = path.join(work, `${prefix}-${++folderCount}`);
  mkdirSync(folder, { recursive: true });
  return folder;
};

/** Runs a command to its end; its wall time in ms. Fails loudly when the command does. */
function timed({ command = process.execPath, args, cwd, env }) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed with ${result.status ?? result.signal}:\n${result.stderr}`);
  return ms;
}

/**
 * Runs a and b alternately (a b, b a, a b ...) after `warmup` untimed rounds; each is a function that
 * prepares a fresh run and returns what `timed` takes.
 */
function compare(a, b, { pairs, warmup = 1 }) {
  for (let i = 0; i < warmup; i++) {
    timed(a());
    timed(b());
  }
  const times = { a: [], b: [] };
  const ratios = [];
  for (let i = 0; i < pairs; i++) {
    let ta;
    let tb;
    if (i % 2 === 0) {
      ta = timed(a());
      tb = timed(b());
    } else {
      tb = timed(b());
      ta = timed(a());
    }
    times.a.push(ta);
    times.b.push(tb);
    ratios.push(ta / tb);
  }
  // The figure: median a / median b. The median of the per-pair ratios is kept as a check.
  return { a: median(times.a), b: median(times.b), ratio: median(times.a) / median(times.b), pairRatio: median(ratios), pairs };
}

// ---------------------------------------------------------------------------------------------
// Setup: what the figures run

/** npm install of `packages` into a folder of the cache, once; the folder. */
function ensureInstalled(name, packages) {
  const folder = path.join(cacheDir, name);
  const marker = path.join(folder, '.installed');
  if (existsSync(marker)) return folder;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify({ name: 'traced-api-bench-cache', private: true }, null, 2)}\n`);
  console.log(`bench: installing ${packages.join(' ')} into ${folder} (once)`);
  const result = spawnSync(npmCommand, ['install', '--save-exact', '--no-audit', '--no-fund', '--loglevel=error', ...packages], { cwd: folder, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm install ${packages.join(' ')} failed`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return folder;
}

/** `traced-api new <name> --yes --skip-install [options]` in `cwd`; the project folder. */
function newProject(cwd, name, options = []) {
  timed({ args: [bin, 'new', name, '--yes', '--skip-install', ...options], cwd });
  return path.join(cwd, name);
}

function addEndpoints(project, count) {
  if (count > 0) timed({ args: [path.join(here, 'lib/add-endpoints.js'), project, String(count)], cwd: project });
}

/** The floor: a one-file generator, bundled and started exactly as the bin (bench/floor/). */
async function buildFloor() {
  const folder = path.join(work, 'floor');
  mkdirSync(folder);
  await bundleRuntime({ entry: path.join(here, 'floor/run.js'), outfile: path.join(folder, 'run.js'), sources: [] });
  copyFileSync(path.join(here, 'floor/bin.js'), path.join(folder, 'bin.js'));
  // As dist/bin/ sits in this package ("type": "module"): without it Node would first try both files as CommonJS.
  writeFileSync(path.join(folder, 'package.json'), '{ "type": "module" }\n');
  return path.join(folder, 'bin.js');
}

// ---------------------------------------------------------------------------------------------
// The figures

const figures = [];
const details = [];
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const x = (ratio) => `${ratio.toFixed(2)}x`;

function report(figure) {
  figures.push(figure);
  const status = figure.met === undefined ? 'reported' : figure.met ? 'MET' : 'NOT MET';
  console.log(`\n[${figure.id}] ${figure.title}\n    ${figure.value}   target: ${figure.target}   ${status}\n    ${figure.detail}`);
}

async function figureNew(floorBin) {
  let lastNew;
  const r = compare(
    () => ({ args: [bin, 'new', 'x', '--yes', '--skip-install'], cwd: (lastNew = freshFolder('new')) }),
    () => ({ args: [floorBin, 'x', '--yes', '--skip-install'], cwd: freshFolder('floor') }),
    { pairs: quick ? 5 : 21, warmup: 2 },
  );
  // What Yeoman itself spends per file: the floor writing as many (one-line) files as `new` writes.
  const files = readdirSync(path.join(lastNew, 'x'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
  const perFile = compare(
    () => ({ args: [floorBin, 'x'], cwd: freshFolder('floor-files'), env: { FLOOR_FILES: String(files) } }),
    () => ({ args: [floorBin, 'x'], cwd: freshFolder('floor') }),
    { pairs: quick ? 3 : 9, warmup: 1 },
  );
  // For scale: the same floor generator with yeoman-environment as npm installs it (not bundled).
  const unbundled = compare(
    () => ({ args: [path.join(here, 'floor/bin.js'), 'x'], cwd: freshFolder('floor-unbundled') }),
    () => ({ args: [floorBin, 'x'], cwd: freshFolder('floor') }),
    { pairs: quick ? 2 : 4, warmup: 1 },
  );
  report({
    id: 1, title: 'App generation against the Yeoman floor (`traced-api new x --yes --skip-install` / one-file generator, same start-up)',
    value: x(r.ratio), target: '<= 1.30x', met: r.ratio <= 1.3,
    detail:
      `new ${fmt(r.a)}, floor ${fmt(r.b)} (medians of ${r.pairs} alternating pairs; median of the pairs' ratios ${x(r.pairRatio)}); ` +
      `\`new\` writes ${files} files, and the floor writing ${files} one-line files takes ${fmt(perFile.a)}, ${x(perFile.ratio)} the floor; ` +
      `the floor unbundled, as npm installs yeoman-environment: ${fmt(unbundled.a)}`,
  });
}

async function figureEndpoint() {
  const base = freshFolder('endpoint-base');
  const small = newProject(base, 'one');
  const large = path.join(base, 'many');
  cpSync(small, large, { recursive: true });
  addEndpoints(large, 99);
  const run = (project) => () => {
    const copy = path.join(freshFolder('endpoint'), 'project');
    cpSync(project, copy, { recursive: true });
    return { args: [bin, 'endpoint', 'GET', '/bench/{id}', '--yes'], cwd: copy };
  };
  const r = compare(run(large), run(small), { pairs: quick ? 5 : 15, warmup: 1 });
  // A document edited by hand since the generator last wrote it: the generator parses all of it (lib/openapi-index.ts
  // holds nothing for that text), which is what every run would cost without the index.
  const edited = (project) => () => {
    const step = run(project)();
    writeFileSync(path.join(step.cwd, 'openapi/openapi.yaml'), `${readFileSync(path.join(step.cwd, 'openapi/openapi.yaml'), 'utf8')}# edited by hand\n`);
    return step;
  };
  const cold = compare(edited(large), edited(small), { pairs: quick ? 2 : 5, warmup: 0 });
  report({
    id: 2, title: 'Endpoint scaling (`traced-api endpoint GET /bench/{id}` in a project of 100 endpoints / of 1)',
    value: x(r.ratio), target: '<= 1.5x', met: r.ratio <= 1.5,
    detail: `100: ${fmt(r.a)}, 1: ${fmt(r.b)} (${r.pairs} pairs; median of the pairs' ratios ${x(r.pairRatio)}); with the document parsed in full (a hand edit since the generator wrote it, as every run would be without lib/openapi-index.ts): ${x(cold.ratio)} (${fmt(cold.a)} / ${fmt(cold.b)})`,
  });
}

function figureYo() {
  const home = path.join(work, 'yo-home');
  mkdirSync(home);
  chmodSync(home, 0o777);
  const folder = (prefix) => {
    const cwd = freshFolder(prefix);
    chmodSync(cwd, 0o777);
    mkdirSync(path.join(cwd, 'node_modules'));
    symlinkSync(root, path.join(cwd, 'node_modules/generator-traced-api'));
    return cwd;
  };
  const env = { HOME: home, NO_UPDATE_NOTIFIER: '1' };
  const r = compare(
    () => ({ args: [yoCli, 'traced-api', 'x', '--yes', '--skip-install', '--no-insight'], cwd: folder('yo'), env }),
    () => ({ args: [bin, 'new', 'x', '--yes', '--skip-install'], cwd: folder('bin'), env }),
    { pairs: quick ? 3 : 7, warmup: 1 },
  );
  report({
    id: 3, title: 'Start-up of the bin against `yo` (the same generation through each)',
    value: `yo / bin = ${x(r.ratio)}`, target: 'reported; the bin the faster door', met: undefined,
    detail: `yo ${fmt(r.a)}, traced-api ${fmt(r.b)} (${r.pairs} pairs): the bin is ${r.ratio > 1 ? 'the faster door' : 'NOT faster'}`,
  });
}

/**
 * The handler project: generated, built by its own build script (traced-api-devkit's build) with this repository's
 * node_modules linked in: the devkit, and the SDKs at the versions dependency-versions pins (the devkit's devDependencies).
 */
function handlerProject(options = []) {
  const project = newProject(freshFolder('handlers'), 'handlers', options);
  symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  timed({ args: ['scripts/build.mjs'], cwd: project });
  return project;
}

/**
 * The example handler five ways: as the project builds it (X-Ray SDK), as an otel project builds it (`--tracer otel`),
 * untraced, with the raw X-Ray SDK, and with Powertools' Tracer.
 */
async function handlerVariants(project, otelProject) {
  const { build } = await import(path.join(project, 'node_modules/esbuild/lib/main.js'));
  const out = path.join(project, 'bench-variants');
  // The options of the project's scripts/build.mjs, without its X-Ray plugin.
  const options = {
    entryPoints: [path.join(project, 'src/handlers/createOrder.ts')], bundle: true, platform: 'node', target: 'node22',
    format: 'cjs', minify: true, sourcemap: 'linked', sourcesContent: false, legalComments: 'none', external: ['@aws-sdk/*'], logLevel: 'warning',
  };
  const untracedTracing = readFileSync(path.join(here, 'lib/untraced-tracing.ts'), 'utf8');
  const untraced = {
    name: 'untraced',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]lib[\\/]tracing\.ts$/ }, () => ({ contents: untracedTracing, loader: 'ts' }));
    },
  };
  await build({ ...options, outfile: path.join(out, 'untraced/index.js'), plugins: [untraced] });
  await build({ ...options, outfile: path.join(out, 'raw/index.js') });
  // Figure 8: the same handler traced with Powertools' Tracer (bench/lib/powertools-*.ts), the same options.
  const powertoolsTracing = readFileSync(path.join(here, 'lib/powertools-tracing.ts'), 'utf8');
  const powertools = {
    name: 'powertools',
    setup(b) {
      b.onResolve({ filter: /^generated-handler$/ }, () => ({ path: path.join(project, 'src/handlers/createOrder.ts') }));
      b.onResolve({ filter: /^generated-tracing$/ }, () => ({ path: path.join(project, 'src/lib/tracing.ts') }));
      // Its imports (Powertools, aws-xray-sdk-core) resolve from bench/lib, in this repository's node_modules.
      b.onLoad({ filter: /[\\/]src[\\/]lib[\\/]tracing\.ts$/ }, () => ({ contents: powertoolsTracing, loader: 'ts', resolveDir: path.join(here, 'lib') }));
    },
  };
  await build({ ...options, entryPoints: [path.join(here, 'lib/powertools-handler.ts')], outfile: path.join(out, 'powertools/index.js'), plugins: [powertools] });
  writeFileSync(path.join(out, 'package.json'), '{ "type": "commonjs" }\n');
  const bundles = {
    traced: path.join(project, 'dist/createOrder/index.js'),
    otel: path.join(otelProject, 'dist/createOrder/index.js'),
    untraced: path.join(out, 'untraced/index.js'),
    raw: path.join(out, 'raw/index.js'),
    powertools: path.join(out, 'powertools/index.js'),
  };
  const sizes = Object.fromEntries(Object.entries(bundles).map(([name, file]) => [name, statSync(file).size]));
  return { bundles, sizes };
}

function lambdaEnv(project, sns, daemon, bundle) {
  return {
    ...process.env,
    LAMBDA_TASK_ROOT: path.dirname(bundle),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: 'handlers-dev-createOrder',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: 'test',
    AWS_CONFIG_FILE: path.join(project, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(project, 'no-aws-config'),
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:handlers-dev-events',
    LOG_LEVEL: 'INFO',
  };
}

/** A handler process: loaded, then driven over IPC. */
function startHandler(bundle, env, execArgv = []) {
  const child = fork(path.join(here, 'lib/handler-child.cjs'), [bundle], { env, execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const queue = [];
  const waiting = [];
  child.on('message', (message) => {
    if (message.type === 'error') waiting.shift()?.reject(new Error(`${bundle}: ${message.message}\n${stderr}`));
    else if (waiting.length > 0) waiting.shift().resolve(message);
    else queue.push(message);
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${bundle}: the handler process exited (${code}):\n${stderr}`));
  });
  const next = () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject })));
  return {
    next,
    ask: (message) => {
      child.send(message);
      return next();
    },
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.send({ type: 'exit' });
    }),
  };
}

/** Cold starts: a fresh process per sample, the variants in rotating order, after one untimed round; per variant, its samples. */
async function coldStarts(names, rounds, lambdaFor) {
  const cold = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < rounds + 1; i++) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const name of order) {
      const lambda = lambdaFor(name);
      const loaded = await lambda.next();
      const first = await lambda.ask({ type: 'first' });
      await lambda.stop();
      if (i > 0) cold[name].push({ load: loaded.loadMs, first: first.firstMs, sinceStart: loaded.sinceStartMs });
    }
  }
  return cold;
}

/** SNS subsegments in a daemon document, nested ones included (Powertools nests them in its handler subsegment). */
const snsSubsegments = (doc) => (doc.name === 'SNS' ? 1 : 0) + (doc.subsegments ?? []).reduce((sum, sub) => sum + snsSubsegments(sub), 0);

/** Warm invocations of two variants: one process each, rounds of `perRound` invocations in alternating order. */
async function warmRun([a, b], { lambdaFor, daemon, rounds, perRound, execArgv = [] }) {
  const warm = { [a]: lambdaFor(a, execArgv), [b]: lambdaFor(b, execArgv) };
  await Promise.all(Object.values(warm).map((lambda) => lambda.next()));
  for (const lambda of Object.values(warm)) await lambda.ask({ type: 'invoke', count: perRound });
  const before = daemon.documents.length;
  const medians = { [a]: [], [b]: [] };
  const cpu = { [a]: [], [b]: [] };
  for (let i = 0; i < rounds; i++) {
    for (const name of i % 2 === 0 ? [a, b] : [b, a]) {
      const { ms, cpuMs } = await warm[name].ask({ type: 'invoke', count: perRound });
      medians[name].push(median(ms));
      cpu[name].push(cpuMs);
    }
  }
  await Promise.all(Object.values(warm).map((lambda) => lambda.stop()));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const subsegments = daemon.documents.slice(before).reduce((sum, doc) => sum + snsSubsegments(doc), 0);
  return {
    [a]: median(medians[a]), [b]: median(medians[b]), ratio: median(medians[a]) / median(medians[b]),
    cpu: { [a]: median(cpu[a]), [b]: median(cpu[b]) }, subsegments,
  };
}

async function figureHandlers(project, variants, sns, daemon) {
  const { bundles, sizes } = variants;
  const lambdaFor = (name, execArgv = []) => startHandler(bundles[name], lambdaEnv(project, sns, daemon, bundles[name]), execArgv);
  // 4 and 8. Cold start: a fresh process per sample, all five variants in rotating order.
  const rounds = quick ? 6 : 21;
  const cold = await coldStarts(['traced', 'otel', 'untraced', 'raw', 'powertools'], rounds, lambdaFor);
  const m = (name, key) => median(cold[name].map((sample) => sample[key]));
  const coldStart = (name) => median(cold[name].map((sample) => sample.load + sample.first));
  const ratio = m('traced', 'load') / m('untraced', 'load');
  const rawRatio = m('raw', 'load') / m('untraced', 'load');
  const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
  const otelCold = coldStart('otel') / coldStart('traced');
  report({
    id: 4, title: 'Handler cold start (a fresh Node process loading the built example handler, traced / untraced; otel / xray-sdk)',
    value: `${x(ratio)}, ${kb(sizes.traced)}; otel ${x(otelCold)} the xray-sdk's, ${kb(sizes.otel)}`,
    target: `<= 1.50x, bundle <= the raw SDK's (${kb(sizes.raw)}); otel cold start <= 1.30x the xray-sdk's`,
    met: ratio <= 1.5 && sizes.traced <= sizes.raw && otelCold <= 1.3,
    detail:
      `otel (--tracer otel): load + first invocation ${coldStart('otel').toFixed(1)} ms against the xray-sdk's ${coldStart('traced').toFixed(1)} ms ` +
      `(load ${m('otel', 'load').toFixed(1)} / ${m('traced', 'load').toFixed(1)} ms, first invocation ${m('otel', 'first').toFixed(1)} / ${m('traced', 'first').toFixed(1)} ms), ` +
      `${x(coldStart('otel') / coldStart('untraced'))} the untraced handler's, bundle ${kb(sizes.otel)}; ` +
      `load: traced ${m('traced', 'load').toFixed(1)} ms, untraced ${m('untraced', 'load').toFixed(1)} ms, raw X-Ray SDK ${m('raw', 'load').toFixed(1)} ms (${x(rawRatio)}); ` +
      `load + first invocation: ${x(coldStart('traced') / coldStart('untraced'))} ` +
      `(raw ${x(coldStart('raw') / coldStart('untraced'))}); ` +
      `process start to loaded: ${x(m('traced', 'sinceStart') / m('untraced', 'sinceStart'))}; sizes (minified, AWS SDK left out): ` +
      `traced ${kb(sizes.traced)}, untraced ${kb(sizes.untraced)}, raw ${kb(sizes.raw)}; ${rounds} samples each`,
  });

  // 5. Warm invocations, traced against untraced.
  const perRound = quick ? 100 : 200;
  const warmRounds = quick ? 4 : 12;
  const w = await warmRun(['traced', 'untraced'], { lambdaFor, daemon, rounds: warmRounds, perRound });
  const o = await warmRun(['otel', 'untraced'], { lambdaFor, daemon, rounds: warmRounds, perRound });
  // Node 24 (the nodejs24.x runtime) keeps AsyncLocalStorage in async context frames, without hooks: Node 22 with the flag.
  const frames = await warmRun(['traced', 'untraced'], { lambdaFor, daemon, rounds: quick ? 2 : 6, perRound, execArgv: ['--experimental-async-context-frame'] });
  const otelFrames = await warmRun(['otel', 'untraced'], { lambdaFor, daemon, rounds: quick ? 2 : 6, perRound, execArgv: ['--experimental-async-context-frame'] });
  report({
    id: 5, title: 'Warm invocation overhead (per invocation, traced / untraced, local SNS endpoint and UDP daemon; xray-sdk and otel)',
    value: `xray-sdk ${x(w.ratio)}, otel ${x(o.ratio)}`, target: 'each <= 1.15x', met: w.ratio <= 1.15 && o.ratio <= 1.15,
    detail:
      `otel: ${o.otel.toFixed(2)} ms, untraced ${o.untraced.toFixed(2)} ms per invocation (its own alternating rounds), CPU ${o.cpu.otel.toFixed(2)} / ${o.cpu.untraced.toFixed(2)} ms ` +
      `(${x(o.cpu.otel / o.cpu.untraced)}), ${o.subsegments} SNS calls recorded for ${warmRounds * perRound} invocations, ` +
      `with --experimental-async-context-frame ${x(otelFrames.ratio)} (${otelFrames.otel.toFixed(2)} / ${otelFrames.untraced.toFixed(2)} ms); xray-sdk: ` +
      `traced ${w.traced.toFixed(2)} ms, untraced ${w.untraced.toFixed(2)} ms per invocation ` +
      `(medians of ${warmRounds} alternating rounds of ${perRound}); CPU time per invocation: traced ${w.cpu.traced.toFixed(2)} ms, untraced ${w.cpu.untraced.toFixed(2)} ms ` +
      `(${x(w.cpu.traced / w.cpu.untraced)}); the daemon received ${w.subsegments} SNS subsegments for ${warmRounds * perRound} traced invocations; ` +
      `with --experimental-async-context-frame (Node 24's default, the nodejs24.x runtime): ${x(frames.ratio)} (${frames.traced.toFixed(2)} / ${frames.untraced.toFixed(2)} ms)`,
  });

  // 8. Against Powertools' Tracer: the same handler, the same bundling, the same cold samples; warm rounds of their own.
  const p = await warmRun(['traced', 'powertools'], { lambdaFor, daemon, rounds: warmRounds, perRound });
  const po = await warmRun(['otel', 'powertools'], { lambdaFor, daemon, rounds: warmRounds, perRound });
  const ratios = { size: sizes.traced / sizes.powertools, cold: coldStart('traced') / coldStart('powertools'), warm: p.ratio };
  const otelRatios = { size: sizes.otel / sizes.powertools, cold: coldStart('otel') / coldStart('powertools'), warm: po.ratio };
  report({
    id: 8, title: `Against Powertools' Tracer (the generated example handler / the same handler with ${POWERTOOLS}, middy's captureLambdaHandler, same esbuild options)`,
    value: `size ${x(ratios.size)}, cold start ${x(ratios.cold)}, warm ${x(ratios.warm)}; otel: size ${x(otelRatios.size)}, cold start ${x(otelRatios.cold)}, warm ${x(otelRatios.warm)}`,
    target: 'each < 1.00x (the generated xray-sdk handler ahead); otel reported',
    met: ratios.size < 1 && ratios.cold < 1 && ratios.warm < 1,
    detail:
      `otel / Powertools: bundle ${kb(sizes.otel)}, cold start ${coldStart('otel').toFixed(1)} ms, warm ${po.otel.toFixed(2)} / ${po.powertools.toFixed(2)} ms per invocation; ` +
      `bundles (minified, AWS SDK left out): generated ${kb(sizes.traced)}, Powertools ${kb(sizes.powertools)}; ` +
      `cold start (load + first invocation, medians of ${rounds} fresh processes): generated ${coldStart('traced').toFixed(1)} ms ` +
      `(load ${m('traced', 'load').toFixed(1)} + first ${m('traced', 'first').toFixed(1)}), Powertools ${coldStart('powertools').toFixed(1)} ms ` +
      `(load ${m('powertools', 'load').toFixed(1)} + first ${m('powertools', 'first').toFixed(1)}); ` +
      `warm: generated ${p.traced.toFixed(2)} ms, Powertools ${p.powertools.toFixed(2)} ms per invocation (medians of ${warmRounds} alternating rounds of ${perRound}), ` +
      `CPU ${p.cpu.traced.toFixed(2)} / ${p.cpu.powertools.toFixed(2)} ms; the daemon received ${p.subsegments} SNS subsegments for ${2 * warmRounds * perRound} invocations`,
  });
}

function figureBuild(project) {
  const large = path.join(freshFolder('build'), 'handlers');
  cpSync(project, large, { recursive: true, verbatimSymlinks: true });
  addEndpoints(large, 19);
  const runs = [];
  const scriptOnly = [];
  for (let i = 0; i < (quick ? 2 : 4); i++) {
    runs.push(timed({ command: npmCommand, args: ['run', 'build', '--silent'], cwd: large }));
    scriptOnly.push(timed({ args: ['scripts/build.mjs'], cwd: large }));
  }
  const total = median(runs.slice(1));
  report({
    id: 6, title: 'Generated project build (`npm run build`, 20 endpoints)',
    value: `${(total / 1000).toFixed(2)} s, ${(total / 20 / 1000).toFixed(3)} s per endpoint`, target: 'reported', met: undefined,
    detail: `median of ${runs.length - 1} runs after a first; node scripts/build.mjs alone: ${fmt(median(scriptOnly.slice(1)))}`,
  });
}

function figureProjen(projenFolder) {
  const projen = path.join(projenFolder, 'node_modules/projen/bin/projen');
  const r = compare(
    () => ({ args: [bin, 'new', 'x', '--yes', '--skip-install'], cwd: freshFolder('new') }),
    () => ({ args: [projen, 'new', 'awscdk-app-ts', '--no-post', '--no-git'], cwd: freshFolder('projen') }),
    { pairs: quick ? 3 : 9, warmup: 1 },
  );
  report({
    id: 7, title: `Against projen (\`traced-api new x --yes --skip-install\` / \`projen new awscdk-app-ts --no-post --no-git\`, ${PROJEN})`,
    value: x(r.ratio), target: '<= 1.00x', met: r.ratio <= 1.0,
    detail: `traced-api ${fmt(r.a)}, projen ${fmt(r.b)} (${r.pairs} pairs; median of the pairs' ratios ${x(r.pairRatio)})`,
  });
}

// ---------------------------------------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

/** The rows and details of the figures this run did not make, as bench/RESULTS.md holds them from an earlier run. */
function earlierResults(file) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const rows = new Map([...text.matchAll(/^\| (\d+) \|.*$/gm)].map((match) => [Number(match[1]), match[0]]));
  const details = text.includes('## Details') ? text.slice(text.indexOf('## Details')).split('\n## How')[0] : '';
  const detailLines = new Map([...details.matchAll(/^(\d+)\. .*$/gm)].map((match) => [Number(match[1]), match[0]]));
  return { rows, details: detailLines };
}

function writeResults() {
  figures.sort((a, b) => a.id - b.id);
  const file = path.join(here, 'RESULTS.md');
  const earlier = earlierResults(file);
  const made = new Set(figures.map((f) => f.id));
  const kept = ALL_FIGURES.filter((id) => !made.has(id) && earlier.rows.has(id));
  const rows = new Map(figures.map((f) => [f.id, `| ${f.id} | ${f.title.replaceAll('|', '/')} | ${f.value} | ${f.target} | ${f.met === undefined ? 'reported' : f.met ? 'met' : '**not met**'} |`]));
  const details = new Map(figures.map((f) => [f.id, `${f.id}. ${f.detail}`]));
  for (const id of kept) {
    rows.set(id, earlier.rows.get(id));
    if (earlier.details.has(id)) details.set(id, earlier.details.get(id));
  }
  const ids = [...rows.keys()].sort((a, b) => a - b);
  const notes = readFileSync(path.join(here, 'NOTES.md'), 'utf8');
  const text = [
    '# Benchmark results',
    '',
    `Last run of \`npm run bench\`${quick ? ' (--quick)' : ''}${only.length < ALL_FIGURES.length ? ` --figures ${only.join(',')}` : ''}: ${startedAt.toISOString()}, ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s.` +
      (kept.length > 0 ? ` Figures ${kept.join(', ')}: from the run before, unchanged.` : ''),
    `Machine: ${machine()}; load average at the start ${loadAtStart.map((l) => l.toFixed(2)).join(', ')}, at the end ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}.`,
    '',
    '| # | figure | measured | target | |',
    '|---|---|---|---|---|',
    ...ids.map((id) => rows.get(id)),
    '',
    '## Details',
    '',
    ...ids.filter((id) => details.has(id)).map((id) => details.get(id)),
    '',
    notes.trim(),
    '',
  ].join('\n');
  writeFileSync(file, text);
}

/** The SDKs the handler figures load are the versions generated projects pin. */
function checkPinnedSdks() {
  const { dependencies, tracers } = JSON.parse(readFileSync(path.join(root, 'dependency-versions/package.json'), 'utf8'));
  for (const [name, version] of Object.entries({ ...dependencies, ...tracers['xray-sdk'], ...tracers.otel })) {
    const installed = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
    if (installed !== version) throw new Error(`node_modules/${name} is ${installed}, generated projects pin ${version}: npm ci first`);
  }
}

async function main() {
  if (!existsSync(bin) || !existsSync(path.join(root, 'dist/bin/run.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  console.log(`bench: ${machine()}; working in ${work}`);
  checkPinnedSdks();
  const projenFolder = runs(7) ? ensureInstalled(PROJEN.replace('@', '-'), [PROJEN]) : undefined;
  const floorBin = runs(1) ? await buildFloor() : undefined;

  if (runs(1)) await figureNew(floorBin);
  if (runs(2)) await figureEndpoint();
  if (runs(3)) figureYo();
  const project = runs(4, 5, 6, 8) ? handlerProject() : undefined;
  if (runs(4, 5, 8)) {
    const variants = await handlerVariants(project, handlerProject(['--tracer', 'otel']));
    const [sns, daemon] = await Promise.all([startLocalSns(), startLocalDaemon()]);
    try {
      await figureHandlers(project, variants, sns, daemon);
    } finally {
      await Promise.all([sns.stop(), daemon.stop()]);
    }
  }
  if (runs(6)) figureBuild(project);
  if (runs(7)) figureProjen(projenFolder);

  writeResults();
  const missed = figures.filter((f) => f.met === false).map((f) => f.id);
  console.log(`\nbench: ${figures.length} figures in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s; targets ${missed.length ? `not met: ${missed.join(', ')}` : 'all met'}; written to bench/RESULTS.md`);
}

try {
  await main();
} finally {
  if (!process.env.TRACED_API_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
}
