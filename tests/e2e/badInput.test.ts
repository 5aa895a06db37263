import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../services/common/config.ts';
import { createLogger } from '../../services/common/logger.ts';
import { createTransport } from '../../services/queue/index.ts';
import { MESSAGE_VERSION } from '../../services/protocol/message.ts';
import { waitForTally } from '../support/invariants.ts';
import { charge, phone, Services } from '../support/services.ts';
import { transportsUnderTest } from '../support/transports.ts';

interface Raw {
  status: number;
  body: string;
}

/** A raw HTTP request, so the test controls every byte (headers, chunking, size). */
function raw(url: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const req = http.request(target, { method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };
const good = 'userPhoneNum=13800000001&prodId=pid_0002&chargePrice=1200.00';

/** [name, method, path, headers, body, expected HTTP status, expected envelope code] */
const CASES: [string, string, string, Record<string, string>, string | Buffer | undefined, number, number][] = [
  ['empty form body', 'POST', '/api/charge.do', FORM, '', 400, 40005],
  ['missing phone', 'POST', '/api/charge.do', FORM, 'prodId=pid_0002&chargePrice=1200.00', 400, 40005],
  ['missing product', 'POST', '/api/charge.do', FORM, 'userPhoneNum=13800000001&chargePrice=1200.00', 400, 40005],
  ['missing price', 'POST', '/api/charge.do', FORM, 'userPhoneNum=13800000001&prodId=pid_0002', 400, 40005],
  [
    'phone too long',
    'POST',
    '/api/charge.do',
    FORM,
    `userPhoneNum=${'1'.repeat(300)}&prodId=pid_0002&chargePrice=1200.00`,
    400,
    40005,
  ],
  [
    'phone with letters',
    'POST',
    '/api/charge.do',
    FORM,
    'userPhoneNum=1380000000a&prodId=pid_0002&chargePrice=1200.00',
    400,
    40005,
  ],
  [
    'phone in full-width unicode digits',
    'POST',
    '/api/charge.do',
    FORM,
    `userPhoneNum=${encodeURIComponent('１３８００００００００１')}&prodId=pid_0002&chargePrice=1200.00`,
    400,
    40005,
  ],
  [
    'emoji product',
    'POST',
    '/api/charge.do',
    FORM,
    `userPhoneNum=13800000001&prodId=${encodeURIComponent('📱')}&chargePrice=1200.00`,
    400,
    40005,
  ],
  [
    'SQL in product id',
    'POST',
    '/api/charge.do',
    FORM,
    `userPhoneNum=13800000001&prodId=${encodeURIComponent("pid_0002' OR '1'='1")}&chargePrice=1200.00`,
    400,
    40005,
  ],
  [
    'SQL in phone',
    'POST',
    '/api/charge.do',
    FORM,
    `userPhoneNum=${encodeURIComponent('1; DROP TABLE orders')}&prodId=pid_0002&chargePrice=1200.00`,
    400,
    40005,
  ],
  ['non-numeric price', 'POST', '/api/charge.do', FORM, 'userPhoneNum=13800000001&prodId=pid_0002&chargePrice=abc', 400, 40005],
  ['negative price', 'POST', '/api/charge.do', FORM, 'userPhoneNum=13800000001&prodId=pid_0002&chargePrice=-1200.00', 400, 40005],
  [
    'price with 3 decimals',
    'POST',
    '/api/charge.do',
    FORM,
    'userPhoneNum=13800000001&prodId=pid_0002&chargePrice=1200.001',
    400,
    40005,
  ],
  ['exponent price', 'POST', '/api/charge.do', FORM, 'userPhoneNum=13800000001&prodId=pid_0002&chargePrice=1.2e3', 400, 40005],
  ['wrong price', 'POST', '/api/charge.do', FORM, 'userPhoneNum=13800000001&prodId=pid_0002&chargePrice=1.00', 400, 40005],
  ['field given twice', 'POST', '/api/charge.do', FORM, `${good}&prodId=pid_0003`, 400, 40005],
  [
    'too many fields',
    'POST',
    '/api/charge.do',
    FORM,
    `${good}&${Array.from({ length: 20 }, (_, i) => `f${i}=1`).join('&')}`,
    400,
    40005,
  ],
  ['unknown product', 'POST', '/api/charge.do', FORM, 'userPhoneNum=13800000001&prodId=pid_9999&chargePrice=1200.00', 404, 40007],
  ['text/plain body', 'POST', '/api/charge.do', { 'content-type': 'text/plain' }, good, 415, 40015],
  ['no content type', 'POST', '/api/charge.do', {}, good, 415, 40015],
  ['multipart body', 'POST', '/api/charge.do', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--', 415, 40015],
  ['huge body (1 MiB, declared)', 'POST', '/api/charge.do', FORM, Buffer.alloc(1024 * 1024, 'a'), 413, 40013],
  [
    'huge body (chunked, undeclared)',
    'POST',
    '/api/charge.do',
    { ...FORM, 'transfer-encoding': 'chunked' },
    Buffer.alloc(64 * 1024, 'a'),
    413,
    40013,
  ],
  ['invalid JSON', 'POST', '/api/charge.do', JSON_TYPE, '{"userPhoneNum": ', 400, 40005],
  ['JSON array', 'POST', '/api/charge.do', JSON_TYPE, '[1,2,3]', 400, 40005],
  ['JSON null', 'POST', '/api/charge.do', JSON_TYPE, 'null', 400, 40005],
  [
    'JSON with object fields',
    'POST',
    '/api/charge.do',
    JSON_TYPE,
    '{"userPhoneNum":{"$gt":""},"prodId":"pid_0002","chargePrice":"1200.00"}',
    400,
    40005,
  ],
  [
    'JSON price as boolean',
    'POST',
    '/api/charge.do',
    JSON_TYPE,
    '{"userPhoneNum":"13800000001","prodId":"pid_0002","chargePrice":true}',
    400,
    40005,
  ],
  [
    'JSON __proto__ pollution',
    'POST',
    '/api/charge.do',
    JSON_TYPE,
    '{"__proto__":{"admin":true},"userPhoneNum":"1"}',
    400,
    40005,
  ],
  ['query without parameters', 'GET', '/api/query.do', {}, undefined, 400, 40005],
  ['query with a bad phone', 'GET', '/api/query.do?userPhoneNum=abc&prodId=pid_0002', {}, undefined, 400, 40005],
  ['query with broken percent-encoding', 'GET', '/api/query.do?userPhoneNum=%E0%A4%A&prodId=pid_0002', {}, undefined, 400, 40005],
  [
    'query of an order that does not exist',
    'GET',
    '/api/query.do?userPhoneNum=13800000077&prodId=pid_0002',
    {},
    undefined,
    404,
    41004,
  ],
  ['unknown endpoint', 'GET', '/api/nope', {}, undefined, 404, 42004],
];

for (const transport of await transportsUnderTest()) {
  describe(`bad input gets a clear 4xx and the services keep serving (${transport})`, () => {
    let services: Services;
    before(async () => {
      services = await Services.start({ transport });
    });
    after(async () => services?.stop());

    it(`answers ${CASES.length} malformed requests with the right status, code and a reason`, async () => {
      assert.ok(CASES.length >= 25);
      for (const [name, method, path, headers, body, status, code] of CASES) {
        const answer = await raw(services.gatewayUrl, method, path, headers, body);
        assert.equal(answer.status, status, `${name}: HTTP ${answer.status} ${answer.body}`);
        const envelope = JSON.parse(answer.body) as { code: number; msg: string };
        assert.equal(envelope.code, code, `${name}: code`);
        assert.ok(envelope.msg.length > 3, `${name}: a reason`);
      }
    });

    it('still serves a valid order afterwards, and nothing bad reached the database', async () => {
      const ok = await charge(services.gatewayUrl, { userPhoneNum: phone(1), prodId: 'pid_0002', chargePrice: '1200.00' });
      assert.equal(ok.status, 202);
      const db = services.openOrderDb();
      try {
        const tally = await waitForTally(db, 'the order', (t) => t.orders.size === 1, 30_000);
        assert.equal(tally.products.size, 3, 'the SQL-looking input dropped nothing');
        assert.equal(tally.products.get('pid_0002')?.stock, 299);
      } finally {
        db.close();
      }
    });

    it('sends a poison message to the dead-letter table without blocking the consumer', async () => {
      // Produce straight onto the queue, as a broken or malicious producer would.
      const producer = await (
        await createTransport(loadConfig(services.env), createLogger('test'), services.env)
      ).createProducer();
      try {
        await producer.send('poison-1', 'this is not JSON');
        await producer.send(
          'poison-2',
          JSON.stringify({
            header: { version: MESSAGE_VERSION, topicName: 't', enqueuedAt: Date.now() },
            body: { orderId: 'x' },
          }),
        );
      } finally {
        await producer.close();
      }
      const after = await charge(services.gatewayUrl, { userPhoneNum: phone(2), prodId: 'pid_0002', chargePrice: '1200.00' });
      assert.equal(after.status, 202);
      const db = services.openOrderDb();
      try {
        const tally = await waitForTally(
          db,
          'the dead letters and the next order',
          (t) => t.deadLetters.length === 2 && t.orders.has(String(after.data?.orderId)),
          30_000,
        );
        assert.deepEqual(tally.deadLetters.map((d) => d.reason).sort(), [
          'invalid order message: body.orderId: Invalid string: must match pattern /^[A-Za-z0-9_-]{8,64}$/',
          'payload is not JSON',
        ]);
        assert.equal(tally.orders.get(String(after.data?.orderId))?.status, 'SUCCESS');
      } finally {
        db.close();
      }
    });
  });
}
