/**
 * Before any load: one request to each thing the run will lean on, so that a run that cannot measure
 * anything stops at once with one clear line (exit code 3, verdict.ts) instead of "passing" 30 s of
 * refused connections. The gateway must answer query.do with the envelope; --order-url must serve the
 * order service's /metrics; --db must be an order store the audit can read.
 */
import http from 'node:http';
import Database from 'better-sqlite3';
import { OrderMetric } from '../../services/protocol/metricNames.ts';
import { queryUrl } from '../audit/http.ts';
import { failureOf, OUR_ANSWERS, type AnswerReader } from '../driver/answers.ts';

/** The run cannot start measuring: the CLI prints the message as one line and exits 3. */
export class CouldNotRun extends Error {}

const TIMEOUT_MS = 5000;

const FAILURE_WORDS: Record<string, string> = {
  refused: 'connection refused (is it running? is the port right?)',
  reset: 'the connection was reset',
  timeout: `no answer within ${TIMEOUT_MS / 1000} s`,
};

/** One GET: status, content type and body, or throws CouldNotRun saying why in words. */
function get(url: URL, what: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 200_000) body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      res.on('error', (error) => reject(new CouldNotRun(`${what}: ${error.message}`)));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const cause = failureOf(error);
      reject(new CouldNotRun(`${what}: ${FAILURE_WORDS[cause] ?? error.code ?? error.message}`));
    });
  });
}

const excerpt = (body: string) => JSON.stringify(body.replace(/\s+/g, ' ').trim().slice(0, 60));

/** What the preflight learnt: whether the gateway serves /metrics (else its rates are not measured). */
export interface Preflight {
  gatewayMetrics: boolean;
}

export async function preflight(o: {
  gatewayUrl: string;
  orderUrl?: string | undefined;
  dbPath?: string | undefined;
  prodId: string;
  /** How the target's answers read (its --profile; ours by default). */
  answers?: AnswerReader;
}): Promise<Preflight> {
  const answers = o.answers ?? OUR_ANSWERS;
  const query = queryUrl(o.gatewayUrl, '13000000000', o.prodId, answers);
  const answer = await get(query, `cannot reach the gateway at ${o.gatewayUrl}`);
  if (!answers.isEnvelope(answer.body))
    throw new CouldNotRun(
      `${o.gatewayUrl} answers garbage: GET ${query.pathname} gave HTTP ${answer.status} ${answer.type || 'without a content type'} ${excerpt(answer.body)}, not the envelope {${answers.profile.code}, msg, …}`,
    );
  const metrics = await get(new URL('/metrics', o.gatewayUrl), 'gateway /metrics').catch(() => null);
  if (o.orderUrl) {
    const order = await get(new URL('/metrics', o.orderUrl), `--order-url ${o.orderUrl}: cannot read its /metrics`);
    if (order.status !== 200 || !order.body.includes(OrderMetric.CONSUMED))
      throw new CouldNotRun(
        `--order-url ${o.orderUrl}: /metrics answered HTTP ${order.status} without ${OrderMetric.CONSUMED}: not the order service`,
      );
  }
  if (o.dbPath) checkStore(o.dbPath);
  return { gatewayMetrics: metrics !== null && metrics.status === 200 };
}

/** The order store the audit reads: it must exist and have the tables the audit reads. */
function checkStore(file: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new CouldNotRun(`--db ${file}: cannot open it read-only (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    const tables = new Set(
      db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((t) => t.name),
    );
    const missing = ['products', 'orders', 'dead_letters'].filter((t) => !tables.has(t));
    if (missing.length > 0) throw new CouldNotRun(`--db ${file}: not an order store (no table ${missing.join(', ')})`);
  } catch (error) {
    if (error instanceof CouldNotRun) throw error;
    throw new CouldNotRun(
      `--db ${file}: not a readable SQLite database (${error instanceof Error ? error.message : String(error)})`,
    );
  } finally {
    db.close();
  }
}
