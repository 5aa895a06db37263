import type { RunResult } from '../record/schema.ts';
import type { FaultRun } from './injector.ts';

/** The results' `faults` block: epoch times made relative to the measured phase's start. */
export function faultFigures(runs: readonly FaultRun[], measureStart: number): NonNullable<RunResult['faults']> {
  const atS = (epochMs: number | null) => (epochMs === null ? null : Math.round((epochMs - measureStart) / 100) / 10);
  const after = (from: number | null, to: number | null) => (from === null || to === null ? null : Math.max(0, to - from));
  return runs.map((run) => ({
    spec: run.spec.text,
    action: run.spec.action,
    target: run.spec.target,
    instance: run.spec.instance,
    plannedAtS: run.spec.atMs / 1000,
    forS: run.spec.forMs / 1000,
    appliedAtS: atS(run.appliedAt),
    backAtS: atS(run.backAt),
    errors: run.errors,
    unavailable: run.unavailable,
    acceptAnsweredAfterMs: after(run.appliedAt, run.acceptAnsweredAt),
    lagZeroAfterMs: after(run.appliedAt, run.lagZeroAt),
    error: run.error,
  }));
}
