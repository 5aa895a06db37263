import { z } from 'zod';
import { PHONE, PRODUCT_ID } from './schemas.ts';

export const MESSAGE_VERSION = 1;

/**
 * The order message, gateway → order service. The demo's {header:{version, topicName},
 * body:{orderId, userPhoneNo, prodId, chargeMoney}} plus the time it was enqueued (ms since epoch),
 * so the order service can measure queue time. Money is in integer cents.
 */
const orderMessageSchema = z.object({
  header: z.object({
    version: z.literal(MESSAGE_VERSION),
    topicName: z.string().min(1).max(127),
    enqueuedAt: z.number().int().positive(),
  }),
  body: z.object({
    orderId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
    userPhoneNo: z.string().regex(PHONE),
    prodId: z.string().regex(PRODUCT_ID),
    chargeMoney: z.number().int().nonnegative(),
  }),
});
export type OrderMessage = z.infer<typeof orderMessageSchema>;

export function encodeOrderMessage(message: OrderMessage): string {
  return JSON.stringify(message);
}

type DecodeResult = { ok: true; message: OrderMessage } | { ok: false; reason: string };

/** Never throws: a message that is not JSON or not an order message is reported with its reason. */
export function decodeOrderMessage(payload: string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const parsed = orderMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `invalid order message: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'}` };
  }
  return { ok: true, message: parsed.data };
}
