import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderBook } from '../../services/gateway/orderBook.ts';
import { StockCache } from '../../services/gateway/stockCache.ts';
import type { FeedOrder, Product } from '../../services/protocol/api.ts';
import { OrderStatus } from '../../services/protocol/codes.ts';

const product = (stock: number): Product => ({
  id: 'p',
  priceCents: 100,
  stock,
  saleStartsAt: null,
  saleEndsAt: null,
});
const queued = (i: number) => ({ prodId: 'p', phone: `1390000000${i}`, orderId: `order-${i}`, chargeCents: 100, enqueuedAt: i });
let seq = 0;
const decided = (i: number, status: FeedOrder['status'], orderId = `order-${i}`): FeedOrder => ({
  seq: ++seq,
  orderId,
  phone: `1390000000${i}`,
  prodId: 'p',
  chargeCents: 100,
  status,
  enqueuedAt: i,
  consumedAt: 1000 + i,
});

function shop(stock: number) {
  const cache = new StockCache();
  cache.load([product(stock)]);
  return { cache, book: new OrderBook(cache), remaining: () => cache.get('p')?.remaining };
}

describe('order book: admission converges to "store stock minus our undecided orders"', () => {
  it('holds a unit per undecided order; SUCCESS leaves with the store stock, any other outcome comes back', () => {
    const { cache, book, remaining } = shop(3);
    for (const i of [1, 2, 3]) assert.equal(book.admit(queued(i)), true);
    assert.equal(book.admit(queued(4)), false, 'three units, three orders');
    assert.equal(remaining(), 0);
    // The feed: 1 SUCCESS, 2 DUPLICATE, 3 SOLD_OUT (decided elsewhere), and the store's stock of that read.
    book.decided([decided(1, OrderStatus.SUCCESS), decided(2, OrderStatus.DUPLICATE), decided(3, OrderStatus.SOLD_OUT)]);
    cache.load([product(2)]);
    assert.equal(remaining(), 2, 'the units taken for DUPLICATE and SOLD_OUT are admitted again');
    assert.equal(book.pendingCount, 0);
  });

  it('a feed read between admission and decision never lets more through than the store holds', () => {
    const { cache, book, remaining } = shop(2);
    book.admit(queued(1));
    cache.load([product(2)]); // read before order 1 was decided: its unit stays held
    assert.equal(remaining(), 1);
    book.decided([decided(1, OrderStatus.SUCCESS)]);
    cache.load([product(1)]);
    assert.equal(remaining(), 1);
  });

  it('a buyer with an order in any state is a repeat, also one it only learned from the feed', () => {
    const { book } = shop(3);
    book.decided([decided(5, OrderStatus.SOLD_OUT)]);
    assert.equal(book.hasOrder('p', '13900000005'), true);
    assert.equal(book.hasOrder('p', '13900000006'), false);
    assert.equal(book.hasOrder('other', '13900000005'), false);
  });

  it('a final status is never replaced by QUEUED, and SUCCESS stands over a later DUPLICATE', () => {
    const { book } = shop(3);
    book.restore(queued(1));
    assert.equal(book.view('p', '13900000001')?.orderStatus, OrderStatus.QUEUED);
    book.decided([decided(1, OrderStatus.SUCCESS)]);
    book.restore({ ...queued(1), orderId: 'order-1-again' }); // a repeat queued elsewhere, restored here
    assert.equal(book.view('p', '13900000001')?.orderStatus, OrderStatus.SUCCESS);
    book.decided([decided(1, OrderStatus.DUPLICATE, 'order-1-again')]);
    const view = book.view('p', '13900000001');
    assert.deepEqual([view?.orderStatus, view?.orderId], [OrderStatus.SUCCESS, 'order-1']);
  });

  it('a failed enqueue gives the unit and the slot back once, even if the feed saw the order first', () => {
    const { cache, book, remaining } = shop(1);
    book.admit(queued(1));
    book.cancel(queued(1));
    assert.deepEqual([remaining(), book.hasOrder('p', '13900000001')], [1, false]);
    // A send that timed out but was stored: decided (and released) before its failure is handled.
    book.admit(queued(2));
    book.decided([decided(2, OrderStatus.SUCCESS)]);
    cache.load([product(0)]);
    book.cancel(queued(2));
    assert.deepEqual([remaining(), book.view('p', '13900000002')?.orderStatus], [0, OrderStatus.SUCCESS]);
  });

  it('forgets a product whose sale ended, and learns nothing more of it', () => {
    const { book } = shop(3);
    book.decided([decided(1, OrderStatus.SUCCESS)]);
    book.forgetProduct('p');
    book.decided([decided(2, OrderStatus.SUCCESS)]);
    assert.equal(book.buyerCount, 0);
  });
});
