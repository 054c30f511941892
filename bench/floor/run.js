// The floor's runtime, shaped like bin/run.ts: a terminal adapter, an environment, one registered
// generator class. The bench bundles it with scripts/bundle-bin.mjs, exactly as the bin's run.js.
import { fileURLToPath } from 'node:url';
import { TerminalAdapter } from '@yeoman/adapter';
import { createEnv } from 'yeoman-environment';
import FloorGenerator from './generator.js';

export async function runGenerator(_generator, args) {
  const env = createEnv({ adapter: new TerminalAdapter() });
  env.register(FloorGenerator, { namespace: 'floor:app', resolved: fileURLToPath(new URL('./generator.js', import.meta.url)) });
  try {
    await env.run(['floor:app', ...args], { help: false, force: false });
    return 0;
  } catch (error) {
    console.error(`floor: ${error.message}`);
    return 1;
  }
}
