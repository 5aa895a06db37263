import { SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
// The generated protobuf classes, for batch acks (the client's ack() sends one message per RPC).
import definitionPb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import servicePb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_pb.js';
import type { Logger } from '../../common/logger.ts';
import { Pause } from '../../common/pause.ts';
import type { BatchHandler, ConsumerLag, ConsumerOptions, Delivery, QueueConsumer } from '../transport.ts';
import { FIRST_KEY_PROPERTY } from './batchSender.ts';
import { clientLogger } from './clientLogger.ts';
import type { RocketmqConfig } from './config.ts';
import { fetchBrokerLag } from './lag.ts';
import { startWithRetry } from './startup.ts';
import { hardenTelemetry } from './telemetry.ts';

const RECEIVE_BACKOFF_MS = { first: 100, max: 5000 };
/** A rejected message becomes visible again after this delay, doubled per attempt up to the max. */
const NACK_DELAY_MS = { first: 1000, max: 30_000 };
/** Entries per AckMessageRequest. */
const ACK_CHUNK = 128;
/** gRPC code OK in the proxy's per-entry status. */
const CODE_OK = definitionPb.Code.OK;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Why SimpleConsumer and not PushConsumer (measured with bench/rocketmqConsumer.ts, see its header for figures):
 * - our contract hands *batches* to one handler at a time and acks after it resolves; SimpleConsumer's
 *   receive/ack is exactly that, while PushConsumer calls a listener per message, concurrently, and
 *   acks per listener result: batching on top of it means parking every listener call on a shared
 *   batch promise, with no control over how many it hands out at once.
 * - PushConsumer's consume service logs through its own egg-logger into ~/logs/rocketmq whatever
 *   `logger` the client is given (client 1.0.8, StandardConsumeService); SimpleConsumer logs only
 *   through ours.
 * - speed (bench/rocketmqConsumer.ts, 2 shared cores, same run, 10-20k messages): this consumer with 4 fetchers and
 *   batch acks drained 3,100-3,400 msg/s, with 1 fetcher 1,900-2,250, a bare PushConsumer whose
 *   listener returns at once 900-1,200. Before batch acks (one ack RPC per message) the 4-fetcher
 *   SimpleConsumer and PushConsumer were level (~1,500-1,700 msg/s): the acks were the cost.
 *
 * How it works: `fetchers` receive loops keep up to `fetchers` x `receiveBatch` messages coming (long polling,
 * `awaitMs`), into a buffer of at most `maxBatch` messages; the handler loop takes up to `maxBatch` at
 * a time. Resolved → each message acked. Rejected → each message's invisible time is set to a short
 * backoff, so the broker redelivers it soon, with deliveryAttempt + 1 (the broker counts). A message
 * the handler keeps rejecting is redelivered with growing attempts until the broker's retry limit
 * (infra/rocketmq: ROCKETMQ_MAX_RETRIES, 16) moves it to %DLQ%<group>; the order service dead-letters
 * it itself well before that (MAX_DELIVERY_ATTEMPTS), so the broker's DLQ stays a last resort.
 * Messages are spread over the topic's queues, but one receive pops from every queue of the broker
 * (the proxy sends queueId -1), so one busy queue cannot starve another.
 */
export class RocketmqConsumer implements QueueConsumer {
  private readonly buffer: MessageView[] = [];
  private stopping = false;
  private started = false;
  private fetchLoops: Promise<void>[] = [];
  private handleLoop: Promise<void> | null = null;
  private handlerWaiter: (() => void) | null = null;
  private readonly lingerPause = new Pause();
  private fetcherWaiters: (() => void)[] = [];
  private lastLag: ConsumerLag | null = null;
  private lagWarned = false;

  private constructor(
    private readonly client: SimpleConsumer,
    private readonly config: RocketmqConfig,
    private readonly options: ConsumerOptions,
    private readonly log: Logger,
    private readonly onBatchError: (error: unknown) => void,
  ) {}

  static async create(
    config: RocketmqConfig,
    options: ConsumerOptions,
    log: Logger,
    onBatchError: (error: unknown) => void,
  ): Promise<RocketmqConsumer> {
    const client = await startWithRetry(
      () =>
        hardenTelemetry(
          new SimpleConsumer({
            endpoints: config.endpoints,
            namespace: '',
            consumerGroup: config.group,
            subscriptions: new Map([[config.topic, '*']]),
            awaitDuration: config.awaitMs,
            requestTimeout: config.requestTimeoutMs,
            logger: clientLogger(log),
          }),
          log,
        ),
      config.startupTimeoutMs,
      log,
      'consumer',
    );
    return new RocketmqConsumer(client, config, options, log, onBatchError);
  }

  start(handler: BatchHandler): void {
    if (this.started) throw new Error('consumer already started');
    this.started = true;
    for (let i = 0; i < this.config.fetchers; i++) this.fetchLoops.push(this.fetch(i));
    this.handleLoop = this.handle(handler);
  }

  /** One receive loop. Errors (proxy restarting, "settings is null" right after start...) back off and retry. */
  private async fetch(index: number): Promise<void> {
    let backoff = RECEIVE_BACKOFF_MS.first;
    let failures = 0;
    while (!this.stopping) {
      if (this.buffer.length >= this.options.maxBatch) {
        await new Promise<void>((resolve) => this.fetcherWaiters.push(resolve));
        continue;
      }
      let views: MessageView[];
      try {
        views = await this.client.receive(Math.min(this.config.receiveBatch, this.options.maxBatch), this.config.invisibleMs);
      } catch (error) {
        failures++;
        // The first failures after a start are expected while the client's settings sync: keep them quiet.
        const level = failures > 3 ? 'warn' : 'debug';
        this.log[level]({ err: error, fetcher: index, failures, retryInMs: backoff }, 'rocketmq receive failed; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, RECEIVE_BACKOFF_MS.max);
        continue;
      }
      backoff = RECEIVE_BACKOFF_MS.first;
      failures = 0;
      if (views.length > 0) {
        // Received after close() began: still handed over (and acked) rather than left invisible.
        this.buffer.push(...views);
        this.handlerWaiter?.();
      }
    }
  }

  private async handle(handler: BatchHandler): Promise<void> {
    let fetchersDone = false;
    void Promise.all(this.fetchLoops).then(() => {
      fetchersDone = true;
      this.handlerWaiter?.();
    });
    for (;;) {
      if (this.buffer.length === 0) {
        if (fetchersDone) return;
        await new Promise<void>((resolve) => (this.handlerWaiter = resolve));
        this.handlerWaiter = null;
        continue;
      }
      const views = this.buffer.splice(0, this.options.maxBatch);
      for (const wake of this.fetcherWaiters.splice(0)) wake();
      const batch = views.map(toDelivery);
      try {
        await handler(batch);
      } catch (error) {
        this.onBatchError(error);
        await this.nack(views);
        continue;
      }
      await this.ack(views);
      if (views.length < this.options.maxBatch && this.options.lingerMs && !this.stopping) {
        await this.lingerPause.for(this.options.lingerMs);
      }
    }
  }

  /**
   * Acks in one RPC per proxy and topic (AckMessageRequest carries many entries) instead of the
   * client's one RPC per message: measured ~1.5x faster draining (bench/rocketmqConsumer.ts). A failed ack is not a loss:
   * the broker redelivers the message after its invisible time (a duplicate the handler's idempotency
   * absorbs).
   */
  private async ack(views: readonly MessageView[]): Promise<void> {
    const groups = new Map<string, MessageView[]>();
    for (const view of views) {
      const id = `${view.endpoints.facade}|${view.topic}`;
      const list = groups.get(id);
      if (list) list.push(view);
      else groups.set(id, [view]);
    }
    const chunks: MessageView[][] = [];
    for (const list of groups.values()) {
      for (let i = 0; i < list.length; i += ACK_CHUNK) chunks.push(list.slice(i, i + ACK_CHUNK));
    }
    const results = await Promise.allSettled(chunks.map((chunk) => this.ackChunk(chunk)));
    let failed = 0;
    let firstError: unknown;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') failed += result.value;
      else {
        failed += chunks[i]!.length;
        firstError ??= result.reason;
      }
    });
    if (failed > 0) this.log.warn({ failed, err: firstError }, 'rocketmq ack failed; the broker will redeliver');
  }

  /** Acks views of one proxy and topic; resolves with how many entries the proxy did not ack. */
  private async ackChunk(views: readonly MessageView[]): Promise<number> {
    const first = views[0]!;
    const request = new servicePb.AckMessageRequest()
      .setGroup(new definitionPb.Resource().setName(this.config.group))
      .setTopic(new definitionPb.Resource().setName(first.topic));
    for (const view of views) request.addEntries().setMessageId(view.messageId).setReceiptHandle(view.receiptHandle);
    const response = await this.client.ackMessageViaRpc(first.endpoints, request, this.config.requestTimeoutMs);
    const status = response.getStatus()?.getCode();
    // MULTIPLE_RESULTS: some entries failed; each entry then carries its own status.
    if (status === CODE_OK) return 0;
    if (status !== definitionPb.Code.MULTIPLE_RESULTS)
      throw new Error(`ack answered ${response.getStatus()?.getMessage()} (${status})`);
    return response.getEntriesList().filter((entry) => entry.getStatus()?.getCode() !== CODE_OK).length;
  }

  private async nack(views: readonly MessageView[]): Promise<void> {
    await Promise.allSettled(
      views.map((view) => {
        const attempt = view.deliveryAttempt ?? 1;
        const delay = Math.min(NACK_DELAY_MS.first * 2 ** (attempt - 1), NACK_DELAY_MS.max);
        // If this fails the message still comes back, after the full invisible time.
        return this.client.changeInvisibleDuration(view, delay);
      }),
    );
  }

  /**
   * The broker's own figure, read from its Prometheus exporter (ROCKETMQ_METRICS_URL). The exporter
   * refreshes its gauges every few seconds, so it trails reality by that much. If the exporter does not
   * answer, the last figure read is returned (or 0 messages, age unknown, before any): lag() feeds a
   * gauge and must not take the order service down with the exporter. Until a consumer of the group
   * has subscribed, the broker has no series for it: 0 messages, age unknown.
   */
  async lag(): Promise<ConsumerLag> {
    try {
      const lag = await fetchBrokerLag(this.config.metricsUrl, this.config.topic, this.config.group);
      this.lastLag = lag;
      this.lagWarned = false;
      return lag ?? { messages: 0, oldestAgeSeconds: null };
    } catch (error) {
      if (!this.lagWarned) this.log.warn({ err: error, url: this.config.metricsUrl }, 'broker metrics unavailable: lag is stale');
      this.lagWarned = true;
      return this.lastLag ?? { messages: 0, oldestAgeSeconds: null };
    }
  }

  /** Stops receiving; the receives in flight finish (within awaitMs), what they bring is handled and acked. */
  async close(): Promise<void> {
    this.stopping = true;
    this.lingerPause.wake();
    for (const wake of this.fetcherWaiters.splice(0)) wake();
    await Promise.all(this.fetchLoops);
    await this.handleLoop;
    await this.client.shutdown();
  }
}

function toDelivery(view: MessageView): Delivery {
  return {
    // A batch's first message carries its key in a property instead (batchSender.ts says why).
    key: view.keys[0] ?? view.properties.get(FIRST_KEY_PROPERTY) ?? '',
    payload: view.body.toString('utf8'),
    deliveryAttempt: view.deliveryAttempt ?? 1,
  };
}
