// API auth as API Gateway enforces it, before any function runs: an operation whose security names the api_key
// scheme needs the x-api-key header to hold a key of the stage's usage plan (here: the local key the dev server
// prints at start), one whose scheme is awsSigv4 needs a valid SigV4 signature for execute-api (checked with the
// AWS SDK's own signer, @smithy/signature-v4, against the local credentials it prints). A refusal is API
// Gateway's own 403 answer, with its error type and message.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Auth } from '../contract/routes.js';

/** What the dev server accepts in place of the stage's API key and an IAM identity allowed execute-api:Invoke. */
export interface LocalAuth {
  apiKey: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
}

/** API Gateway's 403 answers to a request its auth refuses. */
export const AUTH_REFUSALS = {
  forbidden: { status: 403, errorType: 'ForbiddenException', message: 'Forbidden' },
  missingToken: { status: 403, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  unknownKey: { status: 403, errorType: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' },
  badSignature: {
    status: 403,
    errorType: 'InvalidSignatureException',
    message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  },
} as const;

export interface AuthRefusal {
  status: number;
  errorType: string;
  message: string;
  /** Why, for the request line (the body says what API Gateway says). */
  why: string;
}

/** A fresh local API key and access key pair, for one run of the dev server. */
export function newLocalAuth(region: string): LocalAuth {
  const upper = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
  return {
    apiKey: randomBytes(20).toString('base64url'),
    credentials: { accessKeyId: `AKIALOCAL${upper(6)}`.slice(0, 20), secretAccessKey: randomBytes(30).toString('base64url') },
    region,
  };
}

export interface SignedRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  target: string;
  headers: IncomingHttpHeaders;
  body: string | null;
}

/** API Gateway's refusal of `request` to an operation with `auth`, or undefined when it may pass. */
export async function authRefusal(auth: Auth, request: SignedRequest, local: LocalAuth, now = Date.now()): Promise<AuthRefusal | undefined> {
  if (auth === 'none') return undefined;
  if (auth === 'api-key') {
    const key = headerValue(request.headers['x-api-key']);
    if (key === undefined) return { ...AUTH_REFUSALS.forbidden, why: 'no x-api-key header (this operation requires an API key)' };
    if (!sameText(key, local.apiKey)) return { ...AUTH_REFUSALS.forbidden, why: 'x-api-key is not the API key the dev server printed at start' };
    return undefined;
  }
  return signatureRefusal(request, local, now);
}

const SIGNATURE = /^AWS4-HMAC-SHA256 (.*)$/;
/** How far a signature's time may be from the server's (SigV4's allowed skew). */
const SKEW_MS = 5 * 60 * 1000;

async function signatureRefusal(request: SignedRequest, local: LocalAuth, now: number): Promise<AuthRefusal | undefined> {
  const authorization = headerValue(request.headers.authorization);
  if (authorization === undefined) return { ...AUTH_REFUSALS.missingToken, why: 'no Authorization header (this operation requires a SigV4 signature)' };
  const fields = SIGNATURE.exec(authorization)?.[1];
  const parts = Object.fromEntries((fields ?? '').split(/,\s*/).map((part) => part.split('=', 2) as [string, string]));
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !parts[name]);
  const amzDate = headerValue(request.headers['x-amz-date']);
  if (!fields || missing.length > 0 || amzDate === undefined) {
    const message = [
      ...missing.map((name) => `Authorization header requires '${name}' parameter.`),
      ...(amzDate === undefined ? ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."] : []),
      ...(fields ? [] : ['Authorization header requires the AWS4-HMAC-SHA256 algorithm.']),
    ].join(' ');
    return { status: 403, errorType: 'IncompleteSignatureException', message: `${message} Authorization=${authorization}`, why: 'an incomplete SigV4 Authorization header' };
  }
  const [accessKeyId, , region, service] = parts.Credential!.split('/');
  if (accessKeyId !== local.credentials.accessKeyId) return { ...AUTH_REFUSALS.unknownKey, why: `access key ${accessKeyId} is not the one the dev server printed at start` };
  if (service !== 'execute-api') return { ...AUTH_REFUSALS.badSignature, message: "Credential should be scoped to correct service: 'execute-api'. ", why: `signed for the service ${service}, not execute-api` };
  if (region !== local.region) return { ...AUTH_REFUSALS.badSignature, message: `Credential should be scoped to a valid region. `, why: `signed for the region ${region}, not ${local.region}` };
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) return { ...AUTH_REFUSALS.badSignature, why: `X-Amz-Date ${amzDate} is not YYYYMMDDTHHMMSSZ` };
  if (signingDate.getTime() < now - SKEW_MS) {
    return { ...AUTH_REFUSALS.badSignature, message: `Signature expired: ${amzDate} is now earlier than ${amz(now - SKEW_MS)} (${amz(now)} - 5 min.)`, why: 'the signature expired' };
  }
  if (signingDate.getTime() > now + SKEW_MS) {
    return { ...AUTH_REFUSALS.badSignature, message: `Signature not yet current: ${amzDate} is still later than ${amz(now + SKEW_MS)} (${amz(now)} + 5 min.)`, why: 'the signature is dated in the future' };
  }

  // The request as the client signed it: the headers it names, the path and query as sent, the body.
  const signedHeaders = parts.SignedHeaders!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(request.target, 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [existing, value].flat();
  }
  const signer = new SignatureV4({ credentials: local.credentials, region: local.region, service: 'execute-api', sha256: Sha256, uriEscapePath: true });
  const expected = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: (headers.host ?? 'localhost').replace(/:\d+$/, ''), path: url.pathname, query, headers, body: request.body ?? undefined },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const want = SIGNATURE.exec(String(expected.headers.authorization))?.[1] ?? '';
  const wantParts = Object.fromEntries(want.split(/,\s*/).map((part) => part.split('=', 2) as [string, string]));
  if (wantParts.SignedHeaders !== parts.SignedHeaders || !sameText(wantParts.Signature ?? '', parts.Signature!)) {
    return { ...AUTH_REFUSALS.badSignature, why: 'the SigV4 signature does not match (another secret key, or the request changed after signing)' };
  }
  return undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseAmzDate(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
}

const amz = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
