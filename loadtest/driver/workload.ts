/**
 * What each request carries: a pure function of its index, so that worker threads agree without
 * talking. Fresh user per request, except a `repeatRatio` share that re-sends an earlier request's
 * (user, product): a user retrying. Products are hot by a Zipf-like 1/(k+1) weight.
 */
export interface Workload {
  products: { id: string; price: string }[];
  /** Distinct users at most; fresh users wrap around after this many. */
  users: number;
  repeatRatio: number;
  seed: number;
  /** Added to every user number: back-to-back runs on one shop get users of their own. */
  userBase?: number;
}

export interface ChargeRequest {
  index: number;
  phone: string;
  prodId: string;
  price: string;
  /** True when the (user, product) was already used by an earlier request. */
  repeat: boolean;
}

/** A 32-bit integer hash to [0, 1) (splitmix-style): deterministic, no state. */
function unitHash(i: number, salt: number): number {
  let x = (Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x / 4294967296;
}

const PHONE_BASE = 13_000_000_000;

export function productCatalogue(count: number): { id: string; name: string; price: string }[] {
  return Array.from({ length: count }, (_, k) => ({
    id: `lt_p${k + 1}`,
    name: `Load test product ${k + 1}`,
    price: `${100 + k}.00`,
  }));
}

function zipfIndex(u: number, n: number): number {
  let total = 0;
  for (let k = 0; k < n; k += 1) total += 1 / (k + 1);
  let acc = 0;
  for (let k = 0; k < n; k += 1) {
    acc += 1 / (k + 1) / total;
    if (u < acc) return k;
  }
  return n - 1;
}

export function requestAt(w: Workload, index: number): ChargeRequest {
  // Follow repeats back to the fresh request they copy (j < i, so this ends).
  let origin = index;
  while (origin > 0 && unitHash(origin, w.seed) < w.repeatRatio) origin = Math.floor(unitHash(origin, w.seed + 1) * origin);
  const product = w.products[zipfIndex(unitHash(origin, w.seed + 2), w.products.length)];
  if (!product) throw new Error('workload has no products');
  return {
    index,
    phone: String(PHONE_BASE + (w.userBase ?? 0) + (origin % w.users)),
    prodId: product.id,
    price: product.price,
    repeat: origin !== index || index >= w.users,
  };
}

export function formBody(r: ChargeRequest): string {
  return `userPhoneNum=${r.phone}&prodId=${r.prodId}&chargePrice=${r.price}`;
}
