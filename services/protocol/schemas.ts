import { z } from 'zod';
import { parsePriceCents } from './money.ts';

/** Mainland China mobile numbers, as in the demo: 11 digits starting 13-19. */
export const PHONE = /^1[3-9]\d{9}$/;
/** Product ids are short ASCII slugs: keeps them safe as metric labels and log fields. */
export const PRODUCT_ID = /^[A-Za-z0-9_-]{1,32}$/;

const phone = z.string({ error: 'userPhoneNum is required' }).regex(PHONE, 'userPhoneNum must be 11 digits starting 13-19');
const productId = z.string({ error: 'prodId is required' }).regex(PRODUCT_ID, 'prodId must be 1-32 letters, digits, _ or -');

/** POST /api/charge.do. Form fields arrive as strings; JSON clients may send the price as a number. */
export const chargeRequestSchema = z.object({
  userPhoneNum: phone,
  prodId: productId,
  chargePrice: z
    .union([z.string().max(16), z.number().finite()], { error: 'chargePrice is required' })
    .transform((value, ctx) => {
      const cents = parsePriceCents(typeof value === 'number' ? value.toFixed(2) : value);
      if (cents === null) {
        ctx.addIssue({ code: 'custom', message: 'chargePrice must be a decimal with at most 2 places, e.g. 1200.00' });
        return z.NEVER;
      }
      return cents;
    }),
});
export type ChargeRequest = z.infer<typeof chargeRequestSchema>;

/** GET /api/query.do. */
export const queryRequestSchema = z.object({ userPhoneNum: phone, prodId: productId });

/** The first issue's message, for the envelope's msg: one clear reason. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  return issue.message;
}
