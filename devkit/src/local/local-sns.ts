// A local stand-in for Amazon SNS: a real HTTP server on 127.0.0.1 speaking the protocol
// @aws-sdk/client-sns speaks (awsQuery: a form-encoded POST with Action=Publish, answered in XML).
// Point the SDK at it with AWS_ENDPOINT_URL_SNS=<url>. Used by the tests and by the dev server (npm run dev),
// which can make it fail on demand.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export interface SnsRequest {
  action: string | null;
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  message: string;
  subject?: string;
  messageAttributes: Record<string, { dataType: string; stringValue?: string }>;
  /** The X-Amzn-Trace-Id header the call carried. */
  traceHeader?: string;
}

export interface SnsFailure {
  status: number;
  code: string;
  message: string;
}

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

function errorXml({ status, code, message }: SnsFailure, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

function messageAttributes(params: URLSearchParams): PublishedMessage['messageAttributes'] {
  const attributes: PublishedMessage['messageAttributes'] = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    attributes[params.get(`${prefix}.Name`)!] = {
      dataType: params.get(`${prefix}.Value.DataType`) ?? '',
      stringValue: params.get(`${prefix}.Value.StringValue`) ?? undefined,
    };
  }
  return attributes;
}

export class LocalSns {
  /** Every request received, failed ones and the SDK's retries included. */
  readonly requests: SnsRequest[] = [];
  /** Messages accepted (answered 200). */
  readonly published: PublishedMessage[] = [];
  private failure: SnsFailure | undefined;
  private readonly server: Server;
  readonly url: string;

  private constructor(server: Server, url: string) {
    this.server = server;
    this.url = url;
  }

  /** The error every request gets while failing, undefined while SNS works. */
  get failingWith(): SnsFailure | undefined {
    return this.failure;
  }

  static async start(): Promise<LocalSns> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sns = new LocalSns(server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const { status, body } = sns.answer(Buffer.concat(chunks).toString('utf8'), req.headers);
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': body.requestId });
        res.end(body.xml);
      });
    });
    return sns;
  }

  /** Answers every following request with this error (default: 500 InternalError) until succeed(). */
  failWith(failure: Partial<SnsFailure> = {}): void {
    const status = failure.status ?? 500;
    // An HTTP status SNS could answer an error with; any other would break the next response, not this call.
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`failWith status ${status}: SNS answers errors with 400 to 599`);
    this.failure = { status: 500, code: 'InternalError', message: 'Request could not be completed', ...failure };
  }

  succeed(): void {
    this.failure = undefined;
  }

  reset(): void {
    this.requests.length = 0;
    this.published.length = 0;
    this.failure = undefined;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private answer(body: string, headers: IncomingHttpHeaders): { status: number; body: { xml: string; requestId: string } } {
    const requestId = randomUUID();
    const params = new URLSearchParams(body);
    const action = params.get('Action');
    this.requests.push({ action, params, headers });
    if (this.failure) {
      return { status: this.failure.status, body: { xml: errorXml(this.failure, requestId), requestId } };
    }
    if (action !== 'Publish') {
      const failure = { status: 400, code: 'InvalidAction', message: `${action ?? 'No action'} is not supported here` };
      return { status: 400, body: { xml: errorXml(failure, requestId), requestId } };
    }
    const topicArn = params.get('TopicArn');
    const message = params.get('Message');
    if (!topicArn || message === null) {
      const failure = { status: 400, code: 'InvalidParameter', message: 'TopicArn and Message are required' };
      return { status: 400, body: { xml: errorXml(failure, requestId), requestId } };
    }
    const messageId = randomUUID();
    this.published.push({
      messageId,
      topicArn,
      message,
      subject: params.get('Subject') ?? undefined,
      messageAttributes: messageAttributes(params),
      traceHeader: headers['x-amzn-trace-id'] as string | undefined,
    });
    const xml =
      `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`;
    return { status: 200, body: { xml, requestId } };
  }
}
