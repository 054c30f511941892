// API Gateway proxy responses, request parsing, and the mapping of errors to status codes.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { currentTraceId, logger } from './logger.js';

/** An error whose status code the caller should see. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** A call to another service failed: 502 Bad Gateway tells the caller the fault lies downstream. */
export class DownstreamError extends HttpError {
  constructor(
    readonly service: string,
    cause: unknown,
  ) {
    super(502, `${service} call failed`, { cause });
    this.name = 'DownstreamError';
  }
}

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The request's JSON body, null when there is none; 400 when it is not JSON. */
export function parseJsonBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): unknown {
  if (event.body == null || event.body === '') return null;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON');
  }
}

/** The named path parameters of the route (e.g. 'orderId' for /orders/{orderId}); 400 when one is missing. */
export function pathParameters<Name extends string>(
  event: Pick<APIGatewayProxyEvent, 'pathParameters'>,
  ...names: Name[]
): Record<Name, string> {
  const values = {} as Record<Name, string>;
  for (const name of names) {
    const value = event.pathParameters?.[name];
    if (!value) throw new HttpError(400, `Missing path parameter ${name}`);
    values[name] = value;
  }
  return values;
}

/** Logs the error and answers with its status (500 for anything unexpected) and the trace id to look it up by. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  const statusCode = error instanceof HttpError ? error.statusCode : 500;
  const message = error instanceof HttpError ? error.message : 'Internal server error';
  if (statusCode >= 500) logger.error(message, { error });
  else logger.warn(message, { error });
  return json(statusCode, { message, traceId: currentTraceId() });
}
