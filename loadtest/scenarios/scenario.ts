/**
 * Scenarios as data (`--scenario NAME|FILE`; the shipped ones are the YAML files beside this module),
 * as OpenMessaging Benchmark keeps its workloads in workloads/*.yaml: a list of phases, each with a
 * duration, an arrival-rate shape and a request mix. Rates are relative: the highest of the scenario
 * becomes --rps, every other rate is scaled with it. A scenario may also set the shop (products,
 * stock) unless the command line does, and carry `faults:` in --fault's own form (faults/spec.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDuration } from '../duration.ts';
import type { RateSegment } from '../driver/schedule.ts';
import { REQUEST_KINDS, type RequestMix } from '../driver/workload.ts';
import { parseFault } from '../faults/spec.ts';
import { readYamlFile, resolveYaml, shippedIn } from '../dataFile.ts';

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration above 0 (e.g. 5s, 500ms, 1m)` });
    return z.NEVER;
  }
  return ms;
});
const rate = z.number().min(0, 'a rate is 0 or more');
/** constant: a number; ramp: {from, to}; step: {steps: [...]}, the phase's duration split evenly between them. */
const rateShape = z.union(
  [
    rate,
    z.strictObject({ from: rate, to: rate }),
    z.strictObject({ steps: z.array(rate).min(2, 'a step shape has 2 or more steps') }),
  ],
  { error: 'expected a rate: a number (constant), {from, to} (ramp) or {steps: [...]} (step)' },
);
const mix = z
  .strictObject(
    Object.fromEntries(REQUEST_KINDS.map((k) => [k, z.number().min(0).optional()])) as Record<
      (typeof REQUEST_KINDS)[number],
      z.ZodOptional<z.ZodNumber>
    >,
  )
  .refine((m) => Object.values(m).some((w) => (w ?? 0) > 0), `give at least one of ${REQUEST_KINDS.join(', ')} a weight above 0`);

export const scenarioSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    products: z.number().int().min(1).max(100).optional(),
    stock: z.number().int().min(0).optional(),
    /** Distinct phones the `bot` kind uses (default 1). */
    bots: z.number().int().min(1).optional(),
    faults: z
      .array(
        z.string().superRefine((text, ctx) => {
          try {
            parseFault(text);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
          }
        }),
      )
      .optional(),
    phases: z
      .array(z.strictObject({ name: z.string().min(1), duration, rate: rateShape, mix }))
      .min(1, 'a scenario has at least one phase'),
  })
  .refine((s) => s.phases.some((p) => peakOf(p.rate) > 0), {
    message: 'every phase has rate 0: nothing would be sent',
    path: ['phases'],
  });
export type Scenario = z.infer<typeof scenarioSchema>;
type RateShape = z.infer<typeof rateShape>;

function peakOf(r: RateShape): number {
  return typeof r === 'number' ? r : 'steps' in r ? Math.max(...r.steps) : Math.max(r.from, r.to);
}

export const SCENARIO_DIR = path.dirname(fileURLToPath(import.meta.url));

export const shippedScenarios = (): string[] => shippedIn(SCENARIO_DIR);

/** A shipped scenario's name or a file: read and validated (DataFileError names every bad field). */
export function loadScenario(nameOrFile: string): Scenario & { file: string } {
  const file = resolveYaml(nameOrFile, SCENARIO_DIR, '--scenario');
  return { ...readYamlFile(file, scenarioSchema, '--scenario'), file };
}

/** A phase as the run plans and records it: its rates in requests/s at this run's --rps. */
export interface PlannedPhase {
  name: string;
  shape: 'constant' | 'ramp' | 'step';
  /** ms from the measured phase's start. */
  startMs: number;
  durationMs: number;
  fromRps: number;
  toRps: number;
  /** Each step's rate (step shape only). */
  stepsRps?: number[];
  mix: RequestMix;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** The scenario at a peak of `rps`: its phases, and the schedule's rate segments. */
export function planScenario(s: Scenario, rps: number): { phases: PlannedPhase[]; segments: RateSegment[]; durationMs: number } {
  const factor = rps / Math.max(...s.phases.map((p) => peakOf(p.rate)));
  const phases: PlannedPhase[] = [];
  const segments: RateSegment[] = [];
  let startMs = 0;
  s.phases.forEach((p, phase) => {
    const r = p.rate;
    const base = { name: p.name, startMs, durationMs: p.duration, mix: p.mix };
    if (typeof r === 'number') {
      phases.push({ ...base, shape: 'constant', fromRps: round(r * factor), toRps: round(r * factor) });
      segments.push({ durationMs: p.duration, fromRps: r * factor, toRps: r * factor, phase });
    } else if ('steps' in r) {
      const steps = r.steps.map((v) => v * factor);
      phases.push({
        ...base,
        shape: 'step',
        fromRps: round(steps[0] ?? 0),
        toRps: round(steps.at(-1) ?? 0),
        stepsRps: steps.map(round),
      });
      // Whole milliseconds per step; the last one takes the remainder, so the phase keeps its length.
      const each = Math.floor(p.duration / steps.length);
      steps.forEach((v, k) =>
        segments.push({ durationMs: k === steps.length - 1 ? p.duration - each * k : each, fromRps: v, toRps: v, phase }),
      );
    } else {
      phases.push({ ...base, shape: 'ramp', fromRps: round(r.from * factor), toRps: round(r.to * factor) });
      segments.push({ durationMs: p.duration, fromRps: r.from * factor, toRps: r.to * factor, phase });
    }
    startMs += p.duration;
  });
  return { phases, segments, durationMs: startMs };
}
