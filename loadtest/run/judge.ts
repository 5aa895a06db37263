import type { DriverCheck } from '../driver/types.ts';
import type { Options } from '../options.ts';
import { runResultSchema, type RunResult } from '../record/schema.ts';
import { evaluateThresholds, thresholdSpecs } from '../verdict/thresholds.ts';
import { verdictOf } from '../verdict/verdict.ts';
import type { Unjudged } from './assemble.ts';

/**
 * Step 6: every threshold (defaults, shorthands, --config, --threshold, and the driver's own checks)
 * against the assembled results, and the verdict over everything, with its exit code.
 */
export function judge(run: Unjudged, options: Options, driverChecks: readonly DriverCheck[]): RunResult {
  const specs = thresholdSpecs({ ...options, maxDrain: options.maxDrain });
  const thresholds = [...evaluateThresholds(specs, run), ...driverChecks.map((c) => ({ ...c, source: 'driver' as const }))];
  const verdict = verdictOf({ ...run, thresholds });
  return runResultSchema.parse({ ...run, thresholds, passed: verdict.passed, exitCode: verdict.exitCode });
}
