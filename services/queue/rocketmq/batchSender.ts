import { randomInt } from 'node:crypto';
import {
  Producer,
  PublishingMessage,
  SendReceipt,
  TooManyRequestsException,
  type MessageOptions,
  type MessageQueue,
} from 'rocketmq-client-nodejs';
import definitionPb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import servicePb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_pb.js';

/** One message of a batch: the order id and the encoded order. */
export interface Outgoing {
  readonly key: string;
  readonly payload: string;
}

/**
 * Where the first message of a multi-message batch carries its key (read back by consumer.ts).
 * Why not in its keys: the 5.3.3 proxy sends a batch to the broker with the FIRST message's properties
 * as the batch's (ProducerProcessor.buildSendMessageRequestHeader), and the broker appends those to
 * every message of the batch, where they win over the message's own (MessageExtEncoder.encodeBatch).
 * Measured: every message of a batch then reads the first one's message id, keys and properties. So
 * the first message has no keys (each other message keeps its own, which the broker indexes), and its
 * key goes in this property (copied onto the others, who ignore it).
 * The message id cannot be kept apart that way (the proxy requires one on every message): the
 * messages of one batch share the first one's id. Nothing here uses it: an order is known by its key
 * (and its payload); each message is still an entry of its own in the commit log and queue, received,
 * acked and redelivered on its own (tests/rocketmq/batchSend.test.ts).
 */
export const FIRST_KEY_PROPERTY = 'seckillFirstKey';

const WRITABLE: ReadonlySet<number> = new Set([definitionPb.Permission.WRITE, definitionPb.Permission.READ_WRITE]);
/** The master's broker id: only masters take writes. */
const MASTER = 0;

/**
 * The client's Producer, plus sendBatch(): several messages in ONE SendMessage RPC (the v2 gRPC API
 * takes a list). The client 1.0.8 builds such a request itself (its private #send takes an array), but
 * its public send() wraps one message; this subclass uses only what the client offers subclasses and
 * exports: the route cache (getRouteData), the RPC client (rpcClientManager), PublishingMessage (ids,
 * size check, protobuf), SendReceipt (status → typed error) and the producer's retry policy.
 *
 * Unlike the client's own load balancer, which keeps only queue 0 of each broker (it compares
 * queueId with the master broker id), batches rotate over every writable queue of the masters.
 */
export class BatchSender extends Producer {
  private next = randomInt(1 << 16);

  /**
   * Resolves once the broker stored every message of the batch; rejects if it did not (after the retry
   * policy's attempts, each on the next queue, another broker's first when there is one).
   * The proxy's receipt: 5.3.3 answers ONE entry for the whole batch (the broker appends a batch to
   * its commit log in one piece, all or nothing: apache/rocketmq#11049); a proxy that answers one
   * entry per message is checked entry by entry. Any other count is a failure.
   */
  async sendBatch(topic: string, batch: readonly Outgoing[]): Promise<void> {
    if (batch.length === 0) return;
    if (!this.isRunning()) throw new Error('rocketmq producer is not running');
    const messages = batch.map(
      (item, i) => new PublishingMessage(this.options(topic, item, i, batch.length), this.publishingSettings, false),
    );
    const policy = this.publishingSettings.getRetryPolicy();
    const maxAttempts = policy?.getMaxAttempts() ?? 1;
    const candidates = this.candidates(await this.getRouteData(topic), maxAttempts);
    for (let attempt = 1; ; attempt++) {
      const queue = candidates[(attempt - 1) % candidates.length]!;
      const request = new servicePb.SendMessageRequest();
      // toProtobuf per attempt: it stamps the born time and the queue (same message ids on a retry).
      for (const message of messages) request.addMessages(message.toProtobuf(this.namespace, queue));
      try {
        const response = await this.rpcClientManager.sendMessage(queue.broker.endpoints, request, this.requestTimeout);
        const receipts = SendReceipt.processResponseInvocation(queue, response);
        if (receipts.length !== 1 && receipts.length !== messages.length) {
          throw new Error(`proxy answered ${receipts.length} receipts for ${messages.length} messages`);
        }
        // The client isolates a failing broker and never lets it back: here its next success does.
        this.isolated.delete(queue.broker.endpoints.facade);
        return;
      } catch (error) {
        this.isolated.set(queue.broker.endpoints.facade, queue.broker.endpoints);
        if (attempt >= maxAttempts) throw error;
        // Like the client: retry at once, unless the proxy asked to slow down.
        if (error instanceof TooManyRequestsException) await this.sleep(policy?.getNextAttemptDelay(attempt + 1) ?? 0);
      }
    }
  }

  private options(topic: string, item: Outgoing, index: number, size: number): MessageOptions {
    const body = Buffer.from(item.payload, 'utf8');
    if (index > 0 || size === 1) return { topic, body, keys: [item.key] };
    return { topic, body, properties: new Map([[FIRST_KEY_PROPERTY, item.key]]) };
  }

  /** Up to `count` queues to try in turn: one per broker, not isolated ones first, from a rotating start. */
  private candidates(route: { messageQueues: MessageQueue[] }, count: number): MessageQueue[] {
    const queues = route.messageQueues.filter((q) => q.broker.id === MASTER && WRITABLE.has(q.permission));
    if (queues.length === 0) throw new Error('no writable queue in the topic route');
    const start = this.next++;
    const rotated = queues.map((_, i) => queues[(start + i) % queues.length]!);
    const ordered = [
      ...rotated.filter((q) => !this.isolated.has(q.broker.endpoints.facade)),
      ...rotated.filter((q) => this.isolated.has(q.broker.endpoints.facade)),
    ];
    const brokers = new Set<string>();
    const picked = ordered.filter((q) => !brokers.has(q.broker.name) && brokers.add(q.broker.name));
    return picked.slice(0, count);
  }
}
