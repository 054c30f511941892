// How `npm run traces` talks to X-Ray: one client whose every call has a deadline, paging that cannot loop, and
// one clear line for each way a call fails (no credentials, an expired token, a denied action, an endpoint that
// cannot be reached or never answers), naming the IAM action to add when X-Ray refuses one.
import { XRayClient } from '@aws-sdk/client-xray';

/** The X-Ray actions `npm run traces` may call, per use: what the identity running it needs. */
export const TRACE_ACTIONS = ['xray:GetTraceSegmentDestination', 'xray:GetTraceSummaries', 'xray:BatchGetTraces', 'xray:StartTraceRetrieval', 'xray:ListRetrievedTraces'] as const;
export const RULE_ACTIONS = ['xray:GetSamplingRules', 'xray:GetSamplingStatisticSummaries'] as const;
/** Read when the account uses Transaction Search, to say how much of the traffic is indexed; optional. */
export const INDEXING_ACTION = 'xray:GetIndexingRules';

/** A failure already put in one line for the user; the command prints it and exits 1. */
export class XRayCallError extends Error {
  /** The AWS error's name (InvalidRequestException...), when X-Ray answered with one. */
  readonly awsError?: string;

  constructor(message: string, awsError?: string) {
    super(message);
    if (awsError) this.awsError = awsError;
  }
}

export interface XRay {
  /** Sends one command with the call deadline; `operation` names it (and its IAM action) in a failure. */
  send<Output>(operation: string, command: { input: unknown }): Promise<Output>;
  region: string;
  endpoint: string;
  timeoutMs: number;
  /** The credentials the client signs with (the SDK's default chain), for signing other AWS requests alike. */
  credentials(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
}

/** Most pages read per paged call: a guard against an endpoint that never stops answering with more. */
export const MAX_PAGES = 50;

export interface XRayClientOptions {
  region: string;
  timeoutMs: number;
  neededActions: readonly string[];
  /** An endpoint of its own (the dev server's /_xray), over AWS_ENDPOINT_URL_XRAY and the region's. */
  endpoint?: string;
  /** Credentials of its own, over the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function xrayClient({ region, timeoutMs, neededActions, endpoint: own, credentials: given }: XRayClientOptions): XRay {
  const client = new XRayClient({
    region,
    maxAttempts: 2,
    // Each attempt: a socket within the deadline, an answer within it (an error, not the SDK's default warning).
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
    ...(own ? { endpoint: own } : {}),
    ...(given ? { credentials: given } : {}),
  });
  const endpoint = own ?? process.env.AWS_ENDPOINT_URL_XRAY ?? process.env.AWS_ENDPOINT_URL ?? `https://xray.${region}.amazonaws.com`;
  return {
    region,
    endpoint,
    timeoutMs,
    async credentials() {
      try {
        return await client.config.credentials();
      } catch (error) {
        throw new XRayCallError(explain(error, { operation: 'GetTraceSummaries', region, endpoint, timeoutMs, neededActions, timedOut: false }));
      }
    },
    async send<Output>(operation: string, command: { input: unknown }): Promise<Output> {
      // The whole call, retries included, ends by the deadline (twice one attempt's, for the one retry).
      const deadline = AbortSignal.timeout(timeoutMs * 2);
      try {
        return (await client.send(command as never, { abortSignal: deadline })) as Output;
      } catch (error) {
        const awsError = (error as { $metadata?: unknown; name?: string } | undefined)?.$metadata ? (error as { name?: string }).name : undefined;
        throw new XRayCallError(explain(error, { operation, region, endpoint, timeoutMs, neededActions, timedOut: deadline.aborted }), awsError);
      }
    },
  };
}

/**
 * Every page of a paged call, stopping at the last, at a NextToken X-Ray already gave (it would loop for ever,
 * each call billed in a real account) and after `maxPages`; `stop` ends it early, `onStop` hears why it ended.
 */
export async function* pages<Page extends { NextToken?: string }>(
  fetchPage: (nextToken: string | undefined) => Promise<Page>,
  { maxPages = MAX_PAGES, onStop }: { maxPages?: number; onStop?: (reason: 'repeated-token' | 'max-pages') => void } = {},
): AsyncGenerator<Page> {
  const seen = new Set<string>();
  let nextToken: string | undefined;
  for (let page = 1; ; page++) {
    const answer = await fetchPage(nextToken);
    yield answer;
    nextToken = answer.NextToken || undefined;
    if (!nextToken) return;
    if (seen.has(nextToken)) {
      onStop?.('repeated-token');
      return;
    }
    seen.add(nextToken);
    if (page >= maxPages) {
      onStop?.('max-pages');
      return;
    }
  }
}

interface Failure {
  operation: string;
  region: string;
  endpoint: string;
  timeoutMs: number;
  neededActions: readonly string[];
  timedOut: boolean;
}

/** One clear line for what went wrong calling X-Ray's `operation`. */
export function explain(error: unknown, failure: Failure): string {
  const { operation, region, endpoint, timeoutMs, neededActions } = failure;
  const { name, message = String(error), $metadata } = (error ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = (error as { code?: string } | undefined)?.code ?? (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  const action = `xray:${operation}`;
  // Before "no credentials": an expired SSO session also comes as a CredentialsProviderError.
  if (name === 'ExpiredTokenException' || name === 'ExpiredToken' || /expired/i.test(message)) {
    const who = name === 'CredentialsProviderError' ? 'your SSO session or cached credentials' : `X-Ray ${operation} refused it`;
    return `Your AWS session token has expired (${who}): renew it (aws sso login --profile ..., or new temporary credentials) and run again.`;
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return `No AWS credentials found: set AWS_PROFILE (after aws sso login, or aws configure), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and run again.`;
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnrecognizedClientException' || $metadata?.httpStatusCode === 403) {
    if (name === 'UnrecognizedClientException' || /security token .* invalid/i.test(message)) {
      return `X-Ray does not recognise your AWS credentials (${operation}: ${message}): check AWS_PROFILE or the access key.`;
    }
    return `X-Ray refused ${operation}: add ${action} to the IAM policy of the identity you run this with (this command needs ${neededActions.join(', ')}).`;
  }
  if (failure.timedOut || name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT') {
    return `X-Ray did not answer ${operation} within ${timeoutMs * 2 / 1000} s at ${endpoint}: check your network and region (${region}), or AWS_ENDPOINT_URL_XRAY; --timeout gives it longer.`;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return `Could not reach X-Ray at ${endpoint} (${code}): check your network and region (${region}), or AWS_ENDPOINT_URL_XRAY.`;
  }
  if (name === 'ThrottledException' || name === 'ThrottlingException') return `X-Ray throttled ${operation}: wait a moment and run again, or with a shorter --since.`;
  if (name === 'InvalidRequestException') return `X-Ray rejected ${operation}: ${message}`;
  const firstLine = message.split('\n')[0];
  return `X-Ray ${operation} failed: ${name && name !== 'Error' ? `${name}: ` : ''}${firstLine}`;
}
