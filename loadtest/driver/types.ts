import type { LatencySummary } from '../stats.ts';
import type { Schedule } from './schedule.ts';
import type { Workload } from './workload.ts';

/** What the gateway answered one charge request: the audit's input. */
export interface ChargeAnswer {
  index: number;
  phone: string;
  prodId: string;
  status: number;
  /** Envelope code; 0 when the request failed without an envelope (socket error, timeout). */
  code: number;
  orderId: string | null;
  /** Epoch ms the answer arrived. */
  answeredAt: number;
}

/** Which part of a run an answer belongs to: the warm-up is kept out of the results and the audit. */
export type Phase = 'warmup' | 'measure';

/**
 * The warm-up before the measured phase: the same rate (and ramp, capped at its length) on the same
 * generator threads and connections, with a workload of its own (a product the audit leaves out).
 */
export interface WarmupConfig {
  durationMs: number;
  workload: Workload;
}

export interface DriverConfig {
  target: string;
  schedule: Schedule;
  workload: Workload;
  warmup?: WarmupConfig;
  connections: number;
  workers: number;
  timeoutMs: number;
}

export interface DriverResult {
  driver: 'paced' | 'autocannon' | 'k6';
  planned: number;
  requests: number;
  errors: number;
  durationMs: number;
  achievedRps: number;
  statusCodes: Record<string, number>;
  latencyMs: LatencySummary;
  /** How late requests left the generator against their schedule (paced driver only). */
  scheduleSlipMs: LatencySummary | null;
  /** Generator CPU over the run, in cores (1 = one core busy). */
  generatorCpuCores: number;
  generatorLimited: boolean;
  generatorLimitReasons: string[];
  /** The warm-up, measured apart (null: no warm-up, or the driver has none). */
  warmup: { durationMs: number; requests: number; errors: number; latencyMs: LatencySummary; sameConnections: boolean } | null;
}

/** Streamed to the run while it goes: answers in batches (for the audit, e2e sample, progress). */
export type AnswerSink = (answers: ChargeAnswer[]) => void;

/** What a driver tells the run besides the measured answers. */
export interface DriverHooks {
  /** Warm-up answers: never mixed with the measured ones. */
  onWarmupAnswers?: AnswerSink;
  /** Called once when the measured phase's clock starts (after the warm-up). */
  onMeasureStart?: () => void;
}
