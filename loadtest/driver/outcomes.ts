/**
 * Latency by outcome and failures by cause, as every driver keeps them: one HDR histogram per outcome
 * (made when that outcome first occurs), a count per failure cause. A failed request that got no
 * answer has no latency (never 0 ms); a non-envelope answer keeps its time under `error`, apart from
 * the answered ones.
 */
import type * as hdr from 'hdr-histogram-js';
import {
  distributionOf,
  encodeHistogram,
  mergeHistograms,
  newHistogram,
  recordMs,
  summarize,
  type Distribution,
  type LatencySummary,
} from '../stats.ts';
import { Outcome, OUTCOMES, type FailureCause } from './answers.ts';
import type { OutcomeHistograms } from './types.ts';

/** What one recorder (a generator thread, a phase) hands over: encoded, so that it crosses threads. */
export interface OutcomeReport {
  latency: OutcomeHistograms;
  failures: Partial<Record<FailureCause, number>>;
}

/** Outcomes whose answers count as answered (an envelope came back): all but `error`. */
const ANSWERED: readonly Outcome[] = OUTCOMES.filter((o) => o !== Outcome.ERROR);

export class OutcomeRecorder {
  private readonly latency: Partial<Record<Outcome, hdr.Histogram>> = {};
  private readonly failures: Partial<Record<FailureCause, number>> = {};

  /** One request: its outcome, its latency (null when no answer came), and its failure cause if it failed. */
  record(outcome: Outcome, ms: number | null, failure: FailureCause | null): void {
    if (ms !== null) recordMs((this.latency[outcome] ??= newHistogram()), ms);
    if (failure) this.failures[failure] = (this.failures[failure] ?? 0) + 1;
  }

  report(): OutcomeReport {
    const latency: OutcomeHistograms = {};
    for (const [outcome, h] of Object.entries(this.latency) as [Outcome, hdr.Histogram][]) latency[outcome] = encodeHistogram(h);
    return { latency, failures: { ...this.failures } };
  }
}

export interface OutcomeTally {
  answered: number;
  errors: number;
  failures: Partial<Record<FailureCause, number>>;
  /** Every answered request (all outcomes but `error`); count…p95 only when there were any. */
  latencyMs: LatencySummary & Partial<Distribution>;
  latencyByOutcome: Partial<Record<Outcome, Distribution>>;
  histograms: OutcomeHistograms;
}

/** Merges the recorders' reports (threads, instances) into the run's figures; `requests` = sent. */
export function tallyOutcomes(reports: readonly OutcomeReport[], requests: number): OutcomeTally {
  const failures: Partial<Record<FailureCause, number>> = {};
  for (const r of reports)
    for (const [cause, n] of Object.entries(r.failures) as [FailureCause, number][]) failures[cause] = (failures[cause] ?? 0) + n;
  const errors = Object.values(failures).reduce((a, b) => a + b, 0);
  const latencyByOutcome: Partial<Record<Outcome, Distribution>> = {};
  const histograms: OutcomeHistograms = {};
  const all = newHistogram();
  for (const outcome of OUTCOMES) {
    const encoded = reports.map((r) => r.latency[outcome]).filter((e): e is string => e !== undefined);
    if (encoded.length === 0) continue;
    const merged = mergeHistograms(encoded);
    const distribution = distributionOf(merged);
    if (!distribution) continue;
    latencyByOutcome[outcome] = distribution;
    histograms[outcome] = encodeHistogram(merged);
    if (ANSWERED.includes(outcome)) all.add(merged);
  }
  if (all.totalCount > 0) histograms.all = encodeHistogram(all);
  return {
    answered: requests - errors,
    errors,
    failures,
    latencyMs: { ...summarize(all), ...distributionOf(all) },
    latencyByOutcome,
    histograms,
  };
}
