// The project under test, as its own tests see it: its root (where vitest runs), its settings and its routes.
import path from 'node:path';
import { readProjectSettings, type ProjectSettings } from '../contract/project.js';
import { readRoutes, type Routes } from '../contract/routes.js';

export interface ProjectUnderTest {
  root: string;
  settings: ProjectSettings;
  routes: Routes;
}

/** The project at `root` (default: the current folder, where `npm test` runs). */
export function projectUnderTest(root = process.cwd()): ProjectUnderTest {
  const settings = readProjectSettings(root);
  return { root, settings, routes: readRoutes(path.join(root, 'openapi', 'openapi.yaml'), settings.namePrefix) };
}
