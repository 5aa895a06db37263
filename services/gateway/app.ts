import express, { type Express, type Response } from 'express';
import type { Counter, Registry } from 'prom-client';
import { v7 as timeOrderedUuid } from 'uuid';
import { addFallbackRoutes, addOpsRoutes, asyncRoute, refuseOtherMethods, sendJson } from '../common/http.ts';
import type { Logger } from '../common/logger.ts';
import { OrderStatus, ResultCode, httpStatusOf, type Envelope } from '../protocol/codes.ts';
import { encodeOrderMessage, MESSAGE_VERSION } from '../protocol/message.ts';
import { checkChargeRequest, firstIssue, productRequestSchema, queryRequestSchema } from '../protocol/schemas.ts';
import { AdmissionDecider, AdmissionOutcome, LimitScope, Route } from '../protocol/metricNames.ts';
import type { OrderView, ProductPage } from '../protocol/api.ts';
import { formatCents } from '../protocol/money.ts';
import type { QueueProducer } from '../queue/transport.ts';
import { admit } from './admission.ts';
import { AdmissionUnavailable, type AdmissionStore, type TakeOutcome } from './admissionStore.ts';
import { readBody } from './body.ts';
import type { RateLimits } from './limits.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { OrderServiceClient } from './orderServiceClient.ts';
import type { QueuedEntry, QueuedJournal } from './queuedJournal.ts';

interface GatewayDeps {
  /** Who has an order, in which status; the units left (admissionStore.ts: memory or Redis). */
  admission: AdmissionStore;
  producer: QueueProducer;
  orders: OrderServiceClient;
  limits: RateLimits;
  metrics: GatewayMetrics;
  log: Logger;
  /** Null when /metrics is served on a port of its own (GATEWAY_METRICS_PORT), not on the API's. */
  registry: Registry | null;
  topic: string;
  maxBodyBytes: number;
  maxInflightEnqueues: number;
  /**
   * Where "queued" answers are journalled before they are given, for engines that cannot list what
   * they hold unconsumed (RocketMQ); null when the queue itself can tell a restarted gateway.
   */
  journal: QueuedJournal | null;
}

/** The public API: POST /api/charge.do (flash-sale entry), GET /api/query.do and GET /api/product.do. */
export function createGatewayApp(deps: GatewayDeps): Express {
  const { admission, producer, orders, limits, metrics, log } = deps;
  let inflight = 0;

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  // Labelled children, looked up once per (route, code): prom-client hashes a label object on every call.
  const requestCounters = new Map<string, Counter.Internal>();
  const durations = {
    charge: metrics.requestDuration.labels(Route.CHARGE),
    query: metrics.requestDuration.labels(Route.QUERY),
    product: metrics.requestDuration.labels(Route.PRODUCT),
  };
  const countRequest = (route: Route, code: ResultCode) => {
    const key = `${route}|${code}`;
    let counter = requestCounters.get(key);
    if (!counter) {
      counter = metrics.requests.labels(route, String(code));
      requestCounters.set(key, counter);
    }
    counter.inc();
  };
  const admissionCounters = new Map<string, Counter.Internal>();
  const countAdmission = (outcome: AdmissionOutcome, by: AdmissionDecider) => {
    const key = `${outcome}|${by}`;
    let counter = admissionCounters.get(key);
    if (!counter) {
      counter = metrics.admissions.labels(outcome, by);
      admissionCounters.set(key, counter);
    }
    counter.inc();
  };
  const TAKE_OUTCOME: Record<TakeOutcome, AdmissionOutcome> = {
    queued: AdmissionOutcome.QUEUED,
    repeat: AdmissionOutcome.REPEAT,
    sold_out: AdmissionOutcome.SOLD_OUT,
  };

  /**
   * A queued order's view: the one this gateway knows, else (shared store) the one any gateway
   * admitted; undefined when there is none, null when the store cannot be asked.
   */
  async function queuedView(known: OrderView | undefined, prodId: string, phone: string) {
    if (known) return known;
    try {
      const queued = admission.queued(prodId, phone);
      return queued instanceof Promise ? await queued : queued;
    } catch (error) {
      if (error instanceof AdmissionUnavailable) return null;
      throw error;
    }
  }

  function answer<T>(
    res: Response,
    route: Route,
    started: bigint,
    code: ResultCode,
    msg: string,
    data: T | null,
    status = httpStatusOf[code],
  ) {
    const envelope: Envelope<T> = { code, msg, data };
    sendJson(res, status, envelope);
    countRequest(route, code);
    durations[route].observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  function refuseRate(res: Response, route: Route, started: bigint, scope: LimitScope) {
    metrics.rateLimited.labels(route, scope).inc();
    const msg = scope === LimitScope.USER ? 'too many requests for this user' : 'too many requests from this address';
    answer(res, route, started, ResultCode.RATE_LIMITED, msg, null);
  }

  app.post(
    '/api/charge.do',
    asyncRoute(async (req, res) => {
      const started = process.hrtime.bigint();
      // The client address (the socket's peer: a forwarded-for header is not trusted) before any work.
      if (!limits.chargePerAddress.allow(req.socket.remoteAddress ?? '', Date.now())) {
        req.resume();
        return refuseRate(res, Route.CHARGE, started, LimitScope.ADDRESS);
      }
      const body = await readBody(req, deps.maxBodyBytes);
      if (!body.ok) return answer(res, Route.CHARGE, started, body.code, body.reason, null);
      const checked = checkChargeRequest(body.fields);
      if (!checked.ok) return answer(res, Route.CHARGE, started, checked.code, checked.reason, null);
      const request = checked.request;
      const now = Date.now();
      if (!limits.chargePerUser.allow(request.userPhoneNum, now)) return refuseRate(res, Route.CHARGE, started, LimitScope.USER);
      const decision = admit(request, {
        product: admission.product(request.prodId, now),
        alreadyQueued: admission.hasOrder(request.prodId, request.userPhoneNum),
        now,
      });
      if (!decision.admitted) {
        if (decision.code === ResultCode.REPEAT_ORDER) countAdmission(AdmissionOutcome.REPEAT, AdmissionDecider.LOCAL);
        else if (decision.code === ResultCode.SOLD_OUT) countAdmission(AdmissionOutcome.SOLD_OUT, AdmissionDecider.LOCAL);
        return answer(res, Route.CHARGE, started, decision.code, decision.reason, null);
      }
      if (inflight >= deps.maxInflightEnqueues) {
        return answer(res, Route.CHARGE, started, ResultCode.RATE_LIMITED, 'the gateway is at capacity, retry shortly', null);
      }
      // Time-ordered ids (UUIDv7): the order service's order-id index grows at its end instead of at
      // random pages; measured here, that nearly doubles its insert rate (12-15k → 23-24k orders/s).
      const order: QueuedEntry = {
        prodId: request.prodId,
        phone: request.userPhoneNum,
        orderId: timeOrderedUuid(),
        chargeCents: request.chargePrice,
        enqueuedAt: now,
      };
      let outcome: TakeOutcome;
      try {
        // The memory store answers synchronously: no await, its accept path is unchanged.
        const taken = admission.take(order);
        outcome = typeof taken === 'string' ? taken : await taken;
      } catch (error) {
        if (!(error instanceof AdmissionUnavailable)) throw error;
        // Logged once per outage by the Redis client, not per charge.
        countAdmission(AdmissionOutcome.UNAVAILABLE, AdmissionDecider.STORE);
        const msg = 'admission is unavailable, the order was not queued: retry';
        return answer(res, Route.CHARGE, started, ResultCode.ENQUEUE_FAILED, msg, null);
      }
      countAdmission(TAKE_OUTCOME[outcome], AdmissionDecider.STORE);
      if (outcome === 'repeat') {
        const msg = 'this user already has an order for this product';
        return answer(res, Route.CHARGE, started, ResultCode.REPEAT_ORDER, msg, null);
      }
      if (outcome === 'sold_out') return answer(res, Route.CHARGE, started, ResultCode.SOLD_OUT, 'sold out', null);
      inflight += 1;
      const payload = encodeOrderMessage({
        header: { version: MESSAGE_VERSION, topicName: deps.topic, enqueuedAt: now },
        body: {
          orderId: order.orderId,
          userPhoneNo: request.userPhoneNum,
          prodId: request.prodId,
          chargeMoney: request.chargePrice,
        },
      });
      const endEnqueue = metrics.enqueueDuration.startTimer();
      try {
        await producer.send(order.orderId, payload);
      } catch (error) {
        // Nothing was queued: give the unit and the user's slot back, so no stock is stranded.
        admission.cancel(order);
        log.error({ err: error, orderId: order.orderId }, 'enqueue failed');
        return answer(res, Route.CHARGE, started, ResultCode.ENQUEUE_FAILED, 'the order could not be queued, retry', null);
      } finally {
        inflight -= 1;
        endEnqueue();
      }
      metrics.enqueued.inc();
      if (deps.journal) {
        try {
          await deps.journal.record(order);
        } catch (error) {
          // The order is queued and will be processed: say so. Only a restart before it is consumed
          // would then answer "no such order" for it; the error says which order.
          log.error({ err: error, orderId: order.orderId }, 'queued order not journalled');
        }
      }
      return answer(
        res,
        Route.CHARGE,
        started,
        ResultCode.OK,
        'queued',
        { orderId: order.orderId, status: OrderStatus.QUEUED },
        202,
      );
    }),
  );

  /**
   * A buyer's status never goes backwards: a final one the gateway knows is answered from memory (it
   * is what the order service would answer); when the order service cannot be asked, the gateway
   * answers what it knows (QUEUED only for an order it queued and has not seen decided, so no buyer
   * was shown a final status for it) or says it cannot tell, never "no such order".
   */
  app.get(
    '/api/query.do',
    asyncRoute(async (req, res) => {
      const started = process.hrtime.bigint();
      const now = Date.now();
      if (!limits.queryPerAddress.allow(req.socket.remoteAddress ?? '', now)) {
        return refuseRate(res, Route.QUERY, started, LimitScope.ADDRESS);
      }
      const parsed = queryRequestSchema.safeParse(req.query);
      if (!parsed.success) return answer(res, Route.QUERY, started, ResultCode.INVALID_PARAMS, firstIssue(parsed.error), null);
      const { userPhoneNum, prodId } = parsed.data;
      if (!limits.queryPerUser.allow(userPhoneNum, now)) return refuseRate(res, Route.QUERY, started, LimitScope.USER);
      const known = admission.view(prodId, userPhoneNum);
      if (known && known.orderStatus !== OrderStatus.QUEUED) return answer(res, Route.QUERY, started, ResultCode.OK, 'ok', known);
      let decided: OrderView | undefined;
      try {
        decided = await orders.order(userPhoneNum, prodId);
      } catch {
        // The order feed logs the outage once; a line per query would flood the log while it lasts.
        const queued = await queuedView(known, prodId, userPhoneNum);
        if (queued) return answer(res, Route.QUERY, started, ResultCode.OK, 'queued, not yet processed', queued);
        const msg = 'order service unavailable: the status cannot be told now, retry';
        return answer(res, Route.QUERY, started, ResultCode.ORDER_SERVICE_UNAVAILABLE, msg, null);
      }
      if (decided) {
        admission.seen(decided);
        return answer(res, Route.QUERY, started, ResultCode.OK, 'ok', admission.view(prodId, userPhoneNum) ?? decided);
      }
      const queued = await queuedView(known, prodId, userPhoneNum);
      if (queued) return answer(res, Route.QUERY, started, ResultCode.OK, 'queued, not yet processed', queued);
      if (queued === null) {
        // A buyer told "queued" by another gateway must never be told "no such order".
        const msg = 'admission store unavailable: the status cannot be told now, retry';
        return answer(res, Route.QUERY, started, ResultCode.ORDER_SERVICE_UNAVAILABLE, msg, null);
      }
      return answer(res, Route.QUERY, started, ResultCode.NO_SUCH_ORDER, 'no such order', null);
    }),
  );

  /**
   * The product page, refreshed by every buyer before the sale: answered from the stock cache with no
   * call behind it, so it costs no more than a sold-out answer. `serverTime` drives the countdown.
   */
  app.get('/api/product.do', (req, res) => {
    const started = process.hrtime.bigint();
    const now = Date.now();
    if (!limits.productPerAddress.allow(req.socket.remoteAddress ?? '', now)) {
      return refuseRate(res, Route.PRODUCT, started, LimitScope.ADDRESS);
    }
    const parsed = productRequestSchema.safeParse(req.query);
    if (!parsed.success) return answer(res, Route.PRODUCT, started, ResultCode.INVALID_PARAMS, firstIssue(parsed.error), null);
    const { prodId } = parsed.data;
    const product = admission.product(prodId, now);
    if (!product) return answer(res, Route.PRODUCT, started, ResultCode.NO_SUCH_PRODUCT, `no product ${prodId}`, null);
    const page: ProductPage = {
      prodId,
      price: formatCents(product.priceCents),
      saleStartsAt: product.saleStartsAt,
      saleEndsAt: product.saleEndsAt,
      serverTime: now,
      available: product.remaining > 0 && (product.saleEndsAt === null || now < product.saleEndsAt),
    };
    return answer(res, Route.PRODUCT, started, ResultCode.OK, 'ok', page);
  });

  refuseOtherMethods(app, { '/api/charge.do': ['POST'], '/api/query.do': ['GET'], '/api/product.do': ['GET'] });
  addOpsRoutes(app, deps.registry, () => true);
  addFallbackRoutes(app, log);
  return app;
}
