// API Gateway (REST, proxy integration) events and Lambda contexts, for invoking handlers in the tests and in
// the dev server (npm run dev), which turns each HTTP request into the event API Gateway would send.
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export interface EventOptions {
  method: string;
  /** The route as in the OpenAPI document, e.g. /orders/{orderId}/items. */
  resource: string;
  pathParameters?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The caller as a REST API stage describes an unauthenticated one. */
function callerIdentity(sourceIp: string, userAgent: string | null): APIGatewayProxyEvent['requestContext']['identity'] {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent,
    userArn: null,
  };
}

/** An APIGatewayProxyEvent as a REST API stage sends it; `body` is JSON-encoded unless it is a string. */
export function apiGatewayEvent({ method, resource, pathParameters, body, headers = {} }: EventOptions): APIGatewayProxyEvent {
  const path = resource.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(pathParameters?.[name] ?? ''));
  const allHeaders = { 'content-type': 'application/json', ...headers };
  return {
    resource,
    path,
    httpMethod: method,
    headers: allHeaders,
    multiValueHeaders: Object.fromEntries(Object.entries(allHeaders).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: pathParameters && Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      path: `/test${path}`,
      stage: 'test',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'abc123',
      resourcePath: resource,
      identity: callerIdentity('127.0.0.1', 'vitest'),
    },
  };
}

/** A Lambda context for `functionName`, with a fresh request id. */
export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 3_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A trace header as Lambda puts it in _X_AMZN_TRACE_ID: a new trace, sampled unless told, with its parent (facade) id. */
export function traceHeader({ sampled = true }: { sampled?: boolean } = {}): { header: string; root: string; parent: string } {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const parent = randomBytes(8).toString('hex');
  return { header: `Root=${root};Parent=${parent};Sampled=${sampled ? 1 : 0}`, root, parent };
}

export interface ProxyRequest {
  method: string;
  /** The route as in the OpenAPI document, e.g. /orders/{orderId}. */
  resource: string;
  /** The request's path, without the stage. */
  path: string;
  pathParameters: Record<string, string>;
  query: URLSearchParams;
  /** Name, value pairs as the client sent them (Node's rawHeaders), names in their own case. */
  rawHeaders: string[];
  body: string | null;
  stage: string;
  sourceIp: string;
  requestId: string;
  /** The trace header API Gateway passes on to the integration: Root=...;Parent=...;Sampled=... */
  traceHeader: string;
}

/** The event API Gateway (REST API, Lambda proxy integration) sends for an HTTP request. */
export function proxyEvent(request: ProxyRequest): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    const existing = Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name;
    headers[existing] = value;
    (multiValueHeaders[existing] ??= []).push(value);
  };
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) add(request.rawHeaders[i]!, request.rawHeaders[i + 1]!);
  add('X-Amzn-Trace-Id', request.traceHeader);
  add('X-Forwarded-For', request.sourceIp);
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of request.query) {
    query[name] = value;
    (multiQuery[name] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  const userAgent = headers[Object.keys(headers).find((key) => key.toLowerCase() === 'user-agent') ?? ''] ?? null;
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(request.pathParameters).length > 0 ? request.pathParameters : null,
    stageVariables: null,
    body: request.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      path: `/${request.stage}${request.path}`,
      stage: request.stage,
      requestId: request.requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: request.resource,
      identity: callerIdentity(request.sourceIp, userAgent),
    },
  };
}
