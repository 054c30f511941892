// The watcher: rebuilds the handlers when src/ changes (new code means new execution environments, as after a
// deploy) and reloads the routes when the OpenAPI document changes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { LambdaEnvironment } from './lambda-environment.js';
import type { Output } from './output.js';
import type { ServedRoutes } from './routes.js';
import type { TraceStore } from './trace-store.js';

export interface WatcherOptions {
  root: string;
  openapiPath: string;
  routes: ServedRoutes;
  lambda: LambdaEnvironment;
  store: TraceStore;
  output: Output;
}

/** Watches until close(). */
export function watchProject({ root, openapiPath, routes, lambda, store, output }: WatcherOptions): { close(): void } {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let building = false;
  const rebuild = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (building) return rebuild();
      building = true;
      try {
        await runBuild(root, output.print);
        lambda.recycle();
        output.print(output.paint(32, 'handlers rebuilt: the next requests start cold'));
      } catch (error) {
        output.print(output.paint(31, error instanceof Error ? error.message : String(error)));
      } finally {
        building = false;
      }
    }, 150);
  };
  // Each folder of src/ (but the dev server's own) on its own: a folder's watch sees its files however an editor
  // saves them (in place, or a new file renamed over the old one), where a watch on a file would lose it.
  const src = path.join(root, 'src');
  const watched = new Set<string>();
  const watchFolders = () => {
    for (const folder of foldersOf(src, [path.join(src, 'dev'), path.join(src, 'traces')])) {
      if (watched.has(folder)) continue;
      watched.add(folder);
      watchers.push(
        watch(folder, () => {
          watchFolders();
          rebuild();
        }),
      );
    }
  };
  watchFolders();
  watchers.push(
    watch(path.dirname(openapiPath), (_event, file) => {
      if (String(file) !== path.basename(openapiPath)) return;
      try {
        const table = routes.reload();
        for (const warning of table.warnings) output.print(output.paint(33, warning));
        output.print(output.paint(32, `routes reloaded from ${path.relative(root, openapiPath)}: ${table.routes.map((route) => `${route.method} ${route.path}`).join(', ')}`));
        store.changed();
      } catch (error) {
        output.print(output.paint(31, `${path.relative(root, openapiPath)}: ${error instanceof Error ? error.message : String(error)}`));
      }
    }),
  );
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** `npm run build`, i.e. scripts/build.mjs; rejects with its output when it fails. */
export function runBuild(root: string, print: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        for (const line of output.trim().split('\n').filter(Boolean)) print(`  built ${line}`);
        resolve();
      } else {
        reject(new Error(`npm run build failed (exit ${code}):\n${output}`));
      }
    });
  });
}

/** `folder` and every folder below it, but those in `skip`. */
function foldersOf(folder: string, skip: string[]): string[] {
  if (skip.includes(folder) || !existsSync(folder)) return [];
  const below = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => foldersOf(path.join(folder, entry.name), skip));
  return [folder, ...below];
}
