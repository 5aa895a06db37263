import type { PhaseCount } from '../driver/types.ts';
import type { RunResult } from '../record/schema.ts';
import type { PlannedPhase } from './scenario.ts';

type RecordedPhase = NonNullable<RunResult['phases']>[number];

const perSecond = (n: number, ms: number) => (ms > 0 ? Math.round((n / ms) * 1000 * 10) / 10 : 0);

/** The results' `phases`: each planned phase with what the driver counted in it (zeros where it counted nothing). */
export function recordPhases(planned: readonly PlannedPhase[], counted: readonly PhaseCount[] | undefined): RecordedPhase[] {
  return planned.map((p, k) => {
    const c = counted?.[k] ?? { planned: 0, sent: 0, answered: 0, failed: 0 };
    return {
      name: p.name,
      shape: p.shape,
      startS: p.startMs / 1000,
      durationS: p.durationMs / 1000,
      fromRps: p.fromRps,
      toRps: p.toRps,
      ...(p.stepsRps ? { stepsRps: p.stepsRps } : {}),
      mix: Object.fromEntries(Object.entries(p.mix).filter((e): e is [string, number] => e[1] !== undefined)),
      planned: c.planned,
      sent: c.sent,
      answered: c.answered,
      failed: c.failed,
      plannedRps: perSecond(c.planned, p.durationMs),
      achievedRps: perSecond(c.answered, p.durationMs),
    };
  });
}
