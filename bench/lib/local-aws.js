// Local stand-ins the handler figures run against: an SNS endpoint (awsQuery Publish, answered in
// XML) and a UDP socket standing in for the X-Ray daemon. Minimal copies of the generated project's
// test/support/local-sns.ts and local-xray-daemon.ts, in plain JavaScript for the bench.
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';

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
    try {
      documents.push(JSON.parse(text.slice(text.indexOf('\n') + 1)));
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
