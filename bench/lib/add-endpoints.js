// Adds endpoints GET /r1 ... GET /r<count> to a generated project, all in this one process (one
// yeoman-environment run each, through the same endpoint generator as the bin): the bench's large
// projects take seconds to prepare instead of a bin start per endpoint.
//   node bench/lib/add-endpoints.js <project> <count>
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { TerminalAdapter } from '@yeoman/adapter';
import { createEnv } from 'yeoman-environment';

const [project, countText] = process.argv.slice(2);
const endpointGenerator = fileURLToPath(new URL('../../dist/generators/endpoint/index.js', import.meta.url));
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });

for (let n = 1; n <= Number(countText); n++) {
  const env = createEnv({ cwd: project, adapter: new TerminalAdapter({ stdout: quiet, stderr: quiet }) });
  env.register(endpointGenerator, { namespace: 'traced-api:endpoint' });
  await env.run(['traced-api:endpoint', 'GET', `/r${n}`], { yes: true, skipInstall: true });
}
