/**
 * A valid order that keeps failing, even alone, is dead-lettered AND decided REJECTED (issue 10): its
 * buyer is told so instead of waiting on QUEUED forever, and the gateway gets its unit back through
 * the order feed, so the next buyer is sold the unit instead of being told "sold out".
 * The failure is real: a trigger in the order service's own SQLite file aborts that buyer's SUCCESS
 * insert, on every delivery, until the split path gives up on it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { OrderStatus, ResultCode } from '../../services/protocol/codes.ts';
import { charge, phone, queryOrder, Services, waitFor, type TransportName } from '../support/services.ts';
import { transportsUnderTest } from '../support/transports.ts';

const PRODUCT = { id: 'dl_phone', name: 'Last phone', price: '10.00', stock: 1 };
const DOOMED = phone(1);
const NEXT = phone(2);

for (const transport of await transportsUnderTest()) {
  describe(`a dead-lettered order releases its unit (${transport})`, () => {
    let services: Services;
    before(async () => {
      services = await Services.start({
        transport: transport as TransportName,
        products: [PRODUCT],
        // Split after the first failed delivery, so the test does not wait out five redeliveries.
        env: { MAX_DELIVERY_ATTEMPTS: '1', CONSUMER_LINGER_MS: '0' },
      });
      const db = new Database(services.dbPath);
      db.exec(`CREATE TRIGGER fail_doomed BEFORE INSERT ON orders
                 WHEN NEW.user_phone = '${DOOMED}' AND NEW.status = 'SUCCESS'
                 BEGIN SELECT RAISE(ABORT, 'forced failure for the test'); END`);
      db.close();
    });
    after(async () => services?.stop());

    it('tells the buyer REJECTED and sells the unit to the next buyer', async () => {
      const url = services.gatewayUrl;
      const fields = (userPhoneNum: string) => ({ userPhoneNum, prodId: PRODUCT.id, chargePrice: PRODUCT.price });

      const doomed = await charge(url, fields(DOOMED));
      assert.equal(doomed.code, ResultCode.OK, doomed.msg);
      const early = await charge(url, fields(NEXT));
      assert.equal(early.code, ResultCode.SOLD_OUT, 'the one unit is held for the queued order');

      const rejected = await waitFor(
        'the failing order decided REJECTED',
        async () => {
          const answer = await queryOrder(url, DOOMED, PRODUCT.id);
          return answer.data?.orderStatus === OrderStatus.REJECTED ? answer : undefined;
        },
        60_000,
      );
      assert.equal(rejected.data?.orderId, doomed.data?.orderId);

      const db = services.openOrderDb();
      try {
        const letters = db.prepare('SELECT reason FROM dead_letters WHERE msg_key = ?').all(doomed.data?.orderId) as {
          reason: string;
        }[];
        assert.ok(letters.length >= 1, 'the message is in the dead-letter table');
        assert.match(letters[0]!.reason, /forced failure/);
      } finally {
        db.close();
      }

      // The feed showed the order decided: the unit is admitted again (within a feed interval or two).
      const next = await waitFor(
        'the released unit admitted for the next buyer',
        async () => {
          const answer = await charge(url, fields(NEXT));
          return answer.code === ResultCode.OK ? answer : undefined;
        },
        10_000,
      );
      const sold = await waitFor(
        'the next buyer sold the unit',
        async () => {
          const answer = await queryOrder(url, NEXT, PRODUCT.id);
          return answer.data?.orderStatus === OrderStatus.SUCCESS ? answer : undefined;
        },
        30_000,
      );
      assert.equal(sold.data?.orderId, next.data?.orderId);
      const again = await charge(url, fields(DOOMED));
      assert.equal(again.code, ResultCode.REPEAT_ORDER, 'a rejected buyer is a repeat, as with any final status');
    });
  });
}
