// Refuses, in one line, a Node.js older than a package's `engines.node`. The bins of every package of this
// repository call it before they load anything that needs the newer Node, so an old Node meets this line
// instead of a SyntaxError from deep inside a dependency. Plain JavaScript that any Node still parses.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The parts of a version (`22.18.0` -> [22, 18, 0]). */
const parts = (version) => version.split('.').map(Number);

/** Exits with one line when this Node is older than `engines.node` (">=22.18") of the package.json at `packageJsonUrl`. */
export function refuseOldNode(packageJsonUrl) {
  const range = JSON.parse(readFileSync(packageJsonUrl, 'utf8')).engines.node;
  const needed = parts(range.match(/\d+(\.\d+)*/)[0]);
  const found = parts(process.versions.node);
  const newer = needed.findIndex((n, i) => (found[i] ?? 0) !== n);
  if (newer === -1 || (found[newer] ?? 0) > needed[newer]) return;
  console.error(
    `${basename(process.argv[1] ?? 'node', '.js')} needs Node.js ${needed.join('.')} or newer, and this is Node.js ${process.versions.node} (${process.execPath}): ` +
      'install Node.js 22 (the node@22 package, or a version manager: nvm install 22) and run it again.',
  );
  process.exit(1);
}
