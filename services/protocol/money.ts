/** Prices travel as decimal strings ("1200.00") and are stored and compared as integer cents. */
const PRICE = /^(0|[1-9]\d{0,8})(?:\.(\d{1,2}))?$/;

/** Parses "1200", "1200.5", "1200.00" to cents; null for anything else (negative, 3 decimals, "1e3"). */
export function parsePriceCents(text: string): number | null {
  const match = PRICE.exec(text);
  if (!match) return null;
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return Number(match[1]) * 100 + Number(fraction);
}

export function formatCents(cents: number): string {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
