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

export interface DriverConfig {
  target: string;
  schedule: Schedule;
  workload: Workload;
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
}

/** Streamed to the run while it goes: answers in batches (for the audit, e2e sample, progress). */
export type AnswerSink = (answers: ChargeAnswer[]) => void;
