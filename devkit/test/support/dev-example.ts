// The example operation of this project, as the dev server's tests call it.
import path from 'node:path';
import { project, projectRoot } from './project.js';
import { readRoutes } from '../../src/dev/routes.js';

export const openapiPath = path.join(projectRoot, 'openapi', 'openapi.yaml');

export function exampleOperation(operationId: string) {
  // The route as the dev server serves it: the contract reader's operation, with its rule.
  const operation = readRoutes(openapiPath, project).routes.find((candidate) => candidate.operationId === operationId);
  if (!operation) throw new Error(`openapi/openapi.yaml has no operation ${operationId}`);
  // The route with a value in each {parameter}.
  const requestPath = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => `${name}-1`);
  return {
    ...operation,
    requestPath,
    /** One request to the operation on the dev server at `base`. */
    send(base: string, headers: Record<string, string> = {}): Promise<Response> {
      const hasBody = !['GET', 'HEAD', 'DELETE'].includes(operation.method);
      return fetch(base + requestPath, {
        method: operation.method,
        headers: { 'content-type': 'application/json', ...headers },
        body: hasBody ? JSON.stringify({ note: 'dev server' }) : undefined,
      });
    },
  };
}
