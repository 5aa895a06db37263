import type Database from 'better-sqlite3';
import type { QueueProducer } from '../transport.ts';

interface PendingSend {
  key: string;
  payload: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every send() made during one turn of the event loop is inserted in ONE transaction,
 * and each promise resolves only after that transaction committed. One transaction per message
 * would cap the gateway at a few thousand enqueues/s (one WAL commit each); a batch costs about
 * the same as a single row.
 */
export class EmbeddedProducer implements QueueProducer {
  private pending: PendingSend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly insertBatch: (batch: PendingSend[]) => void;

  constructor(
    private readonly db: Database.Database,
    private readonly consumerGroup: string,
  ) {
    const insert = db.prepare('INSERT INTO messages (msg_key, payload, enqueued_at) VALUES (?, ?, ?)');
    this.insertBatch = db.transaction((batch: PendingSend[]) => {
      const now = Date.now();
      for (const item of batch) insert.run(item.key, item.payload, now);
    });
  }

  send(key: string, payload: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ key, payload, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      this.insertBatch(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) item.resolve();
  }

  async unconsumed(): Promise<string[]> {
    const rows = this.db
      .prepare<[string], { payload: string }>(
        `SELECT payload FROM messages
          WHERE seq > COALESCE((SELECT committed_seq FROM consumer_offsets WHERE consumer_group = ?), 0)
          ORDER BY seq`,
      )
      .all(this.consumerGroup);
    return rows.map((row) => row.payload);
  }

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    this.db.close();
  }
}
