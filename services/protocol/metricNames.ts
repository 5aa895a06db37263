/**
 * Every metric name and label value of the system, spelled once: the services register them, the
 * harness samples them, the dashboards query them. Renaming one here renames it everywhere.
 */

/** The gateway's metrics. */
export const GatewayMetric = {
  REQUESTS: 'seckill_gateway_requests_total',
  REQUEST_DURATION: 'seckill_gateway_request_duration_seconds',
  ENQUEUE_DURATION: 'seckill_gateway_enqueue_duration_seconds',
  STOCK_CACHE: 'seckill_gateway_stock_cache',
  SOLD_OUT: 'seckill_gateway_sold_out',
  /** Orders queued by this gateway that the order feed has not shown decided yet (units held for them). */
  ORDERS_PENDING: 'seckill_gateway_orders_pending',
  /** Buyers with an order that the gateway keeps in memory (repeat check, final statuses). */
  KNOWN_BUYERS: 'seckill_gateway_known_buyers',
  /** Requests refused by a rate limit, by route and scope (LimitScope). */
  RATE_LIMITED: 'seckill_gateway_rate_limited_total',
  CONNECTIONS: 'seckill_gateway_connections',
  /** MAX_CONNECTIONS as applied: lowered to fit under the process's descriptor limit. */
  CONNECTION_CAP: 'seckill_gateway_connection_cap',
  /** Connections closed at accept because the cap was reached. */
  CONNECTIONS_REFUSED: 'seckill_gateway_connections_refused_total',
  /** Connections cut because their headers or whole request did not arrive in time (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS). */
  REQUEST_TIMEOUTS: 'seckill_gateway_request_timeouts_total',
  /** Charges that passed the pure rules' other checks, by AdmissionOutcome and by whom it was decided (AdmissionDecider). */
  ADMISSIONS: 'seckill_gateway_admissions_total',
  /** Round trip of one admission script to Redis (ADMISSION_STORE=redis), by AdmissionScript. */
  ADMISSION_SCRIPT_DURATION: 'seckill_gateway_admission_script_duration_seconds',
} as const;

/** Counted by the gateway when the queue engine confirmed a send: the producer side of the queue. */
export const QueueMetric = {
  ENQUEUED: 'seckill_queue_enqueued_total',
} as const;

/** The order service's metrics. */
export const OrderMetric = {
  CONSUMED: 'seckill_order_messages_consumed_total',
  BATCH_SIZE: 'seckill_order_batch_size',
  QUEUE_TIME: 'seckill_order_queue_time_seconds',
  TRANSACTION_DURATION: 'seckill_order_transaction_duration_seconds',
  LAG_MESSAGES: 'seckill_order_consumer_lag_messages',
  LAG_SECONDS: 'seckill_order_consumer_lag_seconds',
  DB_STOCK: 'seckill_order_db_stock',
  OVERSOLD: 'seckill_order_oversold_units',
  STOCK_MISMATCH: 'seckill_order_stock_mismatch_units',
  DUPLICATE_BUYERS: 'seckill_order_duplicate_buyers',
  INVARIANT_CHECKS: 'seckill_order_invariant_checks_total',
  /** Batch transactions that lost a race with another writer and were tried again, by `reason` (RetryReason). */
  BATCH_RETRIES: 'seckill_order_batch_retries_total',
} as const;

/**
 * The RocketMQ 5 broker exporter's names (5.3.3, read on a running broker's /metrics). Lag gauges are
 * labelled topic, consumer_group, is_retry, is_system; lag_messages counts messages not yet acked
 * (in flight included), lag_latency is the age of the oldest of them in milliseconds.
 */
export const BrokerMetric = {
  LAG_MESSAGES: 'rocketmq_consumer_lag_messages',
  LAG_LATENCY_MS: 'rocketmq_consumer_lag_latency_milliseconds',
  MESSAGES_IN: 'rocketmq_messages_in_total',
  MESSAGES_OUT: 'rocketmq_messages_out_total',
  /** Histogram of message sizes, observed once per put: its _count is the number of puts (a batch is one). */
  MESSAGE_SIZE: 'rocketmq_message_size',
} as const;

/** The `route` label of the gateway's request metrics. */
export const Route = { CHARGE: 'charge', QUERY: 'query', PRODUCT: 'product' } as const;
export type Route = (typeof Route)[keyof typeof Route];

/** The `scope` label of GatewayMetric.RATE_LIMITED: whose budget was spent, the phone number's or the client address's. */
export const LimitScope = { USER: 'user', ADDRESS: 'ip' } as const;
export type LimitScope = (typeof LimitScope)[keyof typeof LimitScope];

/** The `outcome` label of GatewayMetric.ADMISSIONS. */
export const AdmissionOutcome = {
  QUEUED: 'queued',
  REPEAT: 'repeat',
  SOLD_OUT: 'sold_out',
  /** The admission store (Redis) could not be asked: answered 503. */
  UNAVAILABLE: 'unavailable',
} as const;
export type AdmissionOutcome = (typeof AdmissionOutcome)[keyof typeof AdmissionOutcome];

/**
 * The `by` label of GatewayMetric.ADMISSIONS: `local` = this process's memory answered with no round
 * trip (a buyer known from the order feed, a product flagged sold out), `store` = the admission store's
 * take (memory: the stock cache; redis: the TAKE script).
 */
export const AdmissionDecider = { LOCAL: 'local', STORE: 'store' } as const;
export type AdmissionDecider = (typeof AdmissionDecider)[keyof typeof AdmissionDecider];

/** The `script` label of GatewayMetric.ADMISSION_SCRIPT_DURATION (services/gateway/redis/scripts.ts). */
export const AdmissionScript = {
  TAKE: 'take',
  GIVE_BACK: 'give_back',
  RELEASE: 'release',
  LOAD: 'load',
  LOOKUP: 'lookup',
} as const;
export type AdmissionScript = (typeof AdmissionScript)[keyof typeof AdmissionScript];

/** The `outcome` label of OrderMetric.CONSUMED. */
export const ConsumeOutcome = {
  SUCCESS: 'success',
  SOLD_OUT: 'sold_out',
  DUPLICATE: 'duplicate',
  REJECTED: 'rejected',
  /** A message already processed, delivered again: counted, changes nothing. */
  REDELIVERED: 'redelivered',
  DEAD_LETTER: 'dead_letter',
} as const;
export type ConsumeOutcome = (typeof ConsumeOutcome)[keyof typeof ConsumeOutcome];

/** The `reason` label of OrderMetric.BATCH_RETRIES: the race a batch transaction lost (repository.ts). */
export const RetryReason = {
  STOCK_CONFLICT: 'stock_conflict',
  ORDER_CONFLICT: 'order_conflict',
  SERIALIZATION: 'serialization_failure',
  DEADLOCK: 'deadlock',
  LOCK_NOT_AVAILABLE: 'lock_not_available',
} as const;
export type RetryReason = (typeof RetryReason)[keyof typeof RetryReason];

/** Outcomes that end a message's life (every one but a redelivery): consumed = enqueued when drained. */
export const FINAL_CONSUME_OUTCOMES: readonly ConsumeOutcome[] = [
  ConsumeOutcome.SUCCESS,
  ConsumeOutcome.SOLD_OUT,
  ConsumeOutcome.DUPLICATE,
  ConsumeOutcome.REJECTED,
  ConsumeOutcome.DEAD_LETTER,
];

/** Prometheus scrape job names, as our Prometheus configs and the dashboards' `up{job=...}` use them. */
export const ScrapeJob = { GATEWAY: 'gateway', ORDER: 'order-service', BROKER: 'rocketmq' } as const;
