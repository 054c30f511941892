#!/usr/bin/env node
// The devkit's command (dist/cli.js, compiled from src/cli.ts): `traced-api-devkit dev`, `traced-api-devkit traces`.
import '../dist/cli.js';
