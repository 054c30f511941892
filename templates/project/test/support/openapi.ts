// The operations of openapi/openapi.yaml, the single source of truth for routes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface Operation {
  method: string;
  path: string;
  operationId: string | undefined;
  pathParameters: string[];
}

export function readOperations(): Operation[] {
  const document = parse(readFileSync(path.join(projectRoot, 'openapi', 'openapi.yaml'), 'utf8')) as {
    paths?: Record<string, Record<string, { operationId?: string } | undefined> | null>;
  };
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((method) => item?.[method]).map((method) => ({
      method: method.toUpperCase(),
      path,
      operationId: item?.[method]?.operationId,
      pathParameters: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!),
    })),
  );
}

export function findOperation(operationId: string): Operation {
  const operation = readOperations().find((candidate) => candidate.operationId === operationId);
  if (!operation) throw new Error(`openapi/openapi.yaml has no operation ${operationId}`);
  return operation;
}
