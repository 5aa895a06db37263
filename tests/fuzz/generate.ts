/**
 * The fuzz suite's hostile requests, generated from a seed: the same seed gives the same requests in
 * the same order, whatever the services answer. Each one is the exact bytes sent over a raw socket,
 * so nothing is normalised by an HTTP client on the way.
 */

import { random } from '../../loadtest/random.ts';

/** Seeded draws (loadtest/random.ts): the same sequence on every machine for a given seed. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = random(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

export interface FuzzCase {
  index: number;
  /** What was generated, for the summary and for a failure message. */
  kind: string;
  target: 'gateway' | 'order';
  bytes: Buffer;
  head: boolean;
  /** Deliberately incomplete or cut by the client: no answer is owed (but any answer is an envelope). */
  incomplete: boolean;
  /** A slow client: the bytes in pieces with a pause between; `cut`: it disconnects before the end. */
  slow?: { pieces: Buffer[]; pauseMs: number; cut: boolean };
  /** Carries the right internal token: a 200 from the order service is its internal API's own JSON. */
  internal: boolean;
}

/** The shop the fuzz runs against (tests/fuzz/gateway.test.ts seeds it). */
export interface FuzzShop {
  products: { id: string; price: string }[];
  token: string;
  maxBodyBytes: number;
}

const FIELDS = ['userPhoneNum', 'prodId', 'chargePrice'] as const;
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'MKCOL', 'SEARCH', 'LINK'];
const PATHS = [
  '/api/charge.do',
  '/api/query.do',
  '/API/CHARGE.DO',
  '/api/charge.do/',
  '/api//charge.do',
  '/api/charge.do;x=1',
  '/api/%63harge.do',
  '/api/query.do%00',
  '/api/../api/charge.do',
  '/',
  '/nope',
  '/api',
  '/internal/orders',
  '/%ZZ',
  '/\u00e9',
  '*',
];
const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/json; charset=bogus',
  'application/json;;;',
  'application/jsonx',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded, application/json',
  '*/*',
  '',
];
const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '１３８００００００００１',
  '١٣٨٠٠٠٠٠٠٠١',
  '📱',
  '\u202e1380000000',
  '\u200b',
  'e\u0301',
  '\ud800',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '+',
  '&',
  '=',
  '[]',
  '{}',
  'null',
  'true',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '0x4b0',
  '1_200',
  '1200,00',
  ' 1200.00',
  '1200.00\n',
  '1199.999',
  '1200.004',
  '99999999999.99',
  '-1200.00',
  '$1200',
  '__proto__',
  'constructor',
];
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NUMBERS = [
  '1200',
  '1200.0',
  '1199.999',
  '1200.004',
  '0.1',
  '1e21',
  '1e-7',
  '-1',
  '-0',
  '1e999',
  '12e2',
  '0',
  '10.00',
  '0.01',
  '5e-324',
];

export function createGenerator(seed: number, shop: FuzzShop): (index: number) => FuzzCase {
  const rng = new Rng(seed);
  const productIds = [...shop.products.map((p) => p.id), 'pid_9999', 'x'.repeat(33), 'p d'];

  const validPhone = () => `1${3 + rng.int(7)}${String(rng.int(1e9)).padStart(9, '0')}`;
  const phone = () => (rng.chance(0.8) ? validPhone() : rng.pick(NASTY) + String(rng.int(1e11)));
  const longString = () => rng.pick(['a', '1', '%', '\u00e9', '📱']).repeat(1 + rng.int(rng.chance(0.5) ? 50 : 3000));
  const value = (field: string): string => {
    const roll = rng.next();
    if (roll < 0.35) {
      if (field === 'userPhoneNum') return phone();
      if (field === 'prodId') return rng.pick(productIds);
      const product = rng.pick(shop.products);
      return rng.chance(0.7) ? product.price : rng.pick(NUMBERS);
    }
    if (roll < 0.8) return rng.pick(NASTY);
    if (roll < 0.9) return longString();
    return String.fromCharCode(...Array.from({ length: 1 + rng.int(12) }, () => rng.int(0x3000)));
  };
  const keys = (): string[] => {
    const list: string[] = [...FIELDS].filter(() => rng.chance(0.85));
    if (rng.chance(0.15)) list.push(rng.pick(FIELDS)); // a key given twice
    if (rng.chance(0.1)) list.push(rng.pick(PROTO_KEYS));
    if (rng.chance(0.1)) list.push(...Array.from({ length: 1 + rng.int(24) }, (_, i) => `f${i}`));
    if (rng.chance(0.05)) list.push('', 'a b', '\u0000', longString());
    for (let i = list.length - 1; i > 0; i -= 1) {
      const j = rng.int(i + 1);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  };
  const encodeForm = (text: string): string => {
    // encodeURIComponent throws on a lone surrogate: encoded as U+FFFD (case 0 sends it raw).
    const encode = (t: string) => encodeURIComponent(t.replace(LONE_SURROGATE, '\ufffd'));
    switch (rng.int(6)) {
      case 0:
        return text; // raw: & = % change the structure
      case 1:
        return encode(encode(text));
      case 2:
        return encode(text).replace(/%20/g, '+');
      case 3:
        return `${encode(text)}%${rng.pick(['', 'G', '4', 'zz'])}`;
      default:
        return encode(text);
    }
  };
  const formBody = (): string => {
    const parts = keys().map((k) => `${encodeForm(k)}=${encodeForm(value(k))}`);
    if (rng.chance(0.1)) parts.push(rng.pick(['', '&', '==', 'novalue', '=x', '&&&']));
    return parts.join('&');
  };
  const jsonValue = (field: string): string => {
    const roll = rng.next();
    if (roll < 0.5) return JSON.stringify(value(field));
    if (roll < 0.7) return rng.pick(NUMBERS);
    if (roll < 0.8) return rng.pick(['true', 'false', 'null', '[]', '{}', '["1"]', '{"$gt":""}', '"\\u0000"', '"\\ud800"']);
    const depth = 1 + rng.int(rng.chance(0.5) ? 8 : 3000);
    return rng.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  };
  const jsonKey = (key: string): string => {
    const text = JSON.stringify(key);
    return rng.chance(0.1) && key.length > 0 ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${text.slice(2)}` : text;
  };
  const jsonBody = (): string => {
    let text = `{${keys()
      .map((k) => `${jsonKey(k)}:${jsonValue(k)}`)
      .join(',')}}`;
    if (rng.chance(0.05)) text = rng.pick(['[', '"', '1', 'null', ' ']) + text.slice(1);
    if (rng.chance(0.15)) {
      const at = rng.int(text.length + 1);
      const insert = rng.pick([',', '}', '{', '"', "'", '\u0000', '\ufeff', '/*x*/', ' ', '\\', 'NaN']);
      text = rng.chance(0.5) ? text.slice(0, at) + insert + text.slice(at) : text.slice(0, at);
    }
    return text;
  };
  const bodyBytes = (text: string, type: string): Buffer => {
    if (type.includes('utf-16')) return Buffer.from(text, 'utf16le');
    if (rng.chance(0.05)) return Buffer.from(text, 'latin1');
    const bytes = Buffer.from(text, 'utf8');
    if (rng.chance(0.05)) return Buffer.concat([bytes, Buffer.from([rng.pick([0x00, 0xff, 0xc3, 0xe2, 0x80])])]);
    return bytes;
  };

  /** A whole request; `contentLength`: what to declare instead of the truth (null: none). */
  const request = (
    method: string,
    path: string,
    headers: [string, string][],
    body: Buffer,
    options: { contentLength?: number | null; chunked?: boolean; close?: boolean } = {},
  ): Buffer => {
    const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', ...headers.map(([k, v]) => `${k}: ${v}`)];
    if (options.chunked) lines.push('transfer-encoding: chunked');
    else if (options.contentLength !== null && (body.length > 0 || method === 'POST'))
      lines.push(`content-length: ${options.contentLength ?? body.length}`);
    if (options.close ?? rng.chance(0.9)) lines.push('connection: close');
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    if (!options.chunked) return Buffer.concat([head, body]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < body.length;) {
      const size = 1 + rng.int(Math.min(body.length - at, 512));
      chunks.push(Buffer.from(`${size.toString(16)}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
      at += size;
    }
    return Buffer.concat([head, ...chunks, Buffer.from('0\r\n\r\n')]);
  };
  const extraHeaders = (): [string, string][] => {
    const headers: [string, string][] = [];
    if (rng.chance(0.05)) headers.push(['expect', '100-continue']);
    if (rng.chance(0.05)) headers.push(['content-encoding', 'gzip']);
    if (rng.chance(0.05)) headers.push(['x-forwarded-for', rng.pick(['1.2.3.4', 'junk', '::1, 10.0.0.1', longString()])]);
    if (rng.chance(0.03)) headers.push(['cookie', longString()]);
    if (rng.chance(0.03)) headers.push(['upgrade', 'websocket'], ['connection', 'upgrade']);
    return headers;
  };

  /** A valid charge with at most one thing wrong: each rule met alone, and some requests that sell. */
  const nearValid = (kind: 'form' | 'json'): string => {
    const product = rng.pick(shop.products);
    const entries: [string, string | number][] = [
      ['userPhoneNum', validPhone()],
      ['prodId', product.id],
      ['chargePrice', product.price],
    ];
    const field = rng.int(3);
    switch (rng.int(8)) {
      case 0:
        break; // all valid: admitted, sold out, a repeat, or the sale is not open
      case 1:
        entries[field]![1] = rng.chance(0.8) ? rng.pick(NASTY) : longString();
        break;
      case 2:
        entries.push([FIELDS[field]!, entries[field]![1]]);
        break;
      case 3:
        entries.push([rng.pick(PROTO_KEYS), rng.pick(['1', '{}'])]);
        break;
      case 4:
        entries.splice(field, 1);
        break;
      case 5:
        entries[2]![1] = rng.chance(0.5) ? Number(product.price) + rng.pick([0, 0.001, -0.004, 0.01]) : Number(rng.pick(NUMBERS));
        break;
      case 6:
        entries[1]![1] = rng.pick(productIds);
        break;
      default:
        entries.push(...Array.from({ length: 1 + rng.int(20) }, (_, i): [string, string] => [`f${i}`, '1']));
    }
    if (kind === 'form') {
      const encode = (t: string | number) => encodeURIComponent(String(t).replace(LONE_SURROGATE, '\ufffd'));
      return entries.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    }
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'number' ? String(v) : JSON.stringify(v)}`).join(',')}}`;
  };

  const charge = (index: number, kind: 'form' | 'json'): FuzzCase => {
    const type = rng.chance(0.85) ? (kind === 'form' ? CONTENT_TYPES[0]! : CONTENT_TYPES[1]!) : rng.pick(CONTENT_TYPES);
    const near = rng.chance(0.4);
    const text = near ? nearValid(kind) : kind === 'form' ? formBody() : jsonBody();
    const body = bodyBytes(text, type);
    const headers: [string, string][] = type === '' ? [] : [['content-type', type]];
    const chunked = rng.chance(0.1);
    return {
      index,
      kind: `charge ${kind}${near ? ' near-valid' : ''}${chunked ? ' chunked' : ''}`,
      target: 'gateway',
      bytes: request('POST', '/api/charge.do', [...headers, ...extraHeaders()], body, { chunked }),
      head: false,
      incomplete: false,
      internal: false,
    };
  };
  const size = (index: number): FuzzCase => {
    const around = shop.maxBodyBytes + rng.pick([-1, 0, 1, 100, 60_000]);
    const body = Buffer.alloc(Math.max(0, around), rng.pick(['a', '&', '=', '{', '%']));
    const declared = rng.pick<number | null | undefined>([undefined, undefined, null, body.length - 10, body.length + 10]);
    const type = rng.pick(CONTENT_TYPES.slice(0, 2));
    return {
      index,
      kind: `size ${around}${declared === null ? ' chunked' : declared === undefined ? '' : ' wrong length'}`,
      target: 'gateway',
      bytes: request('POST', '/api/charge.do', [['content-type', type]], body, {
        chunked: declared === null,
        contentLength: declared,
      }),
      head: false,
      // Declaring more than is sent leaves the request unfinished.
      incomplete: declared !== undefined && declared !== null && declared > body.length,
      internal: false,
    };
  };
  const query = (index: number): FuzzCase => {
    const params = rng.chance(0.4)
      ? [`userPhoneNum=${validPhone()}`, `prodId=${rng.pick(productIds)}`]
      : keys().map((k) => `${encodeForm(k)}=${encodeForm(value(k))}`);
    if (rng.chance(0.05)) params.push(...Array.from({ length: 1500 }, (_, i) => `k${i}=1`));
    const path = `${rng.chance(0.9) ? '/api/query.do' : rng.pick(PATHS)}?${params.join('&')}${rng.chance(0.05) ? '#frag' : ''}`;
    return {
      index,
      kind: 'query',
      target: 'gateway',
      // Raw bytes above 0x7f and spaces in the target are the point of some cases.
      bytes: request('GET', path.replace(/ /g, rng.chance(0.5) ? '%20' : ' '), extraHeaders(), Buffer.alloc(0)),
      head: false,
      incomplete: false,
      internal: false,
    };
  };
  const method = (index: number, target: 'gateway' | 'order'): FuzzCase => {
    const verb = rng.pick(METHODS);
    const path =
      target === 'order'
        ? rng.pick(['/internal/products', '/internal/orders', '/internal/x', '/metrics', '/healthz', ...PATHS])
        : rng.pick(PATHS);
    const withToken = target === 'order' && rng.chance(0.5);
    // (Not `${token} `: a header value's trailing space is no part of it, so that is the right token.)
    const token = withToken ? shop.token : rng.pick(['', 'wrong', shop.token.slice(1), `${shop.token}x`]);
    const headers: [string, string][] = target === 'order' && (withToken || token) ? [['authorization', `Bearer ${token}`]] : [];
    // GET /metrics and /healthz are the operators' (Prometheus text, {status}), not the API's envelope.
    const fixedVerb = (path === '/metrics' || path === '/healthz') && (verb === 'GET' || verb === 'HEAD') ? 'DELETE' : verb;
    const body = rng.chance(0.3) ? Buffer.from(formBody()) : Buffer.alloc(0);
    return {
      index,
      kind: `method ${target}`,
      target,
      bytes: request(fixedVerb, path, [...headers, ['content-type', rng.pick(CONTENT_TYPES)]], body),
      head: fixedVerb === 'HEAD',
      incomplete: false,
      internal: withToken,
    };
  };
  const malformed = (index: number): FuzzCase => {
    const templates: [string, boolean][] = [
      ['GARBAGE\r\n\r\n', false],
      ['get /api/query.do HTTP/1.1\r\nhost: x\r\n\r\n', false],
      ['GET /api/query.do HTTP/1.2\r\nhost: x\r\n\r\n', false],
      ['GET /api/query.do HTTP/2.0\r\nhost: x\r\n\r\n', false],
      ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', false],
      ['GET /api/query.do HTTP/1.1\nhost: x\n\n', false],
      ['GET /api/query.do HTTP/1.1\r\nhost: x\r\nno-colon\r\n\r\n', false],
      ['GET /api/query.do HTTP/1.1\r\nhost: x\r\nx : y\r\n\r\n', false],
      ['GET /api/query.do HTTP/1.1\r\nhost: x\r\nx: a\r\n folded\r\n\r\n', false],
      ['GET /api/query.do HTTP/1.1\r\nhost: x\r\nx: a\u0000b\r\n\r\n', false],
      ['GET /api/query.do HTTP/1.1\r\nhost: x\r\nx: a\rb\r\n\r\n', false],
      ['GET /api/query.do HTTP/1.1\r\nconnection: close\r\n\r\n', false],
      ['GET /api/query.do HTTP/1.0\r\n\r\n', false],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab', false],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n', false],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ncontent-length: 1e3\r\n\r\n', false],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip\r\n\r\nabc', false],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n0\r\n\r\n', false],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', false],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffffff\r\n', false],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\nexpect: foo\r\ncontent-length: 0\r\n\r\n', false],
      ['CONNECT 127.0.0.1:22 HTTP/1.1\r\nhost: 127.0.0.1:22\r\n\r\n', false],
      [`GET /api/query.do?${'q'.repeat(17_000)} HTTP/1.1\r\nhost: x\r\n\r\n`, false],
      [`GET / HTTP/1.1\r\nhost: x\r\n${'x-h: 1\r\n'.repeat(3000)}\r\n`, false],
      ['GET /api/query.do HTTP/1.1\r\nhost: x\r\n', true],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ncontent-length: 50\r\n\r\nuserPhone', true],
      ['POST /api/charge.do HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab', true],
      ['GET /api/query.do HTTP/1.1\r\nhost: x\r\n\r\nGET /nope HTTP/1.1\r\nhost: x\r\n\r\nGARBAGE\r\n\r\n', false],
    ];
    const [template, incomplete] = rng.pick(templates);
    let bytes = Buffer.from(template, 'latin1');
    let mutated = false;
    if (rng.chance(0.4)) {
      bytes = Buffer.from(bytes);
      for (let n = 1 + rng.int(3); n > 0; n -= 1)
        bytes[rng.int(bytes.length)] = rng.pick([0, 10, 13, 32, 58, 0x7f, 0xff, rng.int(256)]);
      mutated = true;
    }
    return {
      index,
      kind: `malformed${mutated ? ' mutated' : ''}`,
      target: rng.chance(0.85) ? 'gateway' : 'order',
      bytes,
      head: false,
      incomplete: incomplete || mutated,
      internal: false,
    };
  };
  const slow = (index: number): FuzzCase => {
    const whole = request(
      'POST',
      '/api/charge.do',
      [['content-type', CONTENT_TYPES[0]!]],
      Buffer.from(`userPhoneNum=${phone()}&prodId=${rng.pick(productIds)}&chargePrice=${value('chargePrice')}`),
      { close: true },
    );
    const count = 3 + rng.int(5);
    const pieces = Array.from({ length: count }, (_, i) =>
      whole.subarray(Math.floor((i * whole.length) / count), Math.floor(((i + 1) * whole.length) / count)),
    );
    const cut = rng.chance(0.4);
    return {
      index,
      kind: cut ? 'slow, cut' : 'slow',
      target: 'gateway',
      bytes: whole,
      head: false,
      incomplete: cut,
      slow: { pieces: cut ? pieces.slice(0, -1) : pieces, pauseMs: 100 + rng.int(200), cut },
      internal: false,
    };
  };

  /** Every 1,250th request is a slow client: a few per run, each bounded to about a second. */
  return (index) => {
    if (index % 1250 === 625) return slow(index);
    const roll = rng.next();
    if (roll < 0.25) return charge(index, 'form');
    if (roll < 0.5) return charge(index, 'json');
    if (roll < 0.55) return size(index);
    if (roll < 0.7) return query(index);
    if (roll < 0.78) return method(index, 'gateway');
    if (roll < 0.86) return method(index, 'order');
    return malformed(index);
  };
}
