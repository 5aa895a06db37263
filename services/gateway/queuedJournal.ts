import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit } from '../common/groupCommit.ts';

export interface QueuedEntry {
  prodId: string;
  phone: string;
  orderId: string;
  chargeCents: number;
  enqueuedAt: number;
}

/**
 * What the gateway answered "queued", on disk (`DATA_DIR/gateway-queued.sqlite`), so that a restarted
 * or crashed gateway still answers those buyers QUEUED (and as repeats) until the order service has
 * their final status. Used with engines that cannot list what they hold unconsumed (RocketMQ).
 * Writes are group-committed (one transaction per event-loop turn), and the gateway answers
 * "queued" only after the entry committed: whoever was told "queued" is in this file. Append-only
 * (no key to keep in order: inserts stay at the end of the file, measured cheaper on the accept path
 * than a (product, buyer) primary key); the latest row per buyer wins when it is read back.
 */
export class QueuedJournal {
  private readonly commits: GroupCommit<QueuedEntry>;

  private constructor(private readonly db: Database.Database) {
    const insert = db.prepare(
      'INSERT INTO queued_orders (prod_id, user_phone, order_id, charge_cents, enqueued_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.commits = new GroupCommit(
      db.transaction((entries: readonly QueuedEntry[]) => {
        for (const e of entries) insert.run(e.prodId, e.phone, e.orderId, e.chargeCents, e.enqueuedAt);
      }),
    );
  }

  static open(dataDir: string): QueuedJournal {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, 'gateway-queued.sqlite'));
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // NORMAL: a commit survives a process crash (SIGKILL), which is what this file is for.
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS queued_orders (
        prod_id      TEXT    NOT NULL,
        user_phone   TEXT    NOT NULL,
        order_id     TEXT    NOT NULL,
        charge_cents INTEGER NOT NULL,
        enqueued_at  INTEGER NOT NULL
      )`);
    return new QueuedJournal(db);
  }

  /** Drops rows queued before `before` (ms since epoch); returns how many. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM queued_orders WHERE enqueued_at < ?').run(before).changes;
  }

  /** The latest entry per (product, buyer). */
  all(): QueuedEntry[] {
    return this.db
      .prepare<[], QueuedEntry>(
        `SELECT prod_id AS prodId, user_phone AS phone, order_id AS orderId, charge_cents AS chargeCents,
                enqueued_at AS enqueuedAt
           FROM queued_orders
          WHERE rowid IN (SELECT max(rowid) FROM queued_orders GROUP BY prod_id, user_phone)`,
      )
      .all();
  }

  /** Resolves once the entry is committed with the others of this event-loop turn. */
  record(entry: QueuedEntry): Promise<void> {
    return this.commits.add(entry);
  }

  close(): void {
    this.commits.flush();
    this.db.close();
  }
}
