// The operations of the test project's openapi/openapi.yaml, read by the routes contract's reader.
import path from 'node:path';
import { readRoutes, type Operation } from '../../src/contract/routes.js';
import { project, projectRoot } from './project.js';

export function findOperation(operationId: string): Operation {
  const operation = readRoutes(path.join(projectRoot, 'openapi', 'openapi.yaml'), project.namePrefix).operations.find((candidate) => candidate.operationId === operationId);
  if (!operation) throw new Error(`openapi/openapi.yaml has no operation ${operationId}`);
  return operation;
}
