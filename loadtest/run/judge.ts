import type { DriverCheck } from '../driver/types.ts';
import type { Options } from '../options.ts';
import { runResultSchema, type RunResult } from '../record/schema.ts';
import { evaluateThresholds } from '../verdict/thresholds.ts';
import { verdictOf } from '../verdict/verdict.ts';
import type { Unjudged } from './assemble.ts';

/** Step 6: the run's thresholds (its limits, and the driver's own checks) and the verdict over everything. */
export function judge(run: Unjudged, options: Options, driverChecks: readonly DriverCheck[]): RunResult {
  const limits = { maxP99: options.maxP99, minRateRatio: options.minRateRatio, maxDrainMs: options.maxDrain };
  const thresholds = [...evaluateThresholds(limits, run.http, run.queue), ...driverChecks];
  return runResultSchema.parse({ ...run, thresholds, passed: verdictOf({ ...run, thresholds }).passed });
}
