/**
 * Settings of the RocketMQ engine, from the environment. Defaults match infra/rocketmq/start.sh
 * (a local broker on 127.0.0.1) and docker-compose.yml overrides the endpoints and metrics URL.
 */
export interface RocketmqConfig {
  /** ROCKETMQ_ENDPOINTS: the proxy's gRPC address(es), `host:port[;host:port]`. Default 127.0.0.1:8081. */
  readonly endpoints: string;
  /** ROCKETMQ_TOPIC: the order topic (must exist: the proxy does not create topics). Default seckill-orders. */
  readonly topic: string;
  /** ROCKETMQ_GROUP: the consumer group of the order service. Default seckill-order-service. */
  readonly group: string;
  /** ROCKETMQ_METRICS_URL: the broker's Prometheus exporter, read by lag(). Default http://127.0.0.1:5557/metrics. */
  readonly metricsUrl: string;
  /**
   * ROCKETMQ_INVISIBLE_MS: how long a received message stays hidden from other consumers while we
   * hold it (prefetch buffer + handler). Past it the broker redelivers it. Default 60000 (min 10000,
   * the proxy's floor for a receive).
   */
  readonly invisibleMs: number;
  /** ROCKETMQ_AWAIT_MS: long-polling time of an empty receive; the proxy clamps it to 5-20 s. Default 5000. */
  readonly awaitMs: number;
  /** ROCKETMQ_FETCHERS: receive calls kept in flight at once (each brings up to ROCKETMQ_RECEIVE_BATCH messages). Default 4. */
  readonly fetchers: number;
  /**
   * ROCKETMQ_RECEIVE_BATCH: most messages one receive asks for. The proxy answers at most its
   * grpcClientConsumerLongPollingBatchSize (infra/rocketmq/start.sh sets it to ROCKETMQ_RECEIVE_BATCH
   * too; a stock proxy keeps 32). Default 32.
   */
  readonly receiveBatch: number;
  /** ROCKETMQ_SEND_ATTEMPTS: tries of one send before send() rejects. Default 3. */
  readonly sendAttempts: number;
  /**
   * ROCKETMQ_SEND_BATCH: most orders in one SendMessage RPC (producer.ts). 1 = one RPC per order.
   * Default SEND_BATCH_DEFAULT.
   */
  readonly sendBatch: number;
  /**
   * ROCKETMQ_SEND_LINGER_MS: how long the first order of a batch waits for others before the batch
   * goes. 0 = it goes at the end of the event-loop turn it arrived in. Default SEND_LINGER_MS_DEFAULT.
   */
  readonly sendLingerMs: number;
  /**
   * ROCKETMQ_REQUEST_TIMEOUT_MS: timeout of one RPC to the proxy. Default 2000: with 3 send attempts a
   * buyer waits at most ~6.5 s for the 503 when the broker is down, instead of hanging.
   */
  readonly requestTimeoutMs: number;
  /** ROCKETMQ_STARTUP_TIMEOUT_MS: how long a client retries its start (route, settings) before failing. Default 30000. */
  readonly startupTimeoutMs: number;
}

/** Chosen from bench/rocketmqSideBySide.ts (README, "RocketMQ"). */
export const SEND_BATCH_DEFAULT = 64;
export const SEND_LINGER_MS_DEFAULT = 5;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function rocketmqConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RocketmqConfig {
  return {
    endpoints: env.ROCKETMQ_ENDPOINTS || '127.0.0.1:8081',
    topic: env.ROCKETMQ_TOPIC || 'seckill-orders',
    group: env.ROCKETMQ_GROUP || 'seckill-order-service',
    metricsUrl: env.ROCKETMQ_METRICS_URL || 'http://127.0.0.1:5557/metrics',
    invisibleMs: int(env, 'ROCKETMQ_INVISIBLE_MS', 60_000, 10_000),
    awaitMs: int(env, 'ROCKETMQ_AWAIT_MS', 5_000, 1),
    fetchers: int(env, 'ROCKETMQ_FETCHERS', 4, 1),
    receiveBatch: int(env, 'ROCKETMQ_RECEIVE_BATCH', 32, 1, 1024),
    sendAttempts: int(env, 'ROCKETMQ_SEND_ATTEMPTS', 3, 1),
    // At most 1,024 orders of at most a few KB each: a batch stays under the proxy's 4 MiB message cap.
    sendBatch: int(env, 'ROCKETMQ_SEND_BATCH', SEND_BATCH_DEFAULT, 1, 1024),
    sendLingerMs: int(env, 'ROCKETMQ_SEND_LINGER_MS', SEND_LINGER_MS_DEFAULT, 0, 1000),
    requestTimeoutMs: int(env, 'ROCKETMQ_REQUEST_TIMEOUT_MS', 2_000, 100),
    startupTimeoutMs: int(env, 'ROCKETMQ_STARTUP_TIMEOUT_MS', 30_000, 0),
  };
}
