import type { IncomingMessage } from 'node:http';
import { ResultCode } from '../protocol/codes.ts';
import { keyProblem, MAX_FIELDS } from '../protocol/schemas.ts';

export type BodyResult =
  | { ok: true; fields: Record<string, unknown> }
  | {
      ok: false;
      code: typeof ResultCode.BODY_TOO_LARGE | typeof ResultCode.UNSUPPORTED_MEDIA_TYPE | typeof ResultCode.INVALID_PARAMS;
      reason: string;
    };

export type BodyType = 'form' | 'json';

const invalid = (reason: string): BodyResult => ({ ok: false, code: ResultCode.INVALID_PARAMS, reason });
const TOO_MANY_FIELDS = `more than ${MAX_FIELDS} fields`;

/**
 * Reads and parses a charge body (form-urlencoded or JSON) with a size limit. Written by hand rather
 * than with express.urlencoded()/express.json(): measured on this machine those two middlewares cut
 * an Express route from ~15,000 to ~9,400 requests/s (docs/design.md §3), and the gateway's ceiling
 * is the framework. Content-Length is checked before reading; a chunked body is cut at the limit.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  const bodyType: BodyType | undefined =
    type === 'application/x-www-form-urlencoded' ? 'form' : type === 'application/json' ? 'json' : undefined;
  if (!bodyType) {
    req.resume();
    return Promise.resolve({
      ok: false,
      code: ResultCode.UNSUPPORTED_MEDIA_TYPE,
      reason: 'Content-Type must be application/x-www-form-urlencoded or application/json',
    });
  }
  const tooLarge: BodyResult = { ok: false, code: ResultCode.BODY_TOO_LARGE, reason: `body is larger than ${maxBytes} bytes` };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    return Promise.resolve(tooLarge);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('error', () => resolve(invalid('request body could not be read')));
    req.on('end', () => resolve(size > maxBytes ? tooLarge : parseBody(bodyType, Buffer.concat(chunks).toString('utf8'))));
  });
}

/** A body's text to its fields, by the rules of schemas.ts (keyProblem, MAX_FIELDS); pure, for the unit tests. */
export function parseBody(type: BodyType, text: string): BodyResult {
  return type === 'form' ? parseForm(text) : parseJson(text);
}

function parseForm(text: string): BodyResult {
  const fields: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (seen.size >= MAX_FIELDS) return invalid(TOO_MANY_FIELDS);
    const problem = keyProblem(key, seen);
    if (problem) return invalid(problem);
    seen.add(key);
    fields[key] = value;
  }
  return { ok: true, fields };
}

function parseJson(text: string): BodyResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('JSON body must be an object');
  const problem = jsonKeyProblem(text);
  return problem ? invalid(problem) : { ok: true, fields: value as Record<string, unknown> };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * The first refused key of any object in `text`, which JSON.parse has already accepted (so every
 * string ends and every bracket matches): JSON.parse keeps the last of a key given twice without a
 * word, so duplicates can only be seen on the text. One pass, no values built; a key with escapes
 * is decoded by JSON.parse itself, so `"a"` and `"\u0061"` are the same key, as they are to it.
 */
function jsonKeyProblem(text: string): string | null {
  const open: (Set<string> | null)[] = []; // per open object the keys seen so far; null for an array
  let atKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (char === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (let c = text.charCodeAt(end); c !== QUOTE; c = text.charCodeAt(end)) {
        if (c === BACKSLASH) {
          escaped = true;
          end += 1;
        }
        end += 1;
      }
      if (atKey) {
        const seen = open[open.length - 1]!;
        if (open.length === 1 && seen.size >= MAX_FIELDS) return TOO_MANY_FIELDS;
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        const problem = keyProblem(key, seen);
        if (problem) return problem;
        seen.add(key);
        atKey = false;
      }
      i = end;
    } else if (char === OPEN_OBJECT) {
      open.push(new Set());
      atKey = true;
    } else if (char === OPEN_ARRAY) {
      open.push(null);
      atKey = false;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      open.pop();
      atKey = false;
    } else if (char === COMMA) {
      atKey = open[open.length - 1] != null;
    }
  }
  return null;
}
