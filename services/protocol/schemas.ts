import { z } from 'zod';
import { ResultCode } from './codes.ts';
import { parsePriceCents, priceCentsOfNumber } from './money.ts';

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
      const cents = typeof value === 'number' ? priceCentsOfNumber(value) : parsePriceCents(value);
      if (cents === null) {
        ctx.addIssue({ code: 'custom', message: 'chargePrice must be a decimal with at most 2 places, e.g. 1200.00' });
        return z.NEVER;
      }
      return cents;
    }),
});
export type ChargeRequest = z.infer<typeof chargeRequestSchema>;

/** A charge body's fields, checked: the request, or why not with its result code. */
export type ChargeCheck =
  { ok: true; request: ChargeRequest } | { ok: false; code: typeof ResultCode.INVALID_PARAMS; reason: string };

export function checkChargeRequest(fields: unknown): ChargeCheck {
  const parsed = chargeRequestSchema.safeParse(fields);
  if (parsed.success) return { ok: true, request: parsed.data };
  return { ok: false, code: ResultCode.INVALID_PARAMS, reason: firstIssue(parsed.error) };
}

/** A charge has three fields; a body with more than this many is refused. */
export const MAX_FIELDS = 16;
/** Names that reach an object's prototype machinery, never a field of ours: refused in form and JSON alike. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why a key of a body's object is refused, or null; `seen` holds the keys before it in the same
 * object. The same rules for form and JSON (at any depth): a key given twice is refused (JSON too,
 * where JSON.parse would silently keep the last), so no two readers can take different values from
 * one body; and a prototype key is refused outright.
 */
export function keyProblem(key: string, seen: ReadonlySet<string>): string | null {
  if (PROTOTYPE_KEYS.has(key)) return `field ${shown(key)} is not allowed`;
  if (seen.has(key)) return `field ${shown(key)} given twice`;
  return null;
}

/** A key as a reason shows it: quoted, escaped, cut to 32 characters. */
const shown = (key: string) => JSON.stringify(key.slice(0, 32));

/** GET /api/query.do. */
export const queryRequestSchema = z.object({ userPhoneNum: phone, prodId: productId });

/** GET /api/product.do. */
export const productRequestSchema = z.object({ prodId: productId });

/** The first issue's message, for the envelope's msg: one clear reason. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  return issue.message;
}
