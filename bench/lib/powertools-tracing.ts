// The example handler's tracing written with Powertools for AWS Lambda (TypeScript) (figure 8): this file replaces
// the project's src/lib/tracing.ts in the bench's "Powertools" bundle. Its documented setup: one `new Tracer()` per
// execution environment, AWS SDK v3 clients captured with `tracer.captureAWSv3Client`. It exports what the example
// handler's modules import from the project's (src/lib/sns.ts: tracedClient), so they stay as generated; a bundle that
// needs more fails to build, it never runs half-traced.
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer();

export function tracedClient<Client>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}
