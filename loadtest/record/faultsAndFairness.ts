/** Parts of the results file (schema.ts) about the sale itself: who got the units, and the faults injected. */
import { z } from 'zod';
import { FAULT_ACTIONS, FAULT_TARGETS } from '../faults/spec.ts';

/**
 * Did the units go to the first buyers? (absent in older files; a figure, not a check unless a
 * `fairness` threshold names it). Per product: distinct `buyers` (by their first request, due time),
 * `winners` (a successful order), `refused` (told sold out, no unit); `firstComeShare`: winners whose
 * first request came before the first refused buyer's, over winners (1 = strict first come, first
 * served; null: no winner or nobody refused); `winnerRank`: the winners' arrival ranks among the
 * buyers (1 = first; under strict FCFS max = winners). `lowestShare`: the lowest share of all products.
 */
export const fairnessSchema = z.object({
  lowestShare: z.number().nullable(),
  products: z.array(
    z.object({
      id: z.string(),
      buyers: z.number(),
      winners: z.number(),
      refused: z.number(),
      firstComeShare: z.number().nullable(),
      winnerRank: z.object({ p50: z.number(), p90: z.number(), max: z.number() }).nullable(),
    }),
  ),
});

/**
 * The --fault injections (absent in older files and without --fault), times from the measured
 * phase's start: `plannedAtS`, `forS` as asked; `appliedAtS` and `backAtS` (restarted and healthy,
 * or continued) as done (null: not done, `error` says why); `errors` (failed requests) and
 * `unavailable` (503 answers) from applied to back; `acceptAnsweredAfterMs`: applied → the first
 * accepted / sold-out / repeat answer to a request sent after it; `lagZeroAfterMs`: applied → the
 * first sample after it was back whose order-service lag gauge read 0 (null: not seen).
 */
export const faultsSchema = z.array(
  z.object({
    spec: z.string(),
    action: z.enum(FAULT_ACTIONS),
    target: z.enum(FAULT_TARGETS),
    /** Which of the target's processes, from 1 (absent in older files: the only one). */
    instance: z.number().int().min(1).optional(),
    plannedAtS: z.number(),
    forS: z.number(),
    appliedAtS: z.number().nullable(),
    backAtS: z.number().nullable(),
    errors: z.number(),
    unavailable: z.number(),
    acceptAnsweredAfterMs: z.number().nullable(),
    lagZeroAfterMs: z.number().nullable(),
    error: z.string().nullable(),
  }),
);
