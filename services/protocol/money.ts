/** Prices travel as decimal strings ("1200.00") and are stored and compared as integer cents. */
const PRICE = /^(0|[1-9]\d{0,8})(?:\.(\d{1,2}))?$/;

/** Parses "1200", "1200.5", "1200.00" to cents; null for anything else (negative, 3 decimals, "1e3"). */
export function parsePriceCents(text: string): number | null {
  const match = PRICE.exec(text);
  if (!match) return null;
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return Number(match[1]) * 100 + Number(fraction);
}

/**
 * A JSON number price to cents, exactly or not at all: the number's shortest decimal form (what
 * String() gives, the text it round-trips to) must itself be a valid price, so 1200 and 1200.0 are
 * 1200.00, while 1199.999 and 1200.004 are refused instead of being rounded to a price they are not.
 */
export function priceCentsOfNumber(value: number): number | null {
  return Number.isFinite(value) ? parsePriceCents(String(value)) : null;
}

export function formatCents(cents: number): string {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
