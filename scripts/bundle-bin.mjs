// Bundles bin/run.ts (yeoman-environment, the terminal adapter, both generators and everything they
// import) into dist/bin/run.js, after tsc has written dist/. Reading and compiling one file instead
// of some two thousand modules is most of the bin's start-up time. The generators' own files in dist/
// stay as tsc wrote them: `yo` and yeoman-test load those.
//   node scripts/bundle-bin.mjs [--readable]     (--readable keeps names and lines, for profiling)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Code that reads files next to itself at import time, which would look next to the bundle instead:
 * [file, text, replacement]. yeoman-environment and yeoman-generator read their own package.json
 * (inlined here: PACKAGE_JSON); fdir, tinyglobby's walker, loads the optional picomatch from disk for
 * a glob option tinyglobby never uses.
 */
const PACKAGE_JSON = Symbol('package.json');
const EDITS = [
  ['yeoman-environment/dist/environment-base.js', "require('../package.json')", PACKAGE_JSON],
  ['yeoman-environment/dist/module-lookup.js', "JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json')).toString())", PACKAGE_JSON],
  ['yeoman-generator/dist/generator.js', "JSON.parse(readFileSync(pathJoin(_dirname, '../package.json'), 'utf8'))", PACKAGE_JSON],
  ['fdir/dist/index.mjs', '__require.resolve("picomatch");', ''],
  ['fdir/dist/index.mjs', 'pm = __require("picomatch");', ''],
  // @yeoman/conflicter looks for a .yo-resolve file in every folder above every file it commits, and
  // remembers the folders that have one but not those that have none (most): remember those too.
  // mem-fs-editor renders every destination path as an EJS template too (a compile per file): a path
  // without an opening tag renders as itself.
  [
    'mem-fs-editor/dist/actions/copy-tpl.js',
    'const renderedPath = ejs.render(destinationPath, templateData, {',
    "const renderedPath = !destinationPath.includes((templateOptions?.openDelimiter ?? ejs.openDelimiter ?? '<') + (templateOptions?.delimiter ?? ejs.delimiter ?? '%')) ? destinationPath : ejs.render(destinationPath, templateData, {",
  ],
  ['@yeoman/conflicter/dist/yo-resolve.js', '        catch {\n            // Ignore errors\n        }\n        return undefined;', '        catch {\n            // Ignore errors\n        }\n        this.groupedYoResolve.set(folder, null);\n        return undefined;'],
];
const EDITED = new RegExp(`[\\\\/]node_modules[\\\\/](${[...new Set(EDITS.map(([file]) => file.replace(/[/.]/g, (c) => (c === '/' ? '[\\\\/]' : '\\.'))))].join('|')})$`);

/**
 * Packages the bin never calls on its way (they serve features it does not use: installing missing
 * generators, resolving "latest" dependency versions, the external-editor prompt), loaded from
 * node_modules on first call instead of bundled. Each name: the exports the stand-in provides.
 */
const LAZY = {
  // yeoman-environment: installs missing generators with npm's arborist (hundreds of modules).
  'fly-import': { functions: ['flyImport'], classes: { FlyRepository: ['install', 'verifyInstalledVersion', 'require', 'import'] } },
  // yeoman-generator's addDependencies(): asks the registry for versions (ky, undici, npm-conf).
  'latest-version': { defaultFunction: true },
  // The editor prompt of @inquirer/prompts (iconv-lite and chardet: a quarter of the bundle).
  '@inquirer/external-editor': { callbacks: { editAsync: 1 } },
};

/**
 * Packages bundled, but evaluated on first call instead of at start-up (their top level costs
 * more than their size): ora (the adapter's spinner) measures text with string-width, whose
 * top level builds an Intl.Segmenter and Unicode property regular expressions; execa (a graph of
 * small modules) serves only `npm install`, which --skip-install and the endpoint command never run.
 * Each: the exported functions the stand-in provides.
 */
const DEFERRED = { 'string-width': ['default'], execa: ['execa', 'execaSync', 'parseCommandString'] };

/** The package.json of the package a file belongs to. */
function packageJsonOf(file) {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (json.name && json.version) return json;
    } catch {
      // not here: one folder up
    }
  }
  throw new Error(`No package.json above ${file}`);
}

function lazyModule(name, { defaultFunction = false, functions = [], callbacks = {}, classes = {} }) {
  const load = `const load = () => import(${JSON.stringify(name)});`;
  const fns = functions.map((fn) => `export const ${fn} = async (...args) => (await load()).${fn}(...args);`);
  if (defaultFunction) fns.push('export default async (...args) => (await load()).default(...args);');
  // Node-style callback APIs: the callback hears of a failed load.
  for (const [fn, at] of Object.entries(callbacks)) {
    fns.push(`export function ${fn}(...args) { load().then((m) => m.${fn}(...args), (error) => args[${at}]?.(error)); }`);
  }
  const cls = Object.entries(classes).map(
    ([cls, methods]) => `export class ${cls} {
      #args; #real;
      constructor(...args) { this.#args = args; }
      async #instance() { return (this.#real ??= new (await load()).${cls}(...this.#args)); }
      ${methods.map((m) => `async ${m}(...args) { return (await this.#instance()).${m}(...args); }`).join('\n')}
    }`,
  );
  return [load, ...fns, ...cls].join('\n');
}

/**
 * - Our sources (under `sources`): import.meta.url becomes the URL of the file tsc wrote for them,
 *   relative to the bundle, so templates/ and dependency-versions/ are found from any install location.
 * - yeoman-environment and yeoman-generator: their own package.json, read at import, is inlined.
 * - LAZY packages: stand-ins that import the real package on first call.
 */
function plugin({ outfile, sources }) {
  const folders = sources.map((folder) => path.join(root, folder) + path.sep);
  return {
    name: 'traced-api-bin',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`) || !folders.some((folder) => args.path.startsWith(folder))) return undefined;
        const emitted = path.join(root, 'dist', path.relative(root, args.path)).replace(/\.ts$/, '.js');
        const relative = path.relative(path.dirname(outfile), emitted).split(path.sep).join('/');
        const contents = readFileSync(args.path, 'utf8').replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`);
        return { contents, loader: path.extname(args.path).slice(1).replace(/^[cm]/, ''), resolveDir: path.dirname(args.path) };
      });
      build.onLoad({ filter: EDITED }, (args) => {
        const edits = EDITS.filter(([file]) => args.path.endsWith(path.join(...file.split('/'))));
        const { name, version } = packageJsonOf(args.path);
        let contents = readFileSync(args.path, 'utf8');
        for (const [file, text, replacement] of edits) {
          if (!contents.includes(text)) throw new Error(`${file} no longer holds ${text}: update scripts/bundle-bin.mjs`);
          contents = contents.replace(text, replacement === PACKAGE_JSON ? JSON.stringify({ name, version }) : replacement);
        }
        return { contents, loader: 'js' };
      });
      const deferredNames = new RegExp(`^(${Object.keys(DEFERRED).map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
      build.onResolve({ filter: deferredNames }, async (args) => {
        if (args.pluginData?.real) return undefined;
        const real = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { real: true } });
        if (real.errors.length > 0) return { errors: real.errors };
        return { path: real.path, namespace: 'deferred', pluginData: { name: args.path } };
      });
      // require() of an ES module inside a bundle: esbuild evaluates it on that first require.
      build.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => ({
        contents: [
          `let real;\nconst load = () => (real ??= require(${JSON.stringify(args.path)}));`,
          ...DEFERRED[args.pluginData.name].map((fn) =>
            fn === 'default' ? 'export default function deferred(...args) { return load().default(...args); }' : `export function ${fn}(...args) { return load().${fn}(...args); }`,
          ),
        ].join('\n'),
        resolveDir: root,
      }));
      const lazyNames = new RegExp(`^(${Object.keys(LAZY).map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
      build.onResolve({ filter: lazyNames }, (args) => (args.namespace === 'lazy' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({ contents: lazyModule(args.path, LAZY[args.path]), resolveDir: root }));
    },
  };
}

/** Bundles `entry` into `outfile` (an ES module); `sources`: folders of the repository whose import.meta.url is kept. */
export async function bundleRuntime({ entry, outfile, sources = ['bin', 'generators', 'lib'], readable = false }) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // CommonJS dependencies bundled into an ES module call require() for Node's own modules.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    plugins: [plugin({ outfile, sources })],
    legalComments: 'none',
    minifySyntax: !readable,
    minifyWhitespace: !readable,
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outfile = path.join(root, 'dist/bin/run.js');
  const metafile = await bundleRuntime({ entry: path.join(root, 'bin/run.ts'), outfile, readable: process.argv.includes('--readable') });
  const output = Object.values(metafile.outputs)[0];
  console.log(`dist/bin/run.js: ${Object.keys(output.inputs).length} modules bundled, ${(output.bytes / 1024).toFixed(0)} KiB`);
}
