/**
 * A chaos run's scenario (one of the shipped ones, unless the load options fix the rate) and its faults (one or two, at 15–60 % of the measured phase, never two on one process at
 * once), drawn from its seed alone: the same seed gives the same schedule (which
 * process, which action, when, for how long), so a failing run is replayed with `--seed S --runs 1`.
 * When the answers interleave with the faults still depends on the machine's timing.
 */
import { random } from '../random.ts';
import { FAULT_ACTIONS, type FaultAction, type FaultTarget } from '../faults/spec.ts';

export interface ChaosShape {
  /** The measured phase's length without a scenario: faults fall in its first 60 %, so the drain after them is seen. */
  durationMs: number;
  /** Scenarios to draw one from per run, by name with their length (none: the constant rate of the load options). */
  scenarios?: Readonly<Record<string, number>>;
  gateways: number;
  orderServices: number;
  /** With --admission redis: the run's own redis-server is a target too (a kill loses its data). */
  redis: boolean;
}

export interface ChaosRunPlan {
  seed: number;
  /** The scenario this run drives (`--scenario`), or undefined for the load options' constant rate. */
  scenario: string | undefined;
  /** `--fault` specs (loadtest/faults/spec.ts), in the order they apply. */
  faults: string[];
}

/** A killed or restarted process takes a few seconds to be healthy again here: faults on one process never overlap. */
const RESTART_ALLOWANCE_MS = 3_000;

export function chaosRun(seed: number, shape: ChaosShape): ChaosRunPlan {
  const next = random(seed);
  const between = (low: number, high: number) => Math.round(low + next() * (high - low));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const names = Object.keys(shape.scenarios ?? {}).sort();
  const scenario = names.length > 0 ? pick(names) : undefined;
  const durationMs = scenario === undefined ? shape.durationMs : (shape.scenarios?.[scenario] ?? shape.durationMs);
  const count = next() < 0.5 ? 1 : 2;
  const busyUntil = new Map<string, number>();
  const faults: { atMs: number; spec: string }[] = [];
  // The broker is left out: its restart takes longer than a chaos run (use npm run load -- --fault).
  const targets: FaultTarget[] = shape.redis ? ['order', 'gateway', 'redis'] : ['order', 'gateway'];
  for (let i = 0; i < count; i += 1) {
    const action: FaultAction = pick(FAULT_ACTIONS);
    const target = pick(targets);
    const instances = target === 'gateway' ? shape.gateways : target === 'order' ? shape.orderServices : 1;
    const instance = 1 + Math.floor(next() * instances);
    const process = `${target}#${instance}`;
    const atMs = Math.max(busyUntil.get(process) ?? 0, between(Math.round(durationMs * 0.15), Math.round(durationMs * 0.6)));
    const forMs = action === 'restart' ? 0 : action === 'pause' ? between(500, 2000) : between(300, 2000);
    // The process is still coming back from the first fault until late in the phase: one fault only.
    if (atMs > durationMs * 0.8) continue;
    busyUntil.set(process, atMs + forMs + RESTART_ALLOWANCE_MS);
    const name = instances > 1 ? process : target;
    faults.push({ atMs, spec: `${action}:${name}@${atMs}ms${action === 'restart' ? '' : `+${forMs}ms`}` });
  }
  faults.sort((a, b) => a.atMs - b.atMs);
  return { seed, scenario, faults: faults.map((f) => f.spec) };
}
