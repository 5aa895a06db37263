/**
 * The charge body's rules as the README states them, form and JSON alike, each with its exact result
 * code and reason: a key given twice, prototype keys, too many fields, and money exact to the cent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBody, type BodyType } from '../../services/gateway/body.ts';
import { ResultCode } from '../../services/protocol/codes.ts';
import { priceCentsOfNumber } from '../../services/protocol/money.ts';
import { checkChargeRequest, MAX_FIELDS } from '../../services/protocol/schemas.ts';

/** What the gateway decides for a body of this type and text: the request, or the code and reason. */
function decide(type: BodyType, text: string) {
  const body = parseBody(type, text);
  if (!body.ok) return { code: body.code, reason: body.reason };
  const checked = checkChargeRequest(body.fields);
  return checked.ok ? { code: ResultCode.OK, request: checked.request } : { code: checked.code, reason: checked.reason };
}

const PHONE = '15007000303';
const form = `userPhoneNum=${PHONE}&prodId=pid_0002&chargePrice=1200.00`;
const json = (price: string) => `{"userPhoneNum":"${PHONE}","prodId":"pid_0002","chargePrice":${price}}`;
const MONEY = 'chargePrice must be a decimal with at most 2 places, e.g. 1200.00';
const refused = (reason: string) => ({ code: ResultCode.INVALID_PARAMS, reason });

describe('a key given twice is refused, form and JSON alike', () => {
  const cases: [string, BodyType, string, string][] = [
    ['form', 'form', `${form}&prodId=pid_0003`, 'field "prodId" given twice'],
    ['form, the second spelled with percent-encoding', 'form', `${form}&%70rodId=pid_0003`, 'field "prodId" given twice'],
    [
      'JSON (the issue: the first phone invalid, the second valid)',
      'json',
      `{"userPhoneNum":"x","userPhoneNum":"${PHONE}","prodId":"pid_0002","chargePrice":"1200.00"}`,
      'field "userPhoneNum" given twice',
    ],
    [
      'JSON, the second spelled with a \\u escape',
      'json',
      `{"prodId":"pid_0002","\\u0070rodId":"pid_0003"}`,
      'field "prodId" given twice',
    ],
    ['JSON, in a nested object', 'json', '{"a":{"b":1,"b":2}}', 'field "b" given twice'],
    ['JSON, a key with an escaped quote', 'json', '{"a\\"b":1,"a\\"b":2}', 'field "a\\"b" given twice'],
  ];
  for (const [name, type, text, reason] of cases) {
    it(name, () => assert.deepEqual(decide(type, text), refused(reason)));
  }

  it('JSON: the same key in sibling objects, or as a string value, is no duplicate', () => {
    const siblings = decide(
      'json',
      `{"x":[{"k":1},{"k":2}],"y":{"k":3},"userPhoneNum":"${PHONE}","prodId":"pid_0002","chargePrice":"1200.00"}`,
    );
    assert.equal(siblings.code, ResultCode.OK);
    const inValues = decide(
      'json',
      `{"userPhoneNum":"${PHONE}","prodId":"pid_0002","chargePrice":"1200.00","note":"\\"prodId\\":1,"}`,
    );
    assert.equal(inValues.code, ResultCode.OK);
  });
});

describe('prototype keys are refused, form and JSON alike', () => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`form: ${key}`, () => assert.deepEqual(decide('form', `${key}=1&${form}`), refused(`field "${key}" is not allowed`)));
    it(`JSON: ${key}`, () =>
      assert.deepEqual(decide('json', `{"${key}":{"admin":true}}`), refused(`field "${key}" is not allowed`)));
    it(`JSON: ${key} in a nested object`, () =>
      assert.deepEqual(decide('json', `{"a":[{"${key}":1}]}`), refused(`field "${key}" is not allowed`)));
  }
  it('form: __proto__ given twice (the issue: it was accepted)', () =>
    assert.deepEqual(decide('form', `__proto__=1&__proto__=2&${form}`), refused('field "__proto__" is not allowed')));
  it('form: __proto__ spelled with percent-encoding', () =>
    assert.deepEqual(decide('form', `%5F%5Fproto%5F%5F=1&${form}`), refused('field "__proto__" is not allowed')));
  it('JSON: __proto__ spelled with a \\u escape', () =>
    assert.deepEqual(decide('json', '{"\\u005f_proto__":{}}'), refused('field "__proto__" is not allowed')));
  it('nothing reaches Object.prototype', () => {
    decide('json', '{"__proto__":{"polluted":true}}');
    decide('form', '__proto__[polluted]=true&constructor[prototype][polluted]=true');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe(`at most ${MAX_FIELDS} fields`, () => {
  const extra = Array.from({ length: MAX_FIELDS - 2 }, (_, i) => `f${i}`);
  it(`form: ${MAX_FIELDS} pass, ${MAX_FIELDS + 1} are refused`, () => {
    const fields = ['userPhoneNum', 'prodId', ...extra.slice(0, MAX_FIELDS - 3)].map((k) => `${k}=1`).join('&');
    assert.equal(parseBody('form', `${fields}&chargePrice=1`).ok, true);
    assert.deepEqual(decide('form', `${fields}&chargePrice=1&one=more`), refused(`more than ${MAX_FIELDS} fields`));
  });
  it(`JSON: ${MAX_FIELDS + 1} top-level fields are refused; a nested object's keys do not count`, () => {
    const many = Object.fromEntries(Array.from({ length: MAX_FIELDS + 1 }, (_, i) => [`f${i}`, i]));
    assert.deepEqual(decide('json', JSON.stringify(many)), refused(`more than ${MAX_FIELDS} fields`));
    assert.equal(parseBody('json', JSON.stringify({ nested: many })).ok, true);
  });
});

describe('money is exact to the cent, as text or as a JSON number', () => {
  const accepted: [string, BodyType, string, number][] = [
    ['text 1200.00', 'json', json('"1200.00"'), 120000],
    ['form 1200.00', 'form', form, 120000],
    ['number 1200', 'json', json('1200'), 120000],
    ['number 1200.0', 'json', json('1200.0'), 120000],
    ['number 1200.00', 'json', json('1200.00'), 120000],
    ['number 1199.99', 'json', json('1199.99'), 119999],
    ['number 0.1', 'json', json('0.1'), 10],
    ['number 1.2e3 (exactly 1200)', 'json', json('1.2e3'), 120000],
  ];
  for (const [name, type, text, cents] of accepted) {
    it(`accepts ${name} as ${cents} cents`, () => {
      const decision = decide(type, text);
      assert.equal(decision.code, ResultCode.OK, JSON.stringify(decision));
      assert.equal(decision.request?.chargePrice, cents);
    });
  }
  const refusedPrices: [string, BodyType, string][] = [
    ['number 1199.999 (was rounded to 1200.00)', 'json', json('1199.999')],
    ['number 1200.004 (was rounded to 1200.00)', 'json', json('1200.004')],
    ['number 1200.001', 'json', json('1200.001')],
    ['number -1200', 'json', json('-1200')],
    ['number 1e21', 'json', json('1e21')],
    ['number 1e-7', 'json', json('1e-7')],
    ['text "1199.999"', 'json', json('"1199.999"')],
    ['text "1200.004"', 'form', `userPhoneNum=${PHONE}&prodId=pid_0002&chargePrice=1200.004`],
    ['text " 1200"', 'json', json('" 1200"')],
    ['text "1.2e3"', 'form', `userPhoneNum=${PHONE}&prodId=pid_0002&chargePrice=1.2e3`],
  ];
  for (const [name, type, text] of refusedPrices) {
    it(`refuses ${name}`, () => assert.deepEqual(decide(type, text), refused(MONEY)));
  }
  it('priceCentsOfNumber never rounds', () => {
    assert.equal(priceCentsOfNumber(1200), 120000);
    assert.equal(priceCentsOfNumber(5999.99), 599999);
    assert.equal(priceCentsOfNumber(1199.999), null);
    assert.equal(priceCentsOfNumber(Number.NaN), null);
    assert.equal(priceCentsOfNumber(Number.POSITIVE_INFINITY), null);
  });
});

describe('what the body reader refuses before the rules', () => {
  it('JSON that is not JSON, or not an object', () => {
    assert.deepEqual(decide('json', '{"a":'), refused('body is not valid JSON'));
    assert.deepEqual(decide('json', '\uFEFF{}'), refused('body is not valid JSON'));
    assert.deepEqual(decide('json', '[1]'), refused('JSON body must be an object'));
    assert.deepEqual(decide('json', '"text"'), refused('JSON body must be an object'));
  });
});
