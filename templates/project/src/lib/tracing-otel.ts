// OpenTelemetry, configured once per execution environment. Each invocation is a server span whose parent is
// the trace header Lambda hands over (so API Gateway's sampling decision, and with it the per-endpoint sampling
// rules, decide what is recorded); each AWS SDK call is a span of its own, with the trace carried on (an SNS
// message carries it in its attributes); the spans go to the X-Ray daemon Lambda runs beside the function.
// The build (traced-api-devkit, tracer otel) loads this module first and wraps each handler in tracedHandler.
// Concurrent invocations in one process (Lambda Managed Instances) each keep their own trace.
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Context as TraceContext, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsLambdaInstrumentation } from '@opentelemetry/instrumentation-aws-lambda';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { AWSXRAY_TRACE_ID_HEADER, AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BatchSpanProcessor, ParentBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Handler } from 'aws-lambda';
import { XRayUdpSpanExporter } from './xray-udp-exporter.js';

const provider = new TracerProvider({
  resource: resourceFromAttributes({
    'service.name': process.env.OTEL_SERVICE_NAME ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local',
    'cloud.provider': 'aws',
    'cloud.platform': 'aws_lambda',
  }),
  // Follow the caller's decision (API Gateway's, through Lambda); a span without one is not recorded.
  sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  // The Lambda instrumentation flushes at the end of each invocation: one datagram per invocation.
  spanProcessors: [new BatchSpanProcessor({ exporter: new XRayUdpSpanExporter() })],
});
const xray = new AWSXRayPropagator();
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(xray);

interface InvokeStore {
  getXRayTraceId(): string | undefined;
}

/** This invocation's trace header: from the runtime's per-invocation store where it keeps one, else the environment. */
function invocationTraceHeader(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: InvokeStore } }).awslambda?.InvokeStore;
  return store?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID;
}

const headerGetter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) };

const lambda = new AwsLambdaInstrumentation({
  // tracedHandler wraps the handler itself: no require hook on the handler's file.
  lambdaHandler: '',
  eventContextExtractor: (): TraceContext => {
    const header = invocationTraceHeader();
    return header ? xray.extract(ROOT_CONTEXT, { [AWSXRAY_TRACE_ID_HEADER]: header }, headerGetter) : ROOT_CONTEXT;
  },
});
// The AWS SDK is the runtime's (left out of the bundle): its modules are instrumented as they are loaded.
registerInstrumentations({ tracerProvider: provider, instrumentations: [lambda, new AwsInstrumentation()] });

const loadedAt = Date.now() - Math.floor(process.uptime() * 1000);

/** The handler as Lambda calls it: each invocation a server span (cold start, request id), flushed before it returns. */
export function tracedHandler<H extends Handler>(handler: H): H {
  // The instrumentation's own wrapper, as its require hook would apply it to the handler's module.
  return (lambda as unknown as { _getPatchHandler(original: H, loadedAt: number): H })._getPatchHandler(handler, loadedAt);
}

/** The client as it is: OpenTelemetry's AWS SDK instrumentation traces every client's calls. */
export function tracedClient<Client>(client: Client): Client {
  return client;
}

const tracer = trace.getTracer('traced-api');

/** Records `work` as a span named `name` of the current invocation's trace, with its error if it throws. */
export function traceAsync<T>(name: string, work: (span?: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
