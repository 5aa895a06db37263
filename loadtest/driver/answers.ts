/**
 * The one reader of the gateway's answers on the harness side: every driver and the HTTP audit read
 * the envelope `{ code, msg, data }` through here, and every answer is classified here, once. The wire
 * shapes are the protocol's (services/protocol); the harness reads them leniently, since a broken
 * answer is a finding, not a crash.
 */
import { ResultCode } from '../../services/protocol/codes.ts';

/**
 * What an answered charge request came to, as the results and the thresholds name it
 * (`latency{outcome:accepted}`). `unclassified`: an envelope whose code is none of the protocol's
 * (e.g. the Java demo's `"code":"10000"`, a string); `error`: an answer that is no envelope at all
 * (a proxy's error page, a bare server).
 */
export const Outcome = {
  ACCEPTED: 'accepted',
  SOLD_OUT: 'sold_out',
  REPEAT: 'repeat',
  REJECTED: 'rejected',
  UNCLASSIFIED: 'unclassified',
  ERROR: 'error',
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

const KNOWN_CODES: ReadonlySet<unknown> = new Set(Object.values(ResultCode));

/** A charge answer, read and classified. `code` is 0 unless the envelope's code is one of the protocol's. */
export interface ReadAnswer {
  code: number;
  orderId: string | null;
  outcome: Outcome;
  /** Set for `error` (non_envelope); null otherwise. */
  failure: FailureCause | null;
  /** For `unclassified`: the code as it came, e.g. `"10000"` (a string), to show what the harness saw. */
  rawCode: string | null;
}

function outcomeOf(code: number): Outcome {
  if (code === ResultCode.OK) return Outcome.ACCEPTED;
  if (code === ResultCode.SOLD_OUT) return Outcome.SOLD_OUT;
  if (code === ResultCode.REPEAT_ORDER) return Outcome.REPEAT;
  return Outcome.REJECTED;
}

/** Reads one charge answer's body: an envelope with a known code, an unclassified envelope, or no envelope. */
export function readChargeAnswer(text: string): ReadAnswer {
  let envelope: { code?: unknown; msg?: unknown; data?: { orderId?: unknown } | null } | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && 'code' in parsed) envelope = parsed;
  } catch {
    // not JSON: handled below as no envelope
  }
  if (!envelope) return { code: 0, orderId: null, outcome: Outcome.ERROR, failure: FailureCause.NON_ENVELOPE, rawCode: null };
  if (typeof envelope.code !== 'number' || !KNOWN_CODES.has(envelope.code))
    return {
      code: 0,
      orderId: null,
      outcome: Outcome.UNCLASSIFIED,
      failure: null,
      rawCode: JSON.stringify(envelope.code) ?? 'undefined',
    };
  const orderId = typeof envelope.data?.orderId === 'string' ? envelope.data.orderId : null;
  return { code: envelope.code, orderId, outcome: outcomeOf(envelope.code), failure: null, rawCode: null };
}

/** The cause of a request that got no answer, from node's socket error (or our own timeout). */
export function failureOf(error: unknown): FailureCause {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') return FailureCause.REFUSED;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return FailureCause.RESET;
  if (code === 'ETIMEDOUT' || (error instanceof Error && error.message === 'timeout')) return FailureCause.TIMEOUT;
  return FailureCause.OTHER;
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

/** Whether a body is the protocol's envelope (an object with `code` and `msg`): what preflight asks of a target. */
export function isEnvelope(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && 'code' in parsed && 'msg' in parsed;
  } catch {
    return false;
  }
}
