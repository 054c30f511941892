// The OpenAPI document is the single source of truth for routes. It is edited as a parsed document
// (the `yaml` package keeps the user's comments, order, extensions and hand-written operations).
import { isMap, parseDocument, type Document } from 'yaml';
import { EXTENSION, readRoutesFromDocument, type Operation as ContractOperation } from 'traced-api-devkit';
import type { EndpointConfig } from './config.js';
import { InputError } from './errors.js';

export { EXTENSION };

/** Terraform reads the document through templatefile(): user text must not open an interpolation. */
export function escapeTerraformTemplate(text: string): string {
  return text.replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

/** An operation as the routes contract's one reader (traced-api-devkit) reads it. */
export type Operation = Pick<ContractOperation, 'method' | 'path' | 'operationId' | 'functionName' | 'sampling'>;

export function parseOpenApi(text: string, file = 'openapi/openapi.yaml'): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  }
  if (!isMap(doc.contents) || !doc.has('openapi')) {
    throw new InputError(`${file} is not an OpenAPI 3 document (no "openapi" key at its top).`);
  }
  return doc;
}

/** Every operation in the document that is deployed, in document order, read by the devkit's reader. */
export function listOperations(doc: Document, namePrefix: string): Operation[] {
  return readRoutesFromDocument(doc.toJS(), namePrefix).operations;
}

const segmentsOf = (path: string) => path.split('/').filter(Boolean);
const paramName = (segment: string) => /^\{(.+)\}$/.exec(segment)?.[1];

/**
 * Two routes whose same position holds differently named path parameters under the same parent
 * (/orders/{id} beside /orders/{orderId}/items): API Gateway refuses such a pair.
 */
export function conflictingParameter(existing: string, added: string): { existing: string; added: string } | undefined {
  const a = segmentsOf(existing);
  const b = segmentsOf(added);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [pa, pb] = [paramName(a[i]!), paramName(b[i]!)];
    if (pa && pb && pa !== pb) return { existing: pa, added: pb };
    if (!pa !== !pb || (!pa && a[i] !== b[i])) return undefined;
  }
  return undefined;
}

/** Rejects an endpoint the document cannot take; the message names the value and the clash. */
export function checkNewEndpoint(operations: Operation[], endpoint: EndpointConfig): void {
  for (const op of operations) {
    if (op.method === endpoint.method && op.path === endpoint.path) {
      throw new InputError(`${endpoint.method} ${endpoint.path} already exists (operation ${op.operationId}): choose another method or path.`);
    }
    if (op.operationId === endpoint.operationId) {
      throw new InputError(
        `Name "${endpoint.operationId}" is already the operationId of ${op.method} ${op.path}: pass another with --name.`,
      );
    }
    const conflict = conflictingParameter(op.path, endpoint.path);
    if (conflict) {
      throw new InputError(
        `Path "${endpoint.path}" is not allowed: {${conflict.added}} sits where ${op.path} already has {${conflict.existing}}, ` +
          `and API Gateway refuses differently named parameters at the same place. Name it {${conflict.existing}}.`,
      );
    }
    if (op.sampling?.priority === endpoint.sampling.priority) {
      throw new InputError(
        `Priority ${endpoint.sampling.priority} is already taken by the sampling rule of ${op.method} ${op.path}: choose a free one from 1 to 9999, or leave --priority out.`,
      );
    }
    if (op.sampling?.ruleName === endpoint.sampling.ruleName || op.functionName === endpoint.functionName) {
      throw new InputError(`Name "${endpoint.operationId}" gives AWS names that ${op.method} ${op.path} already uses: pass another with --name.`);
    }
  }
}

/** The operation object an endpoint adds to the document. */
export function operationFor(endpoint: EndpointConfig, summary: string): Record<string, unknown> {
  const operation: Record<string, unknown> = { operationId: endpoint.operationId, summary };
  if (endpoint.pathParameters.length > 0) {
    operation.parameters = endpoint.pathParameters.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  }
  if (['POST', 'PUT', 'PATCH'].includes(endpoint.method)) {
    operation.requestBody = { required: false, content: { 'application/json': { schema: { type: 'object' } } } };
  }
  operation.responses = {
    '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
    ...(endpoint.publish ? { '502': { description: 'The event could not be published' } } : {}),
  };
  operation['x-amazon-apigateway-integration'] = {
    type: 'aws_proxy',
    httpMethod: 'POST',
    uri: `\${lambda_invoke_arns.${endpoint.operationId}}`,
    passthroughBehavior: 'when_no_match',
  };
  operation[EXTENSION] = { functionName: endpoint.functionName, sampling: { ...endpoint.sampling } };
  return operation;
}

/** Adds the endpoint's operation to the parsed document, keeping everything else as it was; the new text. */
export function addOperation(doc: Document, endpoint: EndpointConfig, summary: string): string {
  let paths = doc.get('paths');
  if (!isMap(paths)) {
    doc.set('paths', doc.createNode({}));
    paths = doc.get('paths');
  }
  if (isMap(paths)) paths.flow = false;
  const method = endpoint.method.toLowerCase();
  const item = doc.getIn(['paths', endpoint.path]);
  if (isMap(item)) {
    item.flow = false;
    item.set(method, doc.createNode(operationFor(endpoint, summary)));
  } else {
    doc.setIn(['paths', endpoint.path], doc.createNode({ [method]: operationFor(endpoint, summary) }));
  }
  return doc.toString({ lineWidth: 0 });
}
