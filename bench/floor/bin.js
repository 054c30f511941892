#!/usr/bin/env node
// The floor's entry, shaped like bin/traced-api.ts: the compile cache, then the runtime.
import { enableCompileCache } from 'node:module';

try {
  enableCompileCache?.();
} catch {
  // no cache
}
const { runGenerator } = await import('./run.js');
process.exitCode = await runGenerator('app', process.argv.slice(2));
