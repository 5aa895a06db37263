import type { TargetProfile } from '../profiles/profile.ts';
import type { Distribution, LatencySummary } from '../stats.ts';
import type { FailureCause, Outcome } from './answers.ts';
import type { Schedule } from './schedule.ts';
import type { RequestKind, Workload } from './workload.ts';

/** What the gateway answered one charge request: the audit's input. */
export interface ChargeAnswer {
  index: number;
  phone: string;
  prodId: string;
  /** What the request was (a scenario's mix); absent: a charge. Only charges are audited. */
  kind?: RequestKind;
  status: number;
  /** Envelope code; 0 when there is no envelope with a known code (failed, unclassified). */
  code: number;
  orderId: string | null;
  /** What it came to (answers.ts); a failed request (no answer) is `error` with its failure cause. */
  outcome: Outcome;
  failure: FailureCause | null;
  /** For an unclassified answer: its code as it came (e.g. `"10000"`). */
  rawCode?: string | null;
  /** ms from when it was due (paced) or sent (autocannon) to its answer; null without an answer. */
  latencyMs?: number | null;
  /** Epoch ms the answer arrived. */
  answeredAt: number;
  /** Epoch ms the request was due (paced) or sent: when the buyer arrived (fairness). */
  sentAt?: number;
}

/** Which part of a run an answer belongs to: the warm-up is kept out of the results and the audit. */
export type Phase = 'warmup' | 'measure';

/**
 * The warm-up before the measured phase: the same rate (and ramp, capped at its length) on the same
 * generator threads and connections, with a workload of its own (a product the audit leaves out).
 */
interface WarmupConfig {
  durationMs: number;
  workload: Workload;
}

export interface DriverConfig {
  /** The first gateway: the one a driver that cannot spread (autocannon, k6) drives. */
  target: string;
  /**
   * Every gateway (the target first; default the target alone): the paced driver sends request i to
   * gateway i mod N, so its connections and each buyer's requests (repeats too) spread over them.
   */
  targets?: string[];
  /** How the target's API is spoken and read (the paced driver; the others speak the protocol's). */
  profile?: TargetProfile;
  schedule: Schedule;
  workload: Workload;
  warmup?: WarmupConfig;
  connections: number;
  workers: number;
  timeoutMs: number;
  /** Closed model (capacity): no rate, each connection sends its next request when the last one answered. */
  closedLoop?: boolean;
  /** Limits for a driver that judges its own run (k6's thresholds); the harness judges the rest. */
  limits?: { maxP99Ms?: number | undefined; minRateRatio?: number };
}

/** The drivers, named once: the registry (registry.ts), the options and the results schema use this list. */
export const DRIVER_NAMES = ['paced', 'autocannon', 'k6'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

/** A check a driver made of its own run (k6's thresholds), in the results' thresholds shape. */
export interface DriverCheck {
  name: string;
  limit: number;
  value: number | null;
  passed: boolean;
}

/** Latency per outcome, and every answered request's together (`all`), as compressed HDR histograms. */
export type OutcomeHistograms = Partial<Record<Outcome | 'all', string>>;

export interface DriverResult {
  driver: DriverName;
  planned: number;
  /** Requests sent. */
  requests: number;
  /** Requests that got an answer (an envelope, classified or not): requests − errors. */
  answered: number;
  /** Failed requests (no answer, or no envelope): the sum of `failures`. */
  errors: number;
  failures: Partial<Record<FailureCause, number>>;
  durationMs: number;
  /** Answered requests per second of the measured phase. */
  achievedRps: number;
  /** Sent requests per second of the measured phase. */
  sentRps: number;
  statusCodes: Record<string, number>;
  /** Every answered request (failed ones have no latency; all 0 when nothing was answered). */
  latencyMs: LatencySummary & Partial<Distribution>;
  /** Per outcome, only outcomes that occurred (empty when the driver cannot tell, e.g. k6). */
  latencyByOutcome: Partial<Record<Outcome, Distribution>>;
  histograms: OutcomeHistograms;
  /** How late requests left the generator against their schedule (paced driver only). */
  scheduleSlipMs: LatencySummary | null;
  /** The same as a compressed HDR histogram (for a threshold on any percentile), paced driver only. */
  slipHistogram?: string;
  /** Generator CPU over the run, in cores (1 = one core busy). */
  generatorCpuCores: number;
  generatorLimited: boolean;
  generatorLimitReasons: string[];
  /** The warm-up, measured apart (null: no warm-up, or the driver has none). */
  warmup: { durationMs: number; requests: number; errors: number; latencyMs: LatencySummary; sameConnections: boolean } | null;
  /** The driver's own pass/fail checks (empty for the harness's own drivers). */
  checks: DriverCheck[];
  /** A scenario's phases as sent (paced driver): per phase, requests planned, sent and answered. */
  phases?: PhaseCount[];
}

/** One scenario phase's requests, counted by the phase each request was due in. */
export interface PhaseCount {
  planned: number;
  sent: number;
  answered: number;
  failed: number;
}

/** Streamed to the run while it goes: answers in batches (for the audit, e2e sample, progress). */
export type AnswerSink = (answers: ChargeAnswer[]) => void;

/** Where a driver streams what it learns while it runs. */
export interface DriverSinks {
  /** Measured answers, in batches (the audit, the e2e sample and progress read them). */
  onAnswers: AnswerSink;
  /** Warm-up answers: never mixed with the measured ones. */
  onWarmupAnswers?: AnswerSink;
  /** Called once when the measured phase's clock starts (after the warm-up). */
  onMeasureStart?: () => void;
}

/**
 * The one driver boundary: every load generator is run the same way, and says what it can do so that
 * the run plans around it (no driver is special-cased by name outside the registry).
 */
export interface Driver {
  readonly name: DriverName;
  /** One line for --help. */
  readonly summary: string;
  /** Hands every answer back to the run (needed for the per-request audit: lost, phantom). */
  readonly answersEach: boolean;
  /** Runs a warm-up phase before the measured one. */
  readonly warmsUp: boolean;
  /** Can run closed-loop (DriverConfig.closedLoop). */
  readonly closedLoop: boolean;
  run(config: DriverConfig, sinks: DriverSinks, signal?: AbortSignal): Promise<DriverResult>;
}
