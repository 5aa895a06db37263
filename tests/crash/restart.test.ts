import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readTally } from '../support/invariants.ts';
import { charge, phone, queryOrder, Services, waitFor } from '../support/services.ts';
import { transportsUnderTest } from '../support/transports.ts';

/**
 * The two minimal cases of issue 10: a gateway restart must not forget who already bought (nor
 * strand the unit a forgotten repeat would take), and a buyer shown a final status is never shown
 * QUEUED again, also while the order service is stopped.
 */
const PRODUCT = { id: 'three_1', name: 'Three units', price: '10.00', stock: 3 };
const FINAL_TIMEOUT_MS = 30_000;

const buy = (url: string, i: number) => charge(url, { userPhoneNum: phone(i), prodId: PRODUCT.id, chargePrice: PRODUCT.price });

async function waitStatus(url: string, i: number, status: string): Promise<void> {
  await waitFor(
    `buyer ${i} ${status}`,
    async () => (await queryOrder(url, phone(i), PRODUCT.id)).data?.orderStatus === status,
    FINAL_TIMEOUT_MS,
    100,
  );
}

/** Sends SIGSTOP or SIGCONT to a running service, by its PID. */
function signal(pid: number | undefined, name: 'SIGSTOP' | 'SIGCONT'): void {
  assert.ok(pid, 'the service is running');
  process.kill(pid, name);
}

for (const transport of await transportsUnderTest()) {
  describe(`gateway restart: nothing stranded (${transport})`, () => {
    let services: Services;
    before(async () => {
      services = await Services.start({ transport, products: [PRODUCT] });
    });
    after(async () => services?.stop());

    it('stock 3: A buys; SIGKILL + restart of the gateway; A is a repeat, B and C are queued; 3 sold', async () => {
      const url = services.gatewayUrl;
      assert.equal((await buy(url, 1)).status, 202);
      await waitStatus(url, 1, 'SUCCESS');

      await services.gateway.stop('SIGKILL');
      await services.gateway.start();

      const again = await buy(url, 1);
      assert.deepEqual([again.status, again.code], [409, 40008], `A again after the restart: ${again.msg}`);
      const b = await buy(url, 2);
      assert.deepEqual([b.status, b.code], [202, 10000], `B: ${b.msg}`);
      const c = await buy(url, 3);
      assert.deepEqual([c.status, c.code], [202, 10000], `C, while a unit remains: ${c.msg}`);
      await waitStatus(url, 2, 'SUCCESS');
      await waitStatus(url, 3, 'SUCCESS');

      const d = await buy(url, 4);
      assert.deepEqual([d.status, d.code], [409, 40006], `D, after the last unit: ${d.msg}`);
      const db = services.openOrderDb();
      try {
        const tally = readTally(db);
        assert.deepEqual(
          { sold: tally.products.get(PRODUCT.id)?.sold, stock: tally.products.get(PRODUCT.id)?.stock },
          { sold: 3, stock: 0 },
        );
        assert.equal(tally.orders.size, 3, 'no DUPLICATE order was written for A');
      } finally {
        db.close();
      }
    });
  });

  describe(`status never goes backwards (${transport})`, () => {
    let services: Services;
    before(async () => {
      services = await Services.start({ transport, products: [{ ...PRODUCT, id: 'mono_1', stock: 10 }] });
    });
    after(async () => {
      const pid = services?.order.pid;
      if (pid) process.kill(pid, 'SIGCONT');
      await services?.stop();
    });

    it('a buyer shown SUCCESS is never shown QUEUED while the order service is stopped (SIGSTOP) or down (SIGKILL)', async () => {
      const url = services.gatewayUrl;
      const prodId = 'mono_1';
      const buyMono = (i: number) => charge(url, { userPhoneNum: phone(i), prodId, chargePrice: PRODUCT.price });
      assert.equal((await buyMono(11)).status, 202);
      await waitFor(
        'A SUCCESS',
        async () => (await queryOrder(url, phone(11), prodId)).data?.orderStatus === 'SUCCESS',
        FINAL_TIMEOUT_MS,
      );

      signal(services.order.pid, 'SIGSTOP');
      try {
        const seen = await queryOrder(url, phone(11), prodId);
        assert.ok(
          (seen.status === 200 && seen.data?.orderStatus === 'SUCCESS') || (seen.status === 503 && seen.code === 50003),
          `A while the order service is stopped: ${seen.status} ${String(seen.data?.orderStatus)} ${seen.msg}`,
        );
        // Queued while it is stopped: QUEUED is the truth, and it is no step back.
        const b = await buyMono(12);
        assert.equal(b.status, 202, b.msg);
        const queued = await queryOrder(url, phone(12), prodId);
        assert.equal(queued.data?.orderStatus, 'QUEUED', queued.msg);
        // Nobody the gateway knows nothing about is told "no such order" when it cannot ask.
        const unknown = await queryOrder(url, phone(13), prodId);
        assert.deepEqual([unknown.status, unknown.code], [503, 50003], unknown.msg);
      } finally {
        signal(services.order.pid, 'SIGCONT');
      }
      await waitFor(
        'B SUCCESS',
        async () => (await queryOrder(url, phone(12), prodId)).data?.orderStatus === 'SUCCESS',
        FINAL_TIMEOUT_MS,
      );

      await services.order.stop('SIGKILL');
      for (const i of [11, 12]) {
        const seen = await queryOrder(url, phone(i), prodId);
        assert.ok(
          (seen.status === 200 && seen.data?.orderStatus === 'SUCCESS') || (seen.status === 503 && seen.code === 50003),
          `buyer ${i} while the order service is down: ${seen.status} ${String(seen.data?.orderStatus)} ${seen.msg}`,
        );
      }
      await services.order.start();
    });
  });
}
