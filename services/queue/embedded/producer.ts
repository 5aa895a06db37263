import type Database from 'better-sqlite3';
import { GroupCommit } from '../../common/groupCommit.ts';
import type { QueueProducer } from '../transport.ts';

interface Message {
  key: string;
  payload: string;
}

/**
 * Sends are group-committed: all sends of one event-loop turn go into the log in ONE transaction,
 * and each resolves only after that transaction committed (durable before the gateway answers).
 */
export class EmbeddedProducer implements QueueProducer {
  private closed = false;
  private readonly commits: GroupCommit<Message>;

  constructor(
    private readonly db: Database.Database,
    private readonly consumerGroup: string,
  ) {
    const insert = db.prepare('INSERT INTO messages (msg_key, payload, enqueued_at) VALUES (?, ?, ?)');
    this.commits = new GroupCommit(
      db.transaction((messages: readonly Message[]) => {
        const now = Date.now();
        for (const message of messages) insert.run(message.key, message.payload, now);
      }),
    );
  }

  send(key: string, payload: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    return this.commits.add({ key, payload });
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
    this.commits.flush();
    this.closed = true;
    this.db.close();
  }
}
