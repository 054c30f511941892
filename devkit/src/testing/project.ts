// The project under test, as its own tests see it: its root (where vitest runs), its settings and its routes.
import path from 'node:path';
import { readProjectSettings, type ProjectSettings } from '../contract/project.js';
import { readRoutes, type Operation, type Routes } from '../contract/routes.js';

export interface ProjectUnderTest {
  root: string;
  settings: ProjectSettings;
  routes: Routes;
  /** The operation with this operationId; throws, naming it, when the document has none. */
  operation(operationId: string): Operation;
}

/** The project at `root` (default: the current folder, where `npm test` runs). */
export function projectUnderTest(root = process.cwd()): ProjectUnderTest {
  const settings = readProjectSettings(root);
  const routes = readRoutes(path.join(root, 'openapi', 'openapi.yaml'), settings.namePrefix);
  const operation = (operationId: string) => {
    const found = routes.operations.find((candidate) => candidate.operationId === operationId);
    if (!found) throw new Error(`openapi/openapi.yaml has no operation ${operationId}`);
    return found;
  };
  return { root, settings, routes, operation };
}
