/**
 * Target profiles: the shipped ones validate; ours (seckill-bench) says exactly what
 * services/protocol/codes.ts says (so codes.ts stays the one home of the codes); the one reader of
 * answers reads each profile's shapes, and tells 10000 from "10000".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { OrderStatus, ResultCode } from '../../services/protocol/codes.ts';
import { AnswerReader, Outcome, UNKNOWN_STATUS_PREFIX } from '../../loadtest/driver/answers.ts';
import { parseArgs } from '../../loadtest/options.ts';
import { loadProfile, shippedProfiles } from '../../loadtest/profiles/profile.ts';

test('seckill-bench lists every code and status of the protocol, each once, with its meaning', () => {
  assert.deepEqual(shippedProfiles(), ['seckill-bench', 'seckill-rocketmq']);
  const ours = loadProfile('seckill-bench');
  const { accepted, soldOut, repeat, rejected } = ours.charge;
  assert.deepEqual(accepted, [ResultCode.OK]);
  assert.deepEqual(soldOut, [ResultCode.SOLD_OUT]);
  assert.deepEqual(repeat, [ResultCode.REPEAT_ORDER]);
  const listed = [...accepted, ...soldOut, ...repeat, ...rejected];
  assert.deepEqual([...listed].sort(), [...Object.values(ResultCode)].sort(), 'every ResultCode, once');
  assert.deepEqual(ours.query.noSuchOrder, [ResultCode.NO_SUCH_ORDER]);
  for (const status of Object.values(OrderStatus)) assert.deepEqual(ours.query.statuses[status], [status]);
});

test("the demo's answers read through seckill-rocketmq; the same answers through ours are unclassified", () => {
  const demo = new AnswerReader(loadProfile('seckill-rocketmq'));
  const ours = new AnswerReader(loadProfile('seckill-bench'));
  const queued = JSON.stringify({ code: '10000', msg: '秒杀订单排队中', data: { orderId: 'u-1', prodId: 'pid_0001' } });
  assert.deepEqual(demo.read(queued), { code: 10000, orderId: 'u-1', outcome: Outcome.ACCEPTED, failure: null, rawCode: null });
  assert.equal(ours.read(queued).outcome, Outcome.UNCLASSIFIED);
  assert.equal(ours.read(queued).rawCode, '"10000"');
  assert.equal(
    demo.read(JSON.stringify({ code: 40006, msg: 'x', data: null })).outcome,
    Outcome.UNCLASSIFIED,
    'a number is not the string',
  );
  assert.equal(demo.read(JSON.stringify({ code: '40006', msg: '秒杀商品库存不足', data: null })).outcome, Outcome.SOLD_OUT);
  assert.equal(demo.read(JSON.stringify({ code: '40005', msg: '入参校验失败', data: null })).outcome, Outcome.REJECTED);
  assert.equal(demo.read('<html>Whitelabel Error Page</html>').outcome, Outcome.ERROR);
  // Page views and order queries only need an envelope.
  assert.equal(demo.read(JSON.stringify({ code: '41004', msg: '秒杀订单不存在' }), 'query').outcome, Outcome.ORDER_QUERY);
  const buyer = { phone: '13000000001', prodId: 'pid_0001' };
  // query.do: "41004" without data is no order; a row's numeric status is mapped to ours.
  assert.equal(demo.readOrder(JSON.stringify({ code: '41004', msg: '秒杀订单不存在' }), buyer), null);
  const row = (orderStatus: unknown) => JSON.stringify({ code: '10000', msg: 'SUCCESS', data: { orderId: 'u-1', orderStatus } });
  assert.deepEqual(demo.readOrder(row(2), buyer), { orderId: 'u-1', orderStatus: OrderStatus.SUCCESS });
  assert.deepEqual(demo.readOrder(row(1), buyer), { orderId: 'u-1', orderStatus: OrderStatus.SUCCESS });
  assert.equal(demo.readOrder(row('2'), buyer)?.orderStatus, `${UNKNOWN_STATUS_PREFIX}"2"`, 'a status the profile does not list');
  assert.throws(() => demo.readOrder('not json', buyer), /query answer is no envelope/);
});

test('a profile without order ids keys a queued order by buyer and product, on both sides', () => {
  const profile = loadProfile('seckill-rocketmq');
  const noIds = new AnswerReader({
    ...profile,
    charge: { ...profile.charge, orderId: undefined },
    query: { ...profile.query, orderId: undefined },
  });
  const buyer = { phone: '13000000001', prodId: 'pid_0001' };
  const charged = noIds.read(JSON.stringify({ code: '10000', msg: 'queued', data: null }), 'charge', buyer);
  const found = noIds.readOrder(JSON.stringify({ code: '10000', msg: 'SUCCESS', data: { orderStatus: 2 } }), buyer);
  assert.equal(charged.orderId, 'pid_0001|13000000001');
  assert.equal(found?.orderId, charged.orderId);
});

test('a bad profile file: a usage error naming each bad field; --profile goes with --target only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-'));
  const file = path.join(dir, 'p.yaml');
  fs.writeFileSync(
    file,
    `name: bad
endpoints:
  charge: { method: PUT, path: /api/charge.do }
  query: { method: POST, path: api/query.do }
fields: { phone: userPhoneNum, product: prodId }
code: data..code
charge: { accepted: [], soldOut: [], repeat: [], rejected: [] }
query: { noSuchOrder: [], status: data.orderStatus, statuses: { SUCCESS: [true] } }
`,
  );
  try {
    assert.throws(() => parseArgs(['--target', 'http://127.0.0.1:1', '--profile', file]), {
      message: [
        `--profile ${file} is invalid:`,
        '  endpoints.charge.method: Invalid option: expected one of "GET"|"POST"',
        '  endpoints.query.method: Invalid input: expected "GET"',
        '  endpoints.query.path: a path starting with /',
        '  fields.price: Invalid input: expected string, received undefined',
        '  code: a dotted field path such as data.orderId',
        '  charge.accepted: Too small: expected array to have >=1 items',
        '  query.statuses.SUCCESS.0: expected a string or a number, exactly as the JSON carries it',
      ].join('\n'),
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => parseArgs(['--profile', 'seckill-rocketmq']), /--profile says how a --target's API is spoken/);
  assert.equal(
    parseArgs(['--target', 'http://127.0.0.1:1', '--profile', 'seckill-rocketmq']).options.profile,
    'seckill-rocketmq',
  );
});
