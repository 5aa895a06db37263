import http from 'node:http';
import { OUR_ANSWERS, type AnswerReader, type OrderAnswer } from '../driver/answers.ts';
import type { AuditOrder, QueuedAnswer } from './rules.ts';

// Enough sockets for the e2e pollers and the HTTP audit not to queue behind each other.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** The URL of the target's query endpoint for one user and product, as its profile names them (ours: /api/query.do). */
export function queryUrl(target: string, phone: string, prodId: string, answers: AnswerReader = OUR_ANSWERS): URL {
  const { endpoints, fields } = answers.profile;
  const url = new URL(endpoints.query.path, target);
  url.searchParams.set(fields.phone, phone);
  url.searchParams.set(fields.product, prodId);
  return url;
}

/** GET the target's query endpoint for one user and product; null when the target knows no such order. */
export function queryOrder(
  target: string,
  phone: string,
  prodId: string,
  timeoutMs = 5000,
  answers: AnswerReader = OUR_ANSWERS,
): Promise<OrderAnswer | null> {
  return new Promise((resolve, reject) => {
    const req = http.get(queryUrl(target, phone, prodId, answers), { agent, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve(answers.readOrder(text, { phone, prodId }));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`query timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * The HTTP-only audit's store: what the query endpoint says for every queued user (when no DB is at
 * hand). Bounded concurrency so the audit does not become a load test of its own.
 */
export async function readOrdersOverHttp(
  target: string,
  queued: readonly QueuedAnswer[],
  answers: AnswerReader = OUR_ANSWERS,
  concurrency = 16,
): Promise<AuditOrder[]> {
  const orders: AuditOrder[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queued.length) {
      const q = queued[next++];
      if (!q) break;
      const view = await queryOrder(target, q.phone, q.prodId, 5000, answers).catch(() => null);
      if (view) orders.push({ orderId: view.orderId, phone: q.phone, prodId: q.prodId, status: view.orderStatus });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return orders;
}
