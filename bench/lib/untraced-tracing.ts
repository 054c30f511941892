// The example handler built without tracing (figures 4 and 5): this file replaces the project's
// src/lib/tracing.ts in the bench's "untraced" bundle. Same exports, no X-Ray SDK: clients are not
// captured, functions run without a subsegment. Everything else in the handler stays as generated.
import type { Subsegment } from 'aws-xray-sdk-core';

export const AWSXRay = {
  captureAWSv3Client<Client>(client: Client): Client {
    return client;
  },
  setContextMissingStrategy(): void {},
};

export function tracedClient<Client>(client: Client): Client {
  return client;
}

export function traceAsync<T>(_name: string, work: (subsegment?: Subsegment) => Promise<T>): Promise<T> {
  return work(undefined);
}
