// What the dev server reads of an HTTP request before anything else: its URL (refused when malformed) and its
// body, up to a limit and never past it: a body announced or streamed beyond the limit is not read into memory,
// and the request is answered without reading the rest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long the connection of a refused request stays open (unread) for its client to read the answer. */
const REFUSED_CONNECTION_LINGER_MS = 1_000;

/** The request's URL, or undefined when it is malformed (a bad percent-escape, an unparsable target). */
export function requestUrl(request: IncomingMessage): URL | undefined {
  const target = request.url ?? '/';
  let url: URL;
  try {
    // Origin-form (/path?query) joined as text: `new URL('//host/x', base)` would read //host as a host.
    url = target.startsWith('/') ? new URL(`http://127.0.0.1${target}`) : new URL(target);
    decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

export type Body = { body: Buffer | null } | { tooLarge: true };

/**
 * The request's body, at most `limit` bytes: beyond it (by Content-Length, or counted as it streams) reading stops
 * and the answer is `tooLarge`; what was read is dropped, and the socket is left paused for the caller to answer and close.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Body> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.pause();
    return Promise.resolve({ tooLarge: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.off('end', onEnd);
        request.pause();
        chunks.length = 0;
        resolve({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve({ body: chunks.length > 0 ? Buffer.concat(chunks) : null });
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', reject);
  });
}

/** Answers a request without reading what is left of it; the connection is not used again. */
export function refuseUnread(request: IncomingMessage, response: ServerResponse, answer: { status: number; headers: Record<string, string | string[]>; body: Buffer }): void {
  request.pause();
  lingerOnClose(request.socket);
  response.writeHead(answer.status, { ...answer.headers, connection: 'close' });
  response.end(answer.body);
}

/**
 * Node ends a `connection: close` answer by destroying the socket (destroySoon), which resets the connection under
 * a client still sending its body: the client may then miss the answer. This socket half-closes instead (the client
 * sees the answer end), unread, and is destroyed a moment later.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), REFUSED_CONNECTION_LINGER_MS).unref();
  };
}
