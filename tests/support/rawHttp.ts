/**
 * HTTP/1.1 over a raw socket (node:net), so a test controls every byte it sends (broken request
 * lines, oversized headers, slow bodies) and sees every byte it gets back, whatever node's client
 * would refuse to send or to read.
 */
import net from 'node:net';
import { httpStatusOf, ResultCode, type Envelope } from '../../services/protocol/codes.ts';

export interface RawAnswer {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

export type RawOutcome =
  | { kind: 'answer'; answer: RawAnswer }
  /** The server closed the connection without a complete answer; `halfClosed`: after we ended our side. */
  | { kind: 'closed'; received: string; halfClosed: boolean }
  | { kind: 'timeout'; received: string };

export interface RawOptions {
  /** The answer to a HEAD request has headers only. */
  head?: boolean;
  timeoutMs?: number;
  /** Instead of writing `request` at once: writes it however it likes (slowly, in pieces, never whole). */
  write?: (socket: net.Socket) => Promise<void>;
  /**
   * No answer this long after the request was written: end our sending side, as a client that has
   * nothing more to send does (the server then sees where an unfinished request stops).
   */
  patienceMs?: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * Parses one complete answer from the start of `data`, skipping 1xx interim answers; undefined while
 * incomplete. `closed`: the server has closed, so a body without a length ends here.
 */
export function parseAnswer(data: Buffer, head = false, closed = false): RawAnswer | undefined {
  let from = 0;
  for (;;) {
    const end = data.indexOf(CRLF2, from);
    if (end < 0) return undefined;
    const lines = data.subarray(from, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (!Number.isInteger(status)) throw new Error(`not an HTTP answer: ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = end + CRLF2.length;
    if (status >= 100 && status < 200) {
      from = bodyStart;
      continue;
    }
    if (head || status === 204 || status === 304) return { status, headers, body: '' };
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const chunks: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', at);
        if (lineEnd < 0) return undefined;
        const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
        if (size === 0) return { status, headers, body: Buffer.concat(chunks).toString('utf8') };
        if (data.length < lineEnd + 2 + size + 2) return undefined;
        chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    const length = Number(headers['content-length'] ?? NaN);
    if (!Number.isInteger(length))
      return closed ? { status, headers, body: data.subarray(bodyStart).toString('utf8') } : undefined;
    if (data.length < bodyStart + length) return undefined;
    return { status, headers, body: data.subarray(bodyStart, bodyStart + length).toString('utf8') };
  }
}

/** Sends `request` to `url`'s host and port and reads one answer; the socket is destroyed after it. */
export function rawRequest(url: string, request: string | Buffer, options: RawOptions = {}): Promise<RawOutcome> {
  const target = new URL(url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port), target.hostname);
    let data = Buffer.alloc(0);
    let settled = false;
    let halfClosed = false;
    let patience: NodeJS.Timeout | undefined;
    const settle = (outcome: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(patience);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout', received: data.toString('latin1') }), timeoutMs);
    const tryParse = (closed: boolean) => {
      let answer: RawAnswer | undefined;
      try {
        answer = parseAnswer(data, options.head, closed);
      } catch {
        answer = undefined; // not HTTP: reported as what was received
      }
      if (answer) settle({ kind: 'answer', answer });
      else if (closed) settle({ kind: 'closed', received: data.toString('latin1'), halfClosed });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      tryParse(false);
    });
    // A reset after the server's answer still leaves that answer readable here.
    socket.on('error', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    const written = () => {
      if (options.patienceMs === undefined || settled) return;
      patience = setTimeout(() => {
        halfClosed = true;
        socket.end();
      }, options.patienceMs);
    };
    socket.on('connect', () => {
      if (options.write) options.write(socket).then(written, () => socket.destroy());
      else socket.write(request, written);
    });
  });
}

const KNOWN_CODES: ReadonlySet<number> = new Set(Object.values(ResultCode));

/**
 * Why `answer` is not one of our envelopes, or null: a JSON object {code, msg, data} whose code is
 * one of ours, whose msg says something, and whose HTTP status is its code's (10000 is 200 or 202).
 */
export function envelopeProblem(answer: RawAnswer): string | null {
  let value: unknown;
  try {
    value = JSON.parse(answer.body);
  } catch {
    return `body is not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`;
  }
  if (typeof value !== 'object' || value === null) return 'body is not an object';
  const envelope = value as Partial<Envelope>;
  const keys = Object.keys(envelope).sort().join(',');
  if (keys !== 'code,data,msg') return `envelope keys are ${keys}`;
  if (typeof envelope.code !== 'number' || !KNOWN_CODES.has(envelope.code)) return `unknown code ${String(envelope.code)}`;
  if (typeof envelope.msg !== 'string' || envelope.msg.length < 3) return 'msg gives no reason';
  const expected = envelope.code === ResultCode.OK ? [200, 202] : [httpStatusOf[envelope.code]];
  if (!expected.includes(answer.status)) return `HTTP ${answer.status} for code ${envelope.code}`;
  return null;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
