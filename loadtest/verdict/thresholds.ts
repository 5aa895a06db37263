import type { ThresholdRow } from './verdict.ts';

interface ThresholdLimits {
  maxP99?: number | undefined;
  minRateRatio: number;
  maxDrainMs?: number | undefined;
}

/** What the thresholds read of a run. */
type HttpFigures = { achievedRps: number; plannedRps: number; latencyMs: { p99: number } };
type QueueFigures = { drainSeconds: number | null };

/** The run's limits, each with the measured value: rows for the verdict (verdict.ts) and the results file. */
export function evaluateThresholds(limits: ThresholdLimits, http: HttpFigures, queue: QueueFigures): ThresholdRow[] {
  const out: ThresholdRow[] = [];
  const ratio = http.plannedRps === 0 ? 1 : Number((http.achievedRps / http.plannedRps).toFixed(3));
  out.push({
    name: 'achieved/planned rate (min-rate-ratio)',
    limit: limits.minRateRatio,
    value: ratio,
    passed: ratio >= limits.minRateRatio,
  });
  if (limits.maxP99 !== undefined) {
    out.push({
      name: 'charge latency p99 ms (max-p99)',
      limit: limits.maxP99,
      value: http.latencyMs.p99,
      passed: http.latencyMs.p99 <= limits.maxP99,
    });
  }
  if (limits.maxDrainMs !== undefined) {
    const limit = limits.maxDrainMs / 1000;
    out.push({
      name: 'queue drain s (max-drain)',
      limit,
      value: queue.drainSeconds,
      passed: queue.drainSeconds !== null && queue.drainSeconds <= limit,
    });
  }
  return out;
}
