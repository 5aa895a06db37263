import { maxHeaderSize, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpStatusOf, ResultCode, type Envelope } from '../protocol/codes.ts';

/** After our answer, a client that keeps the connection open gets this long to read it. */
const CLOSE_GRACE_MS = 2_000;

/** llhttp's and node's error codes for what the server refuses before any route sees a request. */
const CODE_OF: Record<string, ResultCode> = {
  HPE_HEADER_OVERFLOW: ResultCode.HEADERS_TOO_LARGE,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ResultCode.BODY_TOO_LARGE,
  ERR_HTTP_REQUEST_TIMEOUT: ResultCode.REQUEST_TIMEOUT,
};

function reasonOf(code: ResultCode, error: Error & { reason?: unknown }): string {
  switch (code) {
    case ResultCode.HEADERS_TOO_LARGE:
      return `request line and headers must fit in ${maxHeaderSize} bytes`;
    case ResultCode.BODY_TOO_LARGE:
      return 'chunk extensions are too large';
    case ResultCode.REQUEST_TIMEOUT:
      return 'the request was not received in time';
    default:
      return `malformed HTTP request: ${typeof error.reason === 'string' ? error.reason : error.message}`;
  }
}

/** A whole HTTP/1.1 answer as bytes, for a socket no ServerResponse owns. */
function rawAnswer(code: ResultCode, msg: string, extraHeaders = ''): string {
  const status = httpStatusOf[code];
  const body = JSON.stringify({ code, msg, data: null } satisfies Envelope);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `${extraHeaders}connection: close\r\n\r\n${body}`
  );
}

/** Writes the answer, then closes: the client gets CLOSE_GRACE_MS to read it before the socket is cut. */
function answerAndClose(socket: Duplex, answer: string): void {
  socket.end(answer);
  // Keep draining what the client still sends: closing with unread input would reset the connection
  // and could destroy our answer before the client read it.
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Node's HTTP server answers what it refuses itself (malformed HTTP, headers or URL over 16 KB, a
 * request timeout, `Expect: foo`, CONNECT) with a bare status line and no body, or by closing the
 * socket. Every answer of ours is the envelope: these get one too, with a code of ours, wherever the
 * socket can still carry it.
 */
export function answerServerErrorsWithEnvelopes(server: Server): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    // The parser may report one broken connection more than once: the first answer stands.
    if (answered.has(socket)) return;
    answered.add(socket);
    // A response already under way on this socket (keep-alive) cannot be followed by another one.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const code = CODE_OF[error.code ?? ''] ?? ResultCode.MALFORMED_REQUEST;
    answerAndClose(socket, rawAnswer(code, reasonOf(code, error)));
  });
  // Without a listener node answers 417 with an empty body.
  server.on('checkExpectation', (req, res: ServerResponse) => {
    const code = ResultCode.EXPECTATION_FAILED;
    const body = JSON.stringify({ code, msg: `Expect: ${String(req.headers.expect).slice(0, 64)} is not supported`, data: null });
    res.writeHead(httpStatusOf[code], {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  });
  // Without a listener node closes a CONNECT request's socket without a word.
  server.on('connect', (_req, socket: Duplex) => {
    answerAndClose(socket, rawAnswer(ResultCode.METHOD_NOT_ALLOWED, 'CONNECT is not supported', 'allow: GET, HEAD, POST\r\n'));
  });
}
