// The project the devkit's tests work on: one the generator of this repository writes (`traced-api new`, the
// two packages are released together), with this repository's node_modules (so traced-api-devkit is this
// checkout's) and its handlers built by the devkit's own build. One per test file, in a temporary folder.
import { readProjectSettings, xrayServiceName as serviceNameOf } from '../../src/contract/project.js';
import { generateProject } from './generate-project.js';

export { generateProject } from './generate-project.js';

export const projectRoot = generateProject();
export const project = readProjectSettings(projectRoot);
export const xrayServiceName = () => serviceNameOf(project);
