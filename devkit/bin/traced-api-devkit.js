#!/usr/bin/env node
// The devkit's command (dist/cli.js, compiled from src/cli.ts): `traced-api-devkit dev`, `traced-api-devkit traces`.
import { refuseOldNode } from './node-check.js';

refuseOldNode(new URL('../package.json', import.meta.url));
await import('../dist/cli.js');
