// The dev server's watcher: a change under src/ rebuilds the handlers and the next request runs the new code in a
// new execution environment; a change to the OpenAPI document reloads the routes, and a broken one keeps the
// routes served so far. On a tiny project written here, whose build copies src/handlers/<name>.js to dist/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { project } from './support/project.js';
import { startDevServer, type DevServer } from '../src/dev/server.js';

const BUILD = `import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
for (const file of readdirSync('src/handlers')) {
  const name = file.replace(/\\.js$/, '');
  mkdirSync(\`dist/\${name}\`, { recursive: true });
  copyFileSync(\`src/handlers/\${file}\`, \`dist/\${name}/index.js\`);
  console.log(\`dist/\${name}/index.js\`);
}
`;

const handler = (text: string) => `exports.handler = async () => ({ statusCode: 200, body: ${JSON.stringify(text)} });`;

describe('the dev server watching the project', () => {
  let root: string;
  let server: DevServer;
  const lines: string[] = [];

  const write = (file: string, text: string) => writeFileSync(path.join(root, file), text);
  const document = (operations: string[]) =>
    stringify({ openapi: '3.0.3', info: { title: 'watched', version: '1' }, paths: Object.fromEntries(operations.map((name) => [`/${name}`, { get: { operationId: name } }])) });
  async function waitForLine(pattern: RegExp, after: number) {
    for (let waited = 0; waited < 15_000; waited += 25) {
      if (lines.slice(after).some((line) => pattern.test(line))) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no line matching ${pattern}:\n${lines.join('\n')}`);
  }
  const text = async (route: string) => {
    const response = await fetch(`${server.url}${route}`);
    return `${response.status} ${await response.text()}`;
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'traced-api-watch-'));
    for (const folder of ['scripts', 'src/handlers', 'openapi']) mkdirSync(path.join(root, folder), { recursive: true });
    write('scripts/build.mjs', BUILD);
    write('src/handlers/first.js', handler('first, v1'));
    write('openapi/openapi.yaml', document(['first']));
    server = await startDevServer({ root, port: 0, build: true, watch: true, project: { ...project, sns: false }, print: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('rebuilds on a change under src/, and the next request starts cold with the new code', async () => {
    expect(await text('/first')).toBe('200 first, v1');
    const after = lines.length;
    write('src/handlers/first.js', handler('first, v2'));
    await waitForLine(/handlers rebuilt: the next requests start cold/, after);
    expect(await text('/first')).toBe('200 first, v2');
    expect(server.requests().at(-1)).toMatchObject({ path: '/first', coldStart: true });
  });

  it('reloads the routes when the OpenAPI document changes', async () => {
    const after = lines.length;
    write('src/handlers/second.js', handler('second'));
    write('openapi/openapi.yaml', document(['first', 'second']));
    await waitForLine(/routes reloaded from openapi\/openapi\.yaml: GET \/first, GET \/second/, after);
    await waitForLine(/handlers rebuilt/, after);
    expect(await text('/second')).toBe('200 second');
  });

  it('keeps the routes it serves when the document breaks', async () => {
    const after = lines.length;
    write('openapi/openapi.yaml', 'paths: [unclosed');
    await waitForLine(/^openapi\/openapi\.yaml: /, after);
    expect(await text('/first')).toBe('200 first, v2');
    expect(await text('/second')).toBe('200 second');
  });
});
