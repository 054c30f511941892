#!/usr/bin/env node
// `npm create traced-api [name] -- [options]` is `traced-api new [name] [options]`: the generator's own bin,
// run in this process (it keeps the terminal, and root's rights), with no global install and no `yo`.
// That bin checks the Node version first, and names this command when it refuses one.
process.argv.splice(2, 0, 'new');
await import('generator-traced-api/dist/bin/traced-api.js');
