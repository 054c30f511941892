// The X-Ray SDK, configured once per execution environment. In Lambda (LAMBDA_TASK_ROOT set) it attaches
// subsegments to the facade segment that stands for the function's own segment, which Lambda records.
// aws-xray-sdk-core is in maintenance mode; OpenTelemetry (ADOT) is AWS's successor to it.
// In the bundles, the SDK keeps its context on AsyncLocalStorage and only its parts some module uses are
// included (traced-api-devkit's build): a smaller bundle, a faster cold start, less work per invocation.
import AWSXRay from 'aws-xray-sdk-core';
import type { Subsegment } from 'aws-xray-sdk-core';

// AWS_XRAY_CONTEXT_MISSING, when set, is read by the SDK itself and wins. Without it, a traced call made
// outside an invocation (at init, or in a local script) logs an error instead of throwing.
if (!process.env.AWS_XRAY_CONTEXT_MISSING) {
  AWSXRay.setContextMissingStrategy('LOG_ERROR');
}

export { AWSXRay };

/** The client, captured: each of its calls is a subsegment of the invocation's trace and carries the trace header. */
export function tracedClient<Client extends Parameters<typeof AWSXRay.captureAWSv3Client>[0]>(client: Client): Client {
  return AWSXRay.captureAWSv3Client(client);
}

/** Records `work` as a subsegment named `name` of the current invocation's trace, with its error if it throws. */
export function traceAsync<T>(name: string, work: (subsegment?: Subsegment) => Promise<T>): Promise<T> {
  return AWSXRay.captureAsyncFunc(name, async (subsegment) => {
    try {
      const result = await work(subsegment);
      subsegment?.close();
      return result;
    } catch (error) {
      subsegment?.close(error as Error);
      throw error;
    }
  });
}
