/**
 * What each request carries: a pure function of its index, so that worker threads agree without
 * talking. Fresh user per request, except a `repeatRatio` share that re-sends an earlier request's
 * (user, product): a user retrying. Products are hot by a Zipf-like 1/(k+1) weight.
 *
 * A scenario (loadtest/scenarios) adds phases, each with its request mix: product page views, charges
 * of several kinds, and buyers polling query.do. Which phase request i is in is known from its index
 * alone (`phases[].from`, worked out from the schedule once), so the mix stays a function of i.
 */
import { formatCents, parsePriceCents } from '../../services/protocol/money.ts';

export const REQUEST_KINDS = ['buy', 'repeat', 'wrongPrice', 'bot', 'view', 'query'] as const;
/**
 * buy: a buyer as without a scenario (fresh, or a --repeat-ratio retry); repeat: an earlier buyer
 * again, same product; wrongPrice: a fresh buyer one cent off the price (refused, takes no unit);
 * bot: one of a few phones hammering every product; view: GET the product page; query: an earlier
 * request's buyer polling for their order.
 */
export type RequestKind = (typeof REQUEST_KINDS)[number];
/** Relative weights of the kinds in a phase (they need not add up to anything). */
export type RequestMix = Partial<Record<RequestKind, number>>;
/** Which endpoint a kind goes to. */
export type Endpoint = 'charge' | 'query' | 'product';
export const endpointOf = (kind: RequestKind): Endpoint => (kind === 'view' ? 'product' : kind === 'query' ? 'query' : 'charge');

export interface WorkloadPhase {
  /** Index of the phase's first request. */
  from: number;
  mix: RequestMix;
}

export interface Workload {
  products: { id: string; price: string }[];
  /** Distinct users at most; fresh users wrap around after this many. */
  users: number;
  repeatRatio: number;
  seed: number;
  /** Added to every user number: back-to-back runs on one shop get users of their own. */
  userBase?: number;
  /** A scenario's phases, in order (absent: every request a `buy`). */
  phases?: WorkloadPhase[];
  /** Distinct phones the `bot` kind uses (default 1). */
  bots?: number;
}

export interface ChargeRequest {
  index: number;
  kind: RequestKind;
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
/** Bots' phones: apart from every buyer's (buyers count up from PHONE_BASE). */
const BOT_PHONE_BASE = 19_900_000_000;
/** How many earlier requests a poller tries to find a buyer's charge among, before it polls a viewer. */
const POLL_TRIES = 8;
const CHARGING: ReadonlySet<RequestKind> = new Set(['buy', 'repeat', 'bot']);

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

/** The phase request `index` falls in (0 without phases). */
export function phaseOfRequest(w: Workload, index: number): number {
  const phases = w.phases ?? [];
  let k = 0;
  while (k + 1 < phases.length && (phases[k + 1]?.from ?? Infinity) <= index) k += 1;
  return k;
}

export function kindAt(w: Workload, index: number): RequestKind {
  const mix = w.phases?.[phaseOfRequest(w, index)]?.mix;
  if (!mix) return 'buy';
  const weights = REQUEST_KINDS.map((k) => mix[k] ?? 0);
  const total = weights.reduce((a, b) => a + b, 0);
  let u = unitHash(index, w.seed + 3) * total;
  for (let k = 0; k < REQUEST_KINDS.length; k += 1) {
    u -= weights[k] ?? 0;
    if (u < 0) return REQUEST_KINDS[k] ?? 'buy';
  }
  return 'buy';
}

const productAt = (w: Workload, origin: number) => {
  const product = w.products[zipfIndex(unitHash(origin, w.seed + 2), w.products.length)];
  if (!product) throw new Error('workload has no products');
  return product;
};
const phoneOf = (w: Workload, origin: number) => String(PHONE_BASE + (w.userBase ?? 0) + (origin % w.users));

/** A buyer as without a scenario: fresh, or (a --repeat-ratio share) an earlier request's (user, product) again. */
function buyerAt(w: Workload, index: number): ChargeRequest {
  // Follow repeats back to the fresh request they copy (j < i, so this ends).
  let origin = index;
  while (origin > 0 && unitHash(origin, w.seed) < w.repeatRatio) origin = Math.floor(unitHash(origin, w.seed + 1) * origin);
  const product = productAt(w, origin);
  return {
    index,
    kind: 'buy',
    phone: phoneOf(w, origin),
    prodId: product.id,
    price: product.price,
    repeat: origin !== index || index >= w.users,
  };
}

/** A price one cent above: the shop looks the product up and refuses the price, taking no unit. */
export const centOff = (price: string): string => formatCents((parsePriceCents(price) ?? 0) + 1);

/** An earlier request whose kind charges (tried a few times; else the last one tried). */
function earlierCharge(w: Workload, index: number, salt: number): number {
  let j = 0;
  for (let t = 0; t < POLL_TRIES; t += 1) {
    j = Math.floor(unitHash(index, w.seed + salt + t) * index);
    if (CHARGING.has(kindAt(w, j))) break;
  }
  return j;
}

export function requestAt(w: Workload, index: number): ChargeRequest {
  const kind = kindAt(w, index);
  switch (kind) {
    case 'buy':
      return buyerAt(w, index);
    case 'repeat':
      return index === 0 ? buyerAt(w, 0) : { ...requestAt(w, earlierCharge(w, index, 4)), index, kind, repeat: true };
    case 'wrongPrice': {
      const fresh = buyerAt({ ...w, repeatRatio: 0 }, index);
      return { ...fresh, kind, price: centOff(fresh.price) };
    }
    case 'bot': {
      const product = productAt(w, index);
      const phone = String(BOT_PHONE_BASE + Math.floor(unitHash(index, w.seed + 5) * (w.bots ?? 1)));
      return { index, kind, phone, prodId: product.id, price: product.price, repeat: true };
    }
    case 'view': {
      const product = productAt(w, index);
      return { index, kind, phone: phoneOf(w, index), prodId: product.id, price: product.price, repeat: false };
    }
    case 'query': {
      // A buyer polls for an order: an earlier charge's buyer, found among a few earlier requests
      // (else an earlier viewer, who has no order: the shop's "no such order" answer is timed too).
      if (index === 0) return { ...buyerAt(w, 0), kind, repeat: false };
      return { ...requestAt(w, earlierCharge(w, index, 16)), index, kind, repeat: true };
    }
  }
}

/** The field names a charge is sent with: the protocol's unless a target profile says otherwise. */
export interface FormFields {
  phone: string;
  product: string;
  price: string;
}
const OUR_FIELDS: FormFields = { phone: 'userPhoneNum', product: 'prodId', price: 'chargePrice' };

export function formBody(r: ChargeRequest, fields: FormFields = OUR_FIELDS): string {
  return `${fields.phone}=${r.phone}&${fields.product}=${r.prodId}&${fields.price}=${r.price}`;
}
