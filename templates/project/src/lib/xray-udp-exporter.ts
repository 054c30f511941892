// Sends finished spans to the X-Ray daemon that Lambda runs beside the function, over UDP as ADOT does: each
// datagram is the daemon's header line, then T1S and the base64 of an OTLP ExportTraceServiceRequest.
import { createSocket } from 'node:dgram';
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

const HEADER = '{"format":"json","version":1}\n';
/** The daemon's prefix for sampled OpenTelemetry spans. */
const SAMPLED_SPANS = 'T1S';
/** A UDP datagram carries at most 65,507 bytes of data. */
export const MAX_DATAGRAM = 65_507;

/** The datagrams that carry `spans`: as few as fit, each under MAX_DATAGRAM; a span too big for one alone is dropped. */
export function datagrams(spans: ReadableSpan[]): Buffer[] {
  if (spans.length === 0) return [];
  const request = ProtobufTraceSerializer.serializeRequest(spans);
  const datagram = request && Buffer.from(`${HEADER}${SAMPLED_SPANS}${Buffer.from(request).toString('base64')}`);
  if (datagram && datagram.length <= MAX_DATAGRAM) return [datagram];
  if (spans.length === 1) return [];
  const half = Math.ceil(spans.length / 2);
  return [...datagrams(spans.slice(0, half)), ...datagrams(spans.slice(half))];
}

export class XRayUdpSpanExporter implements SpanExporter {
  private readonly socket = createSocket('udp4');
  private readonly host: string;
  private readonly port: number;

  /** `address`: host:port, as Lambda sets AWS_XRAY_DAEMON_ADDRESS. */
  constructor(address = process.env.AWS_XRAY_DAEMON_ADDRESS ?? '127.0.0.1:2000') {
    const [host, port] = address.split(':');
    this.host = host || '127.0.0.1';
    this.port = Number(port) || 2000;
    // The socket must not keep the process alive (a local script, a test).
    this.socket.unref();
  }

  /** Done once the datagrams are handed to the socket, as ADOT's exporter is: the invocation does not wait for the send. */
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const datagram of datagrams(spans)) {
      this.socket.send(datagram, this.port, this.host, (error) => {
        if (error) diag.error(`X-Ray daemon at ${this.host}:${this.port}: ${error.message}`);
      });
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {
    this.socket.close();
  }

  async forceFlush(): Promise<void> {}
}
