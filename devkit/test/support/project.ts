// The project the devkit's tests work on: the default one the generator writes (./generate-project.ts), one per
// test file that imports this, in a temporary folder.
import { readProjectSettings, xrayServiceName as serviceNameOf } from '../../src/contract/project.js';
import { generateProject } from './generate-project.js';

export { generateProject };
export const projectRoot = generateProject();
export const project = readProjectSettings(projectRoot);
export const xrayServiceName = () => serviceNameOf(project);
