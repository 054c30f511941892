// OpenTelemetry spans as the X-Ray daemon receives them from ADOT (and from a project traced with --tracer otel):
// after the daemon's header line, "T1S" (sampled) or "T1U" (not sampled) and the base64 of an OTLP protobuf
// ExportTraceServiceRequest. Decoded by protobufjs from the protocol's published definitions (../../proto).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export type SpanKind = 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER' | 'UNSPECIFIED';
export type AttributeValue = string | number | boolean | AttributeValue[] | { [key: string]: AttributeValue } | null;
export type Attributes = Record<string, AttributeValue>;

/** One span as OTLP carries it, ids in hex and times in epoch seconds. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  /** Epoch seconds. */
  startTime: number;
  endTime: number;
  attributes: Attributes;
  events: { name: string; time: number; attributes: Attributes }[];
  status: { code: 'UNSET' | 'OK' | 'ERROR'; message?: string };
  /** The resource's attributes: service.name, cloud.platform... */
  resource: Attributes;
  /** The instrumentation scope that made it (e.g. @opentelemetry/instrumentation-aws-sdk). */
  scope?: string;
  /** The datagram said T1S: the trace was sampled, X-Ray records it. */
  sampled: boolean;
}

/** The prefixes the X-Ray daemon reads before OTLP spans. */
export const OTLP_SAMPLED = 'T1S';
export const OTLP_UNSAMPLED = 'T1U';

// From src/local (tests) and dist/local (the package) alike, the definitions sit at the package's root.
const protoRoot = fileURLToPath(new URL('../../proto', import.meta.url));
let requestType: protobuf.Type | undefined;

function exportTraceServiceRequest(): protobuf.Type {
  if (requestType) return requestType;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(protoRoot, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
  requestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  return requestType;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}

function valueOf(value: AnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.kvlistValue) return attributesOf(value.kvlistValue.values);
  return value.bytesValue ?? null;
}

function attributesOf(list: KeyValue[] | undefined): Attributes {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));
}

const hex = (base64: string | undefined) => (base64 ? Buffer.from(base64, 'base64').toString('hex') : '');
/** Nanoseconds (a decimal string, 64 bits) to epoch seconds, to the microsecond. */
const seconds = (nanos: string | undefined) => (nanos ? Number(BigInt(nanos) / 1000n) / 1e6 : 0);

interface DecodedSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: string;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: KeyValue[];
  events?: { name?: string; timeUnixNano?: string; attributes?: KeyValue[] }[];
  status?: { code?: string; message?: string };
}
interface DecodedRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { scope?: { name?: string }; spans?: DecodedSpan[] }[] }[];
}

/** The spans of one datagram's body (what follows the header line); throws when it is not OTLP spans. */
export function decodeOtlpSpans(body: string): OtlpSpan[] {
  const prefix = body.slice(0, 3);
  if (prefix !== OTLP_SAMPLED && prefix !== OTLP_UNSAMPLED) throw new Error(`not OTLP spans: starts with ${JSON.stringify(prefix)}`);
  const type = exportTraceServiceRequest();
  const message = type.decode(Buffer.from(body.slice(3), 'base64'));
  const request = type.toObject(message, { longs: String, enums: String, bytes: String, defaults: false }) as DecodedRequest;
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const parentSpanId = hex(span.parentSpanId);
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          ...(parentSpanId ? { parentSpanId } : {}),
          name: span.name ?? '',
          kind: (span.kind ?? 'SPAN_KIND_UNSPECIFIED').replace(/^SPAN_KIND_/, '') as SpanKind,
          startTime: seconds(span.startTimeUnixNano),
          endTime: seconds(span.endTimeUnixNano),
          attributes: attributesOf(span.attributes),
          events: (span.events ?? []).map((event) => ({ name: event.name ?? '', time: seconds(event.timeUnixNano), attributes: attributesOf(event.attributes) })),
          status: {
            code: (span.status?.code ?? 'STATUS_CODE_UNSET').replace(/^STATUS_CODE_/, '') as OtlpSpan['status']['code'],
            ...(span.status?.message ? { message: span.status.message } : {}),
          },
          resource,
          ...(scopeSpans.scope?.name ? { scope: scopeSpans.scope.name } : {}),
          sampled: prefix === OTLP_SAMPLED,
        });
      }
    }
  }
  return spans;
}
