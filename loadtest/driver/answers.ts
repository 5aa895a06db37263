/**
 * The one reader of the gateway's answers on the harness side: every driver, the HTTP audit, the e2e
 * poller and the preflight read answers through here, and every answer is classified here, once. What
 * the answers look like is a target profile's (loadtest/profiles: seckill-bench, the protocol of
 * services/protocol, by default); the harness reads them leniently, since a broken answer is a finding,
 * not a crash.
 */
import { OrderStatus } from '../../services/protocol/codes.ts';
import { loadProfile, type TargetProfile } from '../profiles/profile.ts';
import type { Endpoint } from './workload.ts';

/**
 * What an answered charge request came to, as the results and the thresholds name it
 * (`latency{outcome:accepted}`). `unclassified`: an envelope whose code the target profile lists
 * nowhere (e.g. the Java demo's `"code":"10000"`, a string, read with our profile); `error`: an
 * answer that is no envelope at all (a proxy's error page, a bare server).
 */
export const Outcome = {
  ACCEPTED: 'accepted',
  SOLD_OUT: 'sold_out',
  REPEAT: 'repeat',
  REJECTED: 'rejected',
  UNCLASSIFIED: 'unclassified',
  ERROR: 'error',
  /** A scenario's product page view that got an envelope back (whatever its code). */
  PAGE_VIEW: 'page_view',
  /** A scenario's buyer polling query.do who got an envelope back (an order or none). */
  ORDER_QUERY: 'order_query',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];
export const OUTCOMES: readonly Outcome[] = Object.values(Outcome);

/**
 * Why a request failed: no answer at all (refused, reset, timeout, other socket errors), or an answer
 * that is not an envelope. A failed request has no latency: it is counted here, never as 0 ms.
 */
export const FailureCause = {
  REFUSED: 'refused',
  RESET: 'reset',
  TIMEOUT: 'timeout',
  NON_ENVELOPE: 'non_envelope',
  OTHER: 'other',
} as const;
export type FailureCause = (typeof FailureCause)[keyof typeof FailureCause];
export const FAILURE_CAUSES: readonly FailureCause[] = Object.values(FailureCause);

/** An answer, read and classified. `code` is the envelope's code as a number (`"40006"` → 40006); 0 when unclassified, failed, or not a number. */
export interface ReadAnswer {
  code: number;
  orderId: string | null;
  outcome: Outcome;
  /** Set for `error` (non_envelope); null otherwise. */
  failure: FailureCause | null;
  /** For `unclassified`: the code as it came, e.g. `"10000"` (a string), to show what the harness saw. */
  rawCode: string | null;
}

/** The cause of a request that got no answer, from node's socket error (or our own timeout). */
export function failureOf(error: unknown): FailureCause {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') return FailureCause.REFUSED;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return FailureCause.RESET;
  if (code === 'ETIMEDOUT' || (error instanceof Error && error.message === 'timeout')) return FailureCause.TIMEOUT;
  return FailureCause.OTHER;
}

/** The order view a query answer carries: its status in the protocol's words (OrderStatus), whatever the target's. */
export interface OrderAnswer {
  orderId: string;
  orderStatus: string;
}

/** A status value the profile does not list: final (not queued), and not a sale. */
export const UNKNOWN_STATUS_PREFIX = 'UNKNOWN:';

/** A value at a dotted path of a parsed JSON answer, or undefined. */
function at(doc: unknown, dotted: string): unknown {
  let v: unknown = doc;
  for (const key of dotted.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Values the profile lists, matched by type and value (10000 is not "10000"). */
const listed = (list: readonly (string | number)[], v: unknown): boolean =>
  (typeof v === 'string' || typeof v === 'number') && list.includes(v);

/**
 * A target profile's reading of answers. Built from plain data (a profile crosses into the generator
 * threads as such), so that a driver thread and the run read answers the same way.
 */
export class AnswerReader {
  private readonly classify: [Outcome, readonly (string | number)[]][];
  private readonly statuses: [string, readonly (string | number)[]][];

  constructor(readonly profile: TargetProfile) {
    const c = profile.charge;
    this.classify = [
      [Outcome.ACCEPTED, c.accepted],
      [Outcome.SOLD_OUT, c.soldOut],
      [Outcome.REPEAT, c.repeat],
      [Outcome.REJECTED, c.rejected],
    ];
    this.statuses = Object.entries(profile.query.statuses);
  }

  /** An envelope: a JSON object with the profile's code field (else the answer is a failure, non_envelope). */
  private envelopeOf(text: string): unknown {
    const doc = parseJson(text);
    return doc !== null && typeof doc === 'object' && at(doc, this.profile.code) !== undefined ? doc : undefined;
  }

  /**
   * Reads one answer's body: for a charge, an envelope with a code the profile lists, an unclassified
   * envelope, or no envelope; a page view or an order query only needs an envelope.
   */
  read(text: string, endpoint: Endpoint = 'charge', buyer?: { phone: string; prodId: string }): ReadAnswer {
    const doc = this.envelopeOf(text);
    if (doc === undefined)
      return { code: 0, orderId: null, outcome: Outcome.ERROR, failure: FailureCause.NON_ENVELOPE, rawCode: null };
    const raw = at(doc, this.profile.code);
    const code = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : 0;
    if (endpoint !== 'charge')
      return {
        code,
        orderId: null,
        outcome: endpoint === 'product' ? Outcome.PAGE_VIEW : Outcome.ORDER_QUERY,
        failure: null,
        rawCode: null,
      };
    const outcome = this.classify.find(([, list]) => listed(list, raw))?.[0];
    if (!outcome) return { code: 0, orderId: null, outcome: Outcome.UNCLASSIFIED, failure: null, rawCode: JSON.stringify(raw) };
    const orderId =
      outcome !== Outcome.ACCEPTED
        ? null
        : this.profile.charge.orderId
          ? this.orderIdOf(doc)
          : buyer
            ? orderKey(buyer.phone, buyer.prodId)
            : null;
    return { code, orderId, outcome, failure: null, rawCode: null };
  }

  /** The order id at a path of an answer (a profile without one keys the order by buyer and product: orderKey). */
  private orderIdOf(doc: unknown, where = this.profile.charge.orderId): string | null {
    if (!where) return null;
    const id = at(doc, where);
    return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
  }

  /** A query.do answer: the order, or null when the target knows no such order. Throws on a body that is not an envelope. */
  readOrder(text: string, buyer: { phone: string; prodId: string }): OrderAnswer | null {
    const doc = this.envelopeOf(text);
    if (doc === undefined) throw new Error(`query answer is no envelope: ${JSON.stringify(text.slice(0, 60))}`);
    if (listed(this.profile.query.noSuchOrder, at(doc, this.profile.code))) return null;
    const raw = at(doc, this.profile.query.status);
    if (raw === undefined || raw === null) return null;
    const status = this.statuses.find(([, list]) => listed(list, raw))?.[0] ?? `${UNKNOWN_STATUS_PREFIX}${JSON.stringify(raw)}`;
    return {
      orderId: this.orderIdOf(doc, this.profile.query.orderId) ?? orderKey(buyer.phone, buyer.prodId),
      orderStatus: status,
    };
  }

  /** Whether a body is an envelope with a message too: what preflight asks of a target. */
  isEnvelope(text: string): boolean {
    const doc = this.envelopeOf(text);
    return doc !== undefined && 'msg' in (doc as object);
  }
}

/** The order id the harness gives a queued answer without one (a profile without charge.orderId). */
export const orderKey = (phone: string, prodId: string): string => `${prodId}|${phone}`;

/** The default reader: this project's protocol (the seckill-bench profile). */
export const OUR_ANSWERS = new AnswerReader(loadProfile());

/** Reads one charge answer the protocol's way (drivers without a profile: autocannon, k6). */
export const readChargeAnswer = (text: string): ReadAnswer => OUR_ANSWERS.read(text);

/** The statuses no longer pending, in the protocol's words. */
export const isFinalStatus = (status: string): boolean => status !== OrderStatus.QUEUED;
