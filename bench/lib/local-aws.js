// Local stand-ins the handler figures run against: an SNS endpoint (awsQuery Publish, answered in
// XML) and a UDP socket standing in for the X-Ray daemon. Minimal copies of the devkit's local SNS and
// X-Ray daemon, in plain JavaScript for the bench; OpenTelemetry's OTLP datagrams are read by the devkit's
// own decoder (devkit/dist, built by `npm run build`) into the same segment documents.
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { decodeOtlpSpans } from '../../devkit/dist/local/otlp.js';
import { spansToSegments } from '../../devkit/dist/traces/otel-spans.js';

export async function startLocalSns() {
  let published = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const requestId = randomUUID();
      if (params.get('Action') !== 'Publish') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>only Publish</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
        return;
      }
      published += 1;
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    published: () => published,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function startLocalDaemon() {
  const socket = createSocket('udp4');
  const documents = [];
  socket.on('message', (datagram) => {
    const text = datagram.toString('utf8');
    const body = text.slice(text.indexOf('\n') + 1);
    try {
      if (body.startsWith('T1S')) documents.push(...spansToSegments(decodeOtlpSpans(body)));
      else documents.push(JSON.parse(body));
    } catch {
      documents.push({ unparsable: text });
    }
  });
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    documents,
    stop: () => new Promise((resolve) => socket.close(resolve)),
  };
}
