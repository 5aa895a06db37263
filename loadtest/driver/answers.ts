/**
 * The one reader of the gateway's answers on the harness side: every driver and the HTTP audit read
 * the envelope `{ code, msg, data }` through here. The wire shapes are the protocol's
 * (services/protocol); the harness reads them leniently, since a broken answer is a finding, not a crash.
 */

/** A charge answer: the envelope code (0 when the body is not an envelope) and the order id when queued. */
export function readChargeAnswer(text: string): { code: number; orderId: string | null } {
  try {
    const envelope = JSON.parse(text) as { code?: unknown; data?: { orderId?: unknown } | null };
    return {
      code: typeof envelope.code === 'number' ? envelope.code : 0,
      orderId: typeof envelope.data?.orderId === 'string' ? envelope.data.orderId : null,
    };
  } catch {
    return { code: 0, orderId: null }; // not an envelope (a bare server, a proxy's error page): the status alone tells
  }
}

/** The order view a query answer carries. */
export interface OrderAnswer {
  orderId: string;
  orderStatus: string;
  consumedAt?: number | null;
}

/** A query.do answer: the order, or null when the gateway knows no such order. Throws on a body that is not an envelope. */
export function readOrderAnswer(text: string): OrderAnswer | null {
  return (JSON.parse(text) as { data?: OrderAnswer | null }).data ?? null;
}
