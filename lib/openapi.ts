// The OpenAPI document is the single source of truth for routes. It is edited as a parsed document
// (the `yaml` package keeps the user's comments, order, extensions and hand-written operations).
import { isAlias, isMap, isScalar, parseDocument, type Document } from 'yaml';
import { EXTENSION, readRoutesFromDocument, SECURITY_SCHEMES, type Operation as ContractOperation } from 'traced-api-devkit';
import type { EndpointConfig } from './config.js';
import { InputError } from './errors.js';

export { EXTENSION };

import { escapeTerraformTemplate } from './terraform-text.js';

export { escapeTerraformTemplate };

/** How the user wrote the document, kept when it is written back: a BOM, CRLF line endings, JSON. */
export interface DocumentStyle {
  bom: boolean;
  crlf: boolean;
  json: boolean;
  /** JSON's indent as the user had it ('' for one line). */
  jsonIndent: string;
  finalNewline: boolean;
}

/** The document's style, and its text without a BOM and with LF line endings (what the parser and the edit see). */
export function documentStyle(text: string): { style: DocumentStyle; body: string } {
  const bom = text.startsWith('\uFEFF');
  const withoutBom = bom ? text.slice(1) : text;
  const crlf = withoutBom.includes('\r\n');
  const body = crlf ? withoutBom.replace(/\r\n/g, '\n') : withoutBom;
  const json = /^\s*\{/.test(body);
  const jsonIndent = json ? (/\n([ \t]+)"/.exec(body)?.[1] ?? (body.trim().includes('\n') ? '  ' : '')) : '';
  return { style: { bom, crlf, json, jsonIndent, finalNewline: body.endsWith('\n') }, body };
}

/** The edited document as text, in the user's style; `text` is the YAML printing of `doc`. */
export function inStyle(style: DocumentStyle, doc: Document, text: string): string {
  const body = style.json ? `${JSON.stringify(doc.toJS(), null, style.jsonIndent)}${style.finalNewline ? '\n' : ''}` : text;
  return withStyle(style, body);
}

/** LF text back in the user's line endings, behind the user's BOM. */
export function withStyle(style: DocumentStyle, body: string): string {
  return `${style.bom ? '\uFEFF' : ''}${style.crlf ? body.replace(/\n/g, '\r\n') : body}`;
}

/** An operation as the routes contract's one reader (traced-api-devkit) reads it. */
export type Operation = Pick<ContractOperation, 'method' | 'path' | 'operationId' | 'functionName' | 'sampling'> & Partial<Pick<ContractOperation, 'auth'>>;

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
    if (endpoint.sampling && op.sampling?.priority === endpoint.sampling.priority) {
      throw new InputError(
        `Priority ${endpoint.sampling.priority} is already taken by the sampling rule of ${op.method} ${op.path}: choose a free one from 1 to 9999, or leave --priority out.`,
      );
    }
    if ((endpoint.sampling && op.sampling?.ruleName === endpoint.sampling.ruleName) || op.functionName === endpoint.functionName) {
      throw new InputError(`Name "${endpoint.operationId}" gives AWS names that ${op.method} ${op.path} already uses: pass another with --name.`);
    }
  }
}

/** The operation object an endpoint adds to the document. */
export function operationFor(endpoint: EndpointConfig, summary: string): Record<string, unknown> {
  const operation: Record<string, unknown> = { operationId: endpoint.operationId, summary: escapeTerraformTemplate(summary) };
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
  // API Gateway requires what the scheme says (components.securitySchemes) before the integration runs.
  if (endpoint.auth !== 'none') operation.security = [{ [SECURITY_SCHEMES[endpoint.auth].name]: [] }];
  operation['x-amazon-apigateway-integration'] = {
    type: 'aws_proxy',
    httpMethod: 'POST',
    uri: `\${lambda_invoke_arns.${endpoint.operationId}}`,
    passthroughBehavior: 'when_no_match',
  };
  operation[EXTENSION] = { functionName: endpoint.functionName, ...(endpoint.sampling ? { sampling: { ...endpoint.sampling } } : {}) };
  return operation;
}

/** Adds the endpoint's operation to the parsed document, keeping everything else as it was; the new text. */
export function addOperation(doc: Document, endpoint: EndpointConfig, summary: string): string {
  let paths = doc.get('paths', true);
  if (isAlias(paths)) {
    throw new InputError(
      `The OpenAPI document's "paths" is the YAML alias *${paths.source}: an operation added there would change what the anchor &${paths.source} holds. ` +
        'Write the path items out under paths, then run this again.',
    );
  }
  if (isMap(paths) && paths.items.some((pair) => isScalar(pair.key) && pair.key.value === '<<')) {
    throw new InputError('The OpenAPI document merges path items into "paths" with a YAML merge key (<<): write them out under paths, then run this again.');
  }
  if (!isMap(paths)) {
    doc.set('paths', doc.createNode({}));
    paths = doc.get('paths');
  }
  if (isMap(paths) && paths.anchor) {
    throw new InputError(
      `The OpenAPI document's "paths" is the YAML anchor &${paths.anchor}: an operation added there would change every place that reads *${paths.anchor}. ` +
        'Remove the anchor (write out what its aliases share), then run this again.',
    );
  }
  if (isMap(paths)) paths.flow = false;
  const method = endpoint.method.toLowerCase();
  const item = doc.getIn(['paths', endpoint.path], true);
  if (isAlias(item)) {
    throw new InputError(
      `Path ${endpoint.path} in the OpenAPI document is the YAML alias *${item.source}: adding ${endpoint.method} there would change every place that shares the anchor &${item.source}. ` +
        'Write that path item out in full, then run this again.',
    );
  }
  if (isMap(item) && item.anchor) {
    throw new InputError(
      `Path ${endpoint.path} in the OpenAPI document is the YAML anchor &${item.anchor}: adding ${endpoint.method} there would add it to every path that reads *${item.anchor} too, ` +
        'each with the same operationId. Write out the path items that share it (remove the anchor), then run this again.',
    );
  }
  declareSecurityScheme(doc, endpoint);
  if (isMap(item)) {
    item.flow = false;
    item.set(method, doc.createNode(operationFor(endpoint, summary)));
  } else {
    doc.setIn(['paths', endpoint.path], doc.createNode({ [method]: operationFor(endpoint, summary) }));
  }
  return doc.toString({ lineWidth: 0 });
}

/** The security scheme an endpoint's auth names, declared under components.securitySchemes unless it is there. */
function declareSecurityScheme(doc: Document, endpoint: EndpointConfig): void {
  if (endpoint.auth === 'none') return;
  const { name, scheme } = SECURITY_SCHEMES[endpoint.auth];
  if (doc.hasIn(['components', 'securitySchemes', name])) return;
  if (!isMap(doc.get('components', true))) doc.set('components', doc.createNode({}));
  if (!isMap(doc.getIn(['components', 'securitySchemes'], true))) doc.setIn(['components', 'securitySchemes'], doc.createNode({}));
  doc.setIn(['components', 'securitySchemes', name], doc.createNode(scheme));
}

/** Whether the document as the generator wrote it already declares the scheme `auth` names (the fast edit adds none). */
export function declaresScheme(text: string, auth: EndpointConfig['auth']): boolean {
  if (auth === 'none') return true;
  return new RegExp(`^components:\\n(?:[ #].*\\n|\\n)*?  securitySchemes:\\n(?:    .*\\n|\\n)*?    ${SECURITY_SCHEMES[auth].name}:\\n`, 'm').test(text);
}
