import type { Logger } from '../common/logger.ts';
import { decodeOrderMessage, type OrderMessage } from '../protocol/message.ts';
import type { BatchHandler } from '../queue/transport.ts';
import { OrderStatus, type FinalOrderStatus } from '../protocol/codes.ts';
import { ConsumeOutcome } from '../protocol/metricNames.ts';
import type { OrderMetrics } from './metrics.ts';
import type { DeadLetter, OrderRepository } from './repository.ts';
import type { BatchDecision } from './rules.ts';

const OUTCOME_OF_STATUS: Record<FinalOrderStatus, ConsumeOutcome> = {
  [OrderStatus.SUCCESS]: ConsumeOutcome.SUCCESS,
  [OrderStatus.SOLD_OUT]: ConsumeOutcome.SOLD_OUT,
  [OrderStatus.DUPLICATE]: ConsumeOutcome.DUPLICATE,
  [OrderStatus.REJECTED]: ConsumeOutcome.REJECTED,
};

/**
 * The queue handler of the order service. A message that cannot be decoded never blocks the consumer:
 * it goes to the dead-letter table in the same transaction as the rest of its batch. A batch that
 * keeps failing (delivered more than `maxAttempts` times) is split: each message is tried alone and
 * the ones that still fail are dead-lettered with the error, so one poison message costs only itself.
 */
export function createOrderProcessor(
  repository: OrderRepository,
  metrics: OrderMetrics,
  maxAttempts: number,
  log: Logger,
): BatchHandler {
  const record = (decision: BatchDecision, deadLetters: number, messages: readonly OrderMessage[], now: number) => {
    // Counted per batch, then one inc per outcome: a labelled inc per message costs more than the insert.
    const outcomes = new Map<ConsumeOutcome, number>();
    for (const order of decision.orders) {
      const outcome = OUTCOME_OF_STATUS[order.status];
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    for (const [outcome, count] of outcomes) metrics.consumed.inc({ outcome }, count);
    if (decision.redelivered > 0) metrics.consumed.inc({ outcome: ConsumeOutcome.REDELIVERED }, decision.redelivered);
    if (deadLetters > 0) metrics.consumed.inc({ outcome: ConsumeOutcome.DEAD_LETTER }, deadLetters);
    for (const message of messages) metrics.queueTime.observe((now - message.header.enqueuedAt) / 1000);
  };

  return async (batch) => {
    const messages: OrderMessage[] = [];
    const deadLetters: DeadLetter[] = [];
    let attempt = 1;
    for (const delivery of batch) {
      attempt = Math.max(attempt, delivery.deliveryAttempt);
      const decoded = decodeOrderMessage(delivery.payload);
      if (decoded.ok) messages.push(decoded.message);
      else
        deadLetters.push({
          key: delivery.key,
          payload: delivery.payload,
          reason: decoded.reason,
          deliveryAttempt: delivery.deliveryAttempt,
        });
    }
    metrics.batchSize.observe(batch.length);

    if (attempt <= maxAttempts) {
      const endTimer = metrics.transactionDuration.startTimer();
      const now = Date.now();
      const decision = await repository.applyBatch(messages, deadLetters, now);
      endTimer();
      record(decision, deadLetters.length + decision.rejected.length, messages, now);
      return;
    }

    log.warn({ size: batch.length, attempt }, 'batch keeps failing: retrying its messages one by one');
    const failed: { message: OrderMessage; reason: string; attempt: number }[] = [];
    for (const message of messages) {
      const now = Date.now();
      try {
        record(await repository.applyBatch([message], [], now), 0, [message], now);
      } catch (error) {
        const reason = `failed ${attempt} deliveries: ${error instanceof Error ? error.message : String(error)}`;
        failed.push({ message, reason, attempt });
      }
    }
    if (deadLetters.length > 0) {
      await repository.applyBatch([], deadLetters, Date.now());
      metrics.consumed.inc({ outcome: ConsumeOutcome.DEAD_LETTER }, deadLetters.length);
    }
    if (failed.length > 0) {
      const { orderRows } = await repository.rejectFailedOrders(failed, Date.now());
      metrics.consumed.inc({ outcome: ConsumeOutcome.DEAD_LETTER }, failed.length);
      if (orderRows) metrics.consumed.inc({ outcome: ConsumeOutcome.REJECTED }, failed.length);
      else
        log.error(
          { orderIds: failed.map((f) => f.message.body.orderId) },
          'dead-lettered orders could not be written as REJECTED: the gateways keep their units held',
        );
    }
  };
}
