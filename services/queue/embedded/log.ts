import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * The embedded queue's storage: one SQLite file per topic, in WAL mode so that the gateway process
 * (writer) and the order service process (reader, offset writer) work on it at the same time.
 * synchronous=NORMAL: a commit survives a process crash (SIGKILL) because the WAL is written before
 * the commit returns; only an OS crash or power loss can drop the last commits (use FULL for that).
 */
export type SyncMode = 'NORMAL' | 'FULL';

export function openQueueLog(dataDir: string, topic: string, sync: SyncMode): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, `queue-${topic}.sqlite`));
  // Both processes may write (messages, offsets): wait for the lock instead of failing at once.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.exec(`
    CREATE TABLE IF NOT EXISTS messages (
      seq         INTEGER PRIMARY KEY AUTOINCREMENT,
      msg_key     TEXT    NOT NULL,
      payload     TEXT    NOT NULL,
      enqueued_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS consumer_offsets (
      consumer_group TEXT PRIMARY KEY,
      committed_seq  INTEGER NOT NULL,
      -- the batch handed out but not yet acked: redelivered as the same batch after a crash,
      -- with its delivery count, so a message that crashes the consumer is still dead-lettered
      pending_to_seq INTEGER NOT NULL,
      attempts       INTEGER NOT NULL
    );
  `);
  return db;
}
