import type { Logger } from '../../common/logger.ts';
import type { FeedOrder, OrderView } from '../../protocol/api.ts';
import { OrderStatus } from '../../protocol/codes.ts';
import { AdmissionScript } from '../../protocol/metricNames.ts';
import { formatCents } from '../../protocol/money.ts';
import { AdmissionUnavailable, type AdmissionStore, type TakeOutcome } from '../admissionStore.ts';
import { OrderBook } from '../orderBook.ts';
import { FEED_INTERVAL_MS } from '../orderFeed.ts';
import type { QueuedEntry } from '../queuedJournal.ts';
import type { CachedProduct, StockCache } from '../stockCache.ts';
import type { AdmissionRedis } from './client.ts';
import { decodeRecord, encodeRecord, productKeys, TakeReply, type ProductKeys } from './scripts.ts';

/**
 * How long a product Redis answered sold out is answered sold out here with no round trip (a TTL,
 * not pub/sub). A unit comes back to Redis only when an order is decided other than SUCCESS (read
 * from the order feed every FEED_INTERVAL_MS) or an enqueue fails: a TTL of the feed's period delays
 * such a unit no more than the feed already does in memory mode, costs one TAKE per product per
 * period on the sold-out path, and needs no subscriber connection nor a way to recover a lost
 * pub/sub message. A give-back this gateway makes clears its own flag at once.
 */
export const SOLD_OUT_RECHECK_MS = FEED_INTERVAL_MS;
/** A product's keys outlive the end of its sale by this, then Redis drops them. */
const KEEP_AFTER_SALE_MS = 3_600_000;
/** A sale with no end keeps its keys this long from their load (a reload from the store follows). */
const KEEP_OPEN_SALE_MS = 7 * 24 * 3_600_000;

/** The scripts' round trip, timed per script (GatewayMetric.ADMISSION_SCRIPT_DURATION). */
export type ScriptTimer = (script: AdmissionScript, seconds: number) => void;

/**
 * The OrderBook the order feed writes to in redis mode: the same book (decided buyers and their final
 * statuses, served with no round trip), which also hands each page of decided orders to
 * RedisAdmission so that their units are released in Redis. No unit is held in it: the StockCache
 * beside it keeps the order store's stock as of the feed, which is what LOAD reads.
 */
export class ReleasingOrderBook extends OrderBook {
  onDecided: (orders: readonly FeedOrder[]) => void = () => {};

  override decided(orders: readonly FeedOrder[]): void {
    super.decided(orders);
    this.onDecided(orders);
  }
}

/**
 * Admission shared by every gateway on one Redis (or Redis Cluster): the scripts of scripts.ts, one
 * round trip per accepted charge. What this process answers alone, with no round trip: a buyer the
 * order feed showed with an order (repeat), a product Redis called sold out less than
 * SOLD_OUT_RECHECK_MS ago.
 */
export class RedisAdmission implements AdmissionStore {
  readonly name = 'redis';
  private readonly keys = new Map<string, ProductKeys>();
  /** Units left per product, as the latest script told. */
  private readonly units = new Map<string, number>();
  /**
   * Products known sold out, until when, with every buyer admitted for them (copied from Redis when
   * the flag is set: no buyer can be added while the stock is 0), so that a buyer admitted on another
   * gateway is still answered a repeat, not sold out, with no round trip.
   */
  private readonly soldOut = new Map<string, { until: number; buyers: Set<string> }>();
  private readonly flagging = new Set<string>();
  /** Orders this gateway admitted and has not seen decided: held again if Redis loses its data. */
  private readonly mine = new Map<string, QueuedEntry>();
  /** Decided orders whose release has not reached Redis yet, per product: (orderId, "1" give back | "0"). */
  private readonly releases = new Map<string, string[]>();
  /** Failed enqueues (or takes whose answer was lost) whose give-back has not reached Redis yet. */
  private readonly giveBacks = new Map<string, QueuedEntry>();
  private readonly loads = new Map<string, Promise<void>>();
  private flushing = false;
  private releaseFailing = false;

  constructor(
    private readonly redis: AdmissionRedis,
    private readonly prefix: string,
    private readonly stock: StockCache,
    private readonly book: ReleasingOrderBook,
    private readonly timeScript: ScriptTimer,
    private readonly log: Logger,
  ) {
    book.onDecided = (orders) => this.decided(orders);
  }

  product(prodId: string, now: number): CachedProduct | undefined {
    const product = this.stock.get(prodId);
    if (!product) return undefined;
    const flagged = this.flagged(prodId, now);
    return {
      id: product.id,
      priceCents: product.priceCents,
      saleStartsAt: product.saleStartsAt,
      saleEndsAt: product.saleEndsAt,
      // Past the flag only Redis can say it is still 0: at least 1 sends the charge to TAKE.
      remaining: flagged ? 0 : Math.max(1, this.units.get(prodId) ?? 1),
    };
  }

  *products(): Iterable<CachedProduct> {
    const now = Date.now();
    for (const product of this.stock.all()) {
      const flagged = this.flagged(product.id, now);
      yield { ...product, remaining: flagged ? 0 : (this.units.get(product.id) ?? product.remaining) };
    }
  }

  hasOrder(prodId: string, phone: string): boolean {
    if (this.book.hasOrder(prodId, phone)) return true;
    const soldOut = this.soldOut.get(prodId);
    return soldOut !== undefined && soldOut.until > Date.now() && soldOut.buyers.has(phone);
  }

  async take(order: QueuedEntry): Promise<TakeOutcome> {
    const keys = this.keysOf(order.prodId);
    const record = encodeRecord(order);
    const attempt = () =>
      this.timed(AdmissionScript.TAKE, () =>
        this.redis.admissionTake(keys.stock, keys.buyers, keys.pending, order.phone, order.orderId, record),
      );
    let reply: [number, number, number];
    try {
      reply = await attempt();
      // Not loaded yet, or Redis lost its data: load it from the order store's stock, once.
      if (reply[0] === TakeReply.NOT_LOADED) {
        await this.load(order.prodId);
        reply = await attempt();
      }
    } catch (error) {
      // The take may have run with its answer lost: give back whatever it took (idempotent by order id).
      this.giveBacks.set(order.orderId, order);
      throw new AdmissionUnavailable('the admission store did not answer', { cause: error });
    }
    const [outcome, left, buyers] = reply;
    this.units.set(order.prodId, left);
    if (left <= 0) this.flagSoldOut(order.prodId, buyers);
    if (outcome === TakeReply.TAKEN) {
      this.mine.set(order.orderId, order);
      return 'queued';
    }
    if (outcome === TakeReply.REPEAT) return 'repeat';
    if (outcome === TakeReply.SOLD_OUT) return 'sold_out';
    throw new AdmissionUnavailable(`the admission stock of ${order.prodId} is not loaded`);
  }

  cancel(order: QueuedEntry): void {
    this.mine.delete(order.orderId);
    this.giveBacks.set(order.orderId, order);
    this.flush();
  }

  view(prodId: string, phone: string): OrderView | undefined {
    return this.book.view(prodId, phone);
  }

  async queued(prodId: string, phone: string): Promise<OrderView | undefined> {
    let text: string | null;
    try {
      text = await this.timed(AdmissionScript.LOOKUP, () => this.redis.hget(this.keysOf(prodId).buyers, phone));
    } catch (error) {
      throw new AdmissionUnavailable('the admission store did not answer', { cause: error });
    }
    const record = text === null ? undefined : decodeRecord(text);
    if (!record) return undefined;
    return {
      orderId: record.orderId,
      userPhoneNum: phone,
      prodId,
      chargePrice: formatCents(record.chargeCents),
      orderStatus: OrderStatus.QUEUED,
      enqueuedAt: record.enqueuedAt,
      consumedAt: null,
    };
  }

  seen(view: OrderView): void {
    this.book.seen(view);
  }

  get pendingCount(): number {
    return this.mine.size;
  }

  get buyerCount(): number {
    return this.book.buyerCount;
  }

  /**
   * Every product whose sale has not ended gets its admission stock in Redis, unless a gateway loaded
   * it already (call after the first order feed read: the store's stock comes with it).
   */
  async loadAll(now = Date.now()): Promise<void> {
    const products = [...this.stock.all()].filter((p) => p.saleEndsAt === null || now < p.saleEndsAt);
    await Promise.all(products.map((p) => this.load(p.id)));
  }

  /** One LOAD per product at a time (concurrent charges that found no stock key share it). */
  private load(prodId: string): Promise<void> {
    let loading = this.loads.get(prodId);
    if (!loading) {
      loading = this.loadNow(prodId).finally(() => this.loads.delete(prodId));
      this.loads.set(prodId, loading);
    }
    return loading;
  }

  private async loadNow(prodId: string): Promise<void> {
    const product = this.stock.get(prodId);
    if (!product) return;
    const now = Date.now();
    const ttlMs = product.saleEndsAt === null ? KEEP_OPEN_SALE_MS : Math.max(0, product.saleEndsAt - now) + KEEP_AFTER_SALE_MS;
    const held: string[] = [];
    for (const order of this.mine.values()) {
      if (order.prodId === prodId) held.push(order.orderId, order.phone, encodeRecord(order));
    }
    const keys = this.keysOf(prodId);
    // `remaining` of the stock cache is the store's stock as of the feed: no unit is held in it in redis mode.
    const [loadedHere, units] = await this.timed(AdmissionScript.LOAD, () =>
      this.redis.admissionLoad(keys.stock, keys.buyers, keys.pending, String(product.remaining), String(ttlMs), ...held),
    );
    this.units.set(prodId, units);
    if (loadedHere === 1) {
      this.soldOut.delete(prodId);
      this.log.info({ prodId, units, heldAgain: held.length / 3 }, 'admission stock loaded into redis from the order store');
    }
  }

  /** A page of the order feed: each order's unit is released in Redis (once across all gateways). */
  private decided(orders: readonly FeedOrder[]): void {
    for (const order of orders) {
      this.mine.delete(order.orderId);
      let pairs = this.releases.get(order.prodId);
      if (!pairs) {
        pairs = [];
        this.releases.set(order.prodId, pairs);
      }
      pairs.push(order.orderId, order.status === OrderStatus.SUCCESS ? '0' : '1');
    }
    this.flush();
  }

  /**
   * Sends the releases and give-backs not yet in Redis, one flush at a time; what fails stays for the
   * next one (every order feed page, FEED_INTERVAL_MS): both scripts are idempotent by order id.
   */
  private flush(): void {
    if (this.flushing || (this.releases.size === 0 && this.giveBacks.size === 0)) return;
    this.flushing = true;
    void this.flushNow().finally(() => {
      this.flushing = false;
    });
  }

  private async flushNow(): Promise<void> {
    try {
      for (const [prodId, pairs] of [...this.releases]) {
        const keys = this.keysOf(prodId);
        const sent = pairs.length;
        const given = await this.timed(AdmissionScript.RELEASE, () =>
          this.redis.admissionRelease(keys.stock, keys.pending, ...pairs.slice(0, sent)),
        );
        this.removeSent(prodId, sent);
        if (given > 0) this.refilled(prodId);
      }
      for (const order of [...this.giveBacks.values()]) {
        const keys = this.keysOf(order.prodId);
        const given = await this.timed(AdmissionScript.GIVE_BACK, () =>
          this.redis.admissionGiveBack(keys.stock, keys.buyers, keys.pending, order.phone, order.orderId),
        );
        this.giveBacks.delete(order.orderId);
        if (given > 0) this.refilled(order.prodId);
      }
      if (this.releaseFailing) this.log.info('units released in redis again');
      this.releaseFailing = false;
    } catch (error) {
      if (!this.releaseFailing)
        this.log.warn({ err: error }, 'redis: releasing units failed, retrying with every order feed page');
      this.releaseFailing = true;
    }
  }

  /** Drops the pairs a RELEASE sent (more may have been appended meanwhile). */
  private removeSent(prodId: string, count: number): void {
    const pairs = this.releases.get(prodId);
    if (!pairs) return;
    pairs.splice(0, count);
    if (pairs.length === 0) this.releases.delete(prodId);
  }

  /** Units came back: charges go to Redis again at once. */
  private refilled(prodId: string): void {
    this.soldOut.delete(prodId);
    this.units.delete(prodId);
  }

  private flagged(prodId: string, now: number): boolean {
    return (this.soldOut.get(prodId)?.until ?? 0) > now;
  }

  /**
   * Flags the product sold out once this gateway holds its whole list of admitted buyers: kept when
   * its size is Redis's (`buyers`, from the same TAKE), else read again (HKEYS, one round trip per
   * product, not per charge). Until then charges still go to TAKE, which answers them exactly. Known
   * gap: a give-back and a new take between two reads keep the size: the copy is then one buyer off
   * for a flag's life (that buyer answered 40006 instead of 40008, or the given-back one 40008).
   */
  private flagSoldOut(prodId: string, buyers: number): void {
    const known = this.soldOut.get(prodId);
    if (known && known.buyers.size === buyers) {
      known.until = Date.now() + SOLD_OUT_RECHECK_MS;
      return;
    }
    if (this.flagging.has(prodId)) return;
    this.flagging.add(prodId);
    this.timed(AdmissionScript.LOOKUP, () => this.redis.hkeys(this.keysOf(prodId).buyers))
      .then(
        (phones) => this.soldOut.set(prodId, { until: Date.now() + SOLD_OUT_RECHECK_MS, buyers: new Set(phones) }),
        () => {}, // not flagged: charges keep going to TAKE, which says whether Redis is back
      )
      .finally(() => this.flagging.delete(prodId));
  }

  private keysOf(prodId: string): ProductKeys {
    let keys = this.keys.get(prodId);
    if (!keys) {
      keys = productKeys(this.prefix, prodId);
      this.keys.set(prodId, keys);
    }
    return keys;
  }

  private async timed<T>(script: AdmissionScript, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await call();
    } finally {
      this.timeScript(script, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
