// npm run bump -- <patch|minor|major|x.y.z>
// Moves every package of this repository to the next version together: npm's own `npm version` over the
// workspaces and the root (generator-traced-api, traced-api-devkit), then create-traced-api (a package of its
// own, not a workspace: it depends on the root package, which npm cannot link into its own workspaces), the pins
// of one package by another (scripts/packages.mjs: PINS), the lock file, and a section for the version in
// CHANGELOG.md that `npm run release` wants filled in. No git commit or tag: that is the releaser's.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PINS, fail, npm, readJson, root, writeJson } from './packages.mjs';

const [next, ...extra] = process.argv.slice(2);
if (!next || extra.length > 0 || !/^(patch|minor|major|\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$/.test(next)) {
  fail(`bump: ${next === undefined ? 'no version given' : `"${[next, ...extra].join(' ')}" is not a version`}: use patch, minor, major or x.y.z (npm run bump -- patch).`);
}
const before = readJson('package.json').version;
try {
  npm(['version', next, '--workspaces', '--include-workspace-root', '--no-git-tag-version', '--no-workspaces-update']);
  const version = readJson('package.json').version;
  npm(['version', version, '--no-git-tag-version', '--allow-same-version'], { cwd: path.join(root, 'create-traced-api') });
  for (const [file, field, name] of PINS) {
    const json = readJson(file);
    json[field][name] = version;
    writeJson(file, json);
  }
  npm(['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund']);
  const changelog = path.join(root, 'CHANGELOG.md');
  const text = readFileSync(changelog, 'utf8');
  const first = text.search(/^## /m);
  const section = `## ${version}\n\n- (write what changed for users, before npm run release)\n\n`;
  writeFileSync(changelog, first < 0 ? `${text.trimEnd()}\n\n${section}` : text.slice(0, first) + section + text.slice(first));
  console.log(`bump: ${before} -> ${version} (generator-traced-api, traced-api-devkit, create-traced-api and their pins). Write its notes in CHANGELOG.md, then npm run release.`);
} catch (error) {
  fail(`bump: ${error.message}`);
}
