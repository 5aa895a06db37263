import http from 'node:http';
import { readOrderAnswer, type OrderAnswer } from '../driver/answers.ts';
import type { AuditOrder, QueuedAnswer } from './rules.ts';

// Enough sockets for the e2e pollers and the HTTP audit not to queue behind each other.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** GET /api/query.do for one user and product; null when the gateway knows no such order. */
export function queryOrder(target: string, phone: string, prodId: string, timeoutMs = 5000): Promise<OrderAnswer | null> {
  const url = new URL('/api/query.do', target);
  url.searchParams.set('userPhoneNum', phone);
  url.searchParams.set('prodId', prodId);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        if (res.statusCode === 404) return resolve(null);
        try {
          resolve(readOrderAnswer(text));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`query.do timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * The HTTP-only audit's store: what query.do says for every queued user (when no DB is at hand).
 * Bounded concurrency so the audit does not become a load test of its own.
 */
export async function readOrdersOverHttp(
  target: string,
  queued: readonly QueuedAnswer[],
  concurrency = 16,
): Promise<AuditOrder[]> {
  const orders: AuditOrder[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queued.length) {
      const q = queued[next++];
      if (!q) break;
      const view = await queryOrder(target, q.phone, q.prodId).catch(() => null);
      if (view) orders.push({ orderId: view.orderId, phone: q.phone, prodId: q.prodId, status: view.orderStatus });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return orders;
}
