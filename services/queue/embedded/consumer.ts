import type Database from 'better-sqlite3';
import { Pause } from '../../common/pause.ts';
import type { BatchHandler, ConsumerLag, ConsumerOptions, Delivery, QueueConsumer } from '../transport.ts';

interface Row {
  seq: number;
  msg_key: string;
  payload: string;
}

interface OffsetRow {
  committed_seq: number;
  pending_to_seq: number;
  attempts: number;
}

const IDLE_POLL_MS = 5;
const RETRY_BACKOFF_MS = { first: 50, max: 2000 };
/**
 * Consumed messages are deleted in slices, at most every PURGE_EVERY_MS, so that a purge never holds
 * the write lock long enough to stall the gateway's inserts (up to 100k deletions/s keeps up with
 * the fastest drain measured here).
 */
const PURGE_SLICE = 10_000;
const PURGE_EVERY_MS = 100;

/**
 * Reads the log after the group's committed offset, hands the handler one batch at a time and moves
 * the offset only after the handler resolved (at-least-once). One consumer per group: the embedded
 * engine is for one machine; scale-out is what the RocketMQ engine is for.
 */
export class EmbeddedConsumer implements QueueConsumer {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly pause = new Pause();

  constructor(
    private readonly db: Database.Database,
    private readonly group: string,
    private readonly options: ConsumerOptions,
    private readonly onLoopError: (error: unknown) => void,
  ) {
    db.prepare(
      'INSERT OR IGNORE INTO consumer_offsets (consumer_group, committed_seq, pending_to_seq, attempts) VALUES (?, 0, 0, 0)',
    ).run(group);
  }

  start(handler: BatchHandler): void {
    if (this.running) throw new Error('consumer already started');
    this.running = true;
    this.loop = this.run(handler);
  }

  private async run(handler: BatchHandler): Promise<void> {
    const readOffset = this.db.prepare<[string], OffsetRow>(
      'SELECT committed_seq, pending_to_seq, attempts FROM consumer_offsets WHERE consumer_group = ?',
    );
    const readAfter = this.db.prepare<[number, number], Row>(
      'SELECT seq, msg_key, payload FROM messages WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    const readRange = this.db.prepare<[number, number], Row>(
      'SELECT seq, msg_key, payload FROM messages WHERE seq > ? AND seq <= ? ORDER BY seq',
    );
    const markHandedOut = this.db.prepare<[number, number, string]>(
      'UPDATE consumer_offsets SET pending_to_seq = ?, attempts = ? WHERE consumer_group = ?',
    );
    const commit = this.db.prepare<[number, string]>(
      'UPDATE consumer_offsets SET committed_seq = ?, pending_to_seq = 0, attempts = 0 WHERE consumer_group = ?',
    );
    const purge = this.db.prepare<[number, number]>(
      'DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE seq <= ? ORDER BY seq LIMIT ?)',
    );

    let backoff = RETRY_BACKOFF_MS.first;
    let lastPurge = 0;
    while (this.running) {
      const offset = readOffset.get(this.group);
      if (!offset) throw new Error(`consumer group ${this.group} has no offset row`);
      if (Date.now() - lastPurge > PURGE_EVERY_MS) {
        purge.run(offset.committed_seq, PURGE_SLICE);
        lastPurge = Date.now();
      }
      // A batch handed out before a crash or a failed handler is redelivered as the same batch.
      const redelivery = offset.pending_to_seq > offset.committed_seq;
      const rows = redelivery
        ? readRange.all(offset.committed_seq, offset.pending_to_seq)
        : readAfter.all(offset.committed_seq, this.options.maxBatch);
      const last = rows.at(-1);
      if (!last) {
        await this.pause.for(IDLE_POLL_MS);
        continue;
      }
      const attempt = redelivery ? offset.attempts + 1 : 1;
      markHandedOut.run(last.seq, attempt, this.group);
      const batch: Delivery[] = rows.map((row) => ({ key: row.msg_key, payload: row.payload, deliveryAttempt: attempt }));
      try {
        await handler(batch);
      } catch (error) {
        this.onLoopError(error);
        await this.pause.for(backoff);
        backoff = Math.min(backoff * 2, RETRY_BACKOFF_MS.max);
        continue;
      }
      backoff = RETRY_BACKOFF_MS.first;
      commit.run(last.seq, this.group);
      // A partial batch means the consumer has caught up: let the next one fill up for a moment, so
      // a steady stream is taken in fewer, larger transactions (see ConsumerOptions.lingerMs).
      if (rows.length < this.options.maxBatch && this.options.lingerMs && this.running)
        await this.pause.for(this.options.lingerMs);
    }
  }

  async lag(): Promise<ConsumerLag> {
    const row = this.db
      .prepare<[string], { committed: number; head: number | null; oldest: number | null }>(
        `SELECT o.committed_seq AS committed,
                (SELECT max(seq) FROM messages) AS head,
                (SELECT enqueued_at FROM messages WHERE seq > o.committed_seq ORDER BY seq LIMIT 1) AS oldest
           FROM consumer_offsets o WHERE o.consumer_group = ?`,
      )
      .get(this.group);
    if (!row) return { messages: 0, oldestAgeSeconds: 0 };
    const messages = Math.max(0, (row.head ?? row.committed) - row.committed);
    const oldestAgeSeconds = row.oldest === null ? 0 : Math.max(0, (Date.now() - row.oldest) / 1000);
    return { messages, oldestAgeSeconds };
  }

  async close(): Promise<void> {
    this.running = false;
    this.pause.wake();
    try {
      await this.loop;
    } finally {
      this.db.close();
    }
  }
}
