// A local stand-in for the X-Ray daemon: a UDP socket on 127.0.0.1 collecting what the X-Ray SDK or
// OpenTelemetry sends (AWS_XRAY_DAEMON_ADDRESS=<address>). Each datagram is the header line
// {"format":"json","version":1}, a newline, and either one segment or subsegment document (the X-Ray SDK) or
// OTLP spans (T1S/T1U and base64 protobuf, as ADOT sends them), which become documents of the one segment model.
// Used by the tests and by the dev server (npm run dev).
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { spansToSegments } from '../traces/otel-spans.js';
import { decodeOtlpSpans, OTLP_SAMPLED, OTLP_UNSAMPLED, type OtlpSpan } from './otlp.js';

export type { OtlpSpan } from './otlp.js';

const HEADER = { format: 'json', version: 1 };

/** The fields of a segment document the tests look at; see the X-Ray segment document schema. */
export interface XRayDocument {
  id: string;
  name: string;
  trace_id: string;
  parent_id?: string;
  type?: 'subsegment';
  namespace?: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  cause?: { working_directory?: string; exceptions: { message?: string; type?: string; remote?: boolean }[] };
  aws?: Record<string, unknown> & { operation?: string; region?: string; request_id?: string; retries?: number };
  http?: { response?: { status?: number; content_length?: number } };
  annotations?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface DaemonOptions {
  /** Called with each document as it arrives (OpenTelemetry spans turned into documents included). */
  onDocument?: (document: XRayDocument) => void;
  /** Keep every document in `documents` (default true; a long-running dev server hands them to onDocument instead). */
  keep?: boolean;
}

export class LocalXRayDaemon {
  readonly documents: XRayDocument[] = [];
  /** OpenTelemetry spans as they came, sampled (T1S) or not (T1U). */
  readonly spans: OtlpSpan[] = [];
  /** Datagrams that were not a valid header line plus a JSON document or OTLP spans. */
  readonly rejected: string[] = [];
  private readonly socket: Socket;
  /** host:port, the form AWS_XRAY_DAEMON_ADDRESS takes. */
  readonly address: string;
  private readonly options: DaemonOptions;

  private constructor(socket: Socket, address: string, options: DaemonOptions) {
    this.socket = socket;
    this.address = address;
    this.options = options;
  }

  static async start(options: DaemonOptions = {}): Promise<LocalXRayDaemon> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address() as AddressInfo;
    const daemon = new LocalXRayDaemon(socket, `127.0.0.1:${port}`, options);
    socket.on('message', (datagram) => daemon.receive(datagram.toString('utf8')));
    return daemon;
  }

  /** The first document matching `predicate`, waiting for it to arrive (UDP sends are asynchronous). */
  waitFor(predicate: (document: XRayDocument) => boolean, timeoutMs = 5_000): Promise<XRayDocument> {
    return waitIn(this.documents, predicate, timeoutMs, 'X-Ray document');
  }

  /** The first OpenTelemetry span matching `predicate`, waiting for it to arrive. */
  waitForSpan(predicate: (span: OtlpSpan) => boolean, timeoutMs = 5_000): Promise<OtlpSpan> {
    return waitIn(this.spans, predicate, timeoutMs, 'OpenTelemetry span');
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(resolve));
  }

  private receive(datagram: string): void {
    const newline = datagram.indexOf('\n');
    const keep = this.options.keep !== false;
    let documents: XRayDocument[];
    try {
      const header: unknown = JSON.parse(datagram.slice(0, newline));
      if (newline < 0 || JSON.stringify(header) !== JSON.stringify(HEADER)) throw new Error('bad header');
      const body = datagram.slice(newline + 1);
      if (body.startsWith(OTLP_SAMPLED) || body.startsWith(OTLP_UNSAMPLED)) {
        const spans = decodeOtlpSpans(body);
        if (keep) this.spans.push(...spans);
        documents = spansToSegments(spans) as XRayDocument[];
      } else {
        documents = [JSON.parse(body) as XRayDocument];
      }
    } catch {
      if (keep) this.rejected.push(datagram);
      return;
    }
    for (const document of documents) {
      if (keep) this.documents.push(document);
      this.options.onDocument?.(document);
    }
  }
}

async function waitIn<T>(list: readonly T[], predicate: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = list.find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`No matching ${what} within ${timeoutMs} ms; received: ${JSON.stringify(list)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
