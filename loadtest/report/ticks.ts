/**
 * Axis ticks a person reads at a glance: steps of 1, 2 or 5 × 10^k from zero (never 3201/6403 or
 * 7.75/15.5), and on a clock axis steps of whole seconds and minutes.
 */

export interface Ticks {
  /** The tick values, from the axis' start to its end (the end is a tick itself). */
  values: number[];
  step: number;
}

const STEPS = [1, 2, 5, 10];
/** Clock-axis steps in seconds: what a wall clock divides into. */
const CLOCK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

/** The smallest 1-2-5 step that covers `span` in at most `count` intervals. */
export function niceStep(span: number, count = 5): number {
  const raw = span / count;
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = STEPS.find((s) => s * magnitude >= raw * (1 - 1e-9)) ?? 10;
  return step * magnitude;
}

/**
 * Ticks over [min, max] (min usually 0). The axis runs from the tick at or below min to the tick at
 * or above max. `integer`: counted things, so no step below 1. An empty or flat range gets [min, min + 1]:
 * a series that stays at zero is drawn along the bottom, never at full height.
 */
export function niceTicks(min: number, max: number, options: { count?: number; integer?: boolean } = {}): Ticks {
  const hi = max > min ? max : min + 1;
  let step = niceStep(hi - min, options.count ?? 5);
  if (options.integer) step = Math.max(1, step);
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  for (let v = first; v <= last + step / 2; v += step) values.push(roundTo(v, step));
  return { values, step };
}

/** Clock ticks over [from, to] (unix seconds) on whole multiples of the step (UTC). */
export function clockTicks(from: number, to: number, count = 5): Ticks {
  const span = Math.max(1, to - from);
  const step = CLOCK_STEPS.find((s) => span / s <= count) ?? CLOCK_STEPS.at(-1)!;
  const values: number[] = [];
  for (let v = Math.ceil(from / step) * step; v <= to; v += step) values.push(v);
  return { values, step };
}

/** Removes float dust (0.30000000000000004) at the step's own precision. */
function roundTo(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(decimals));
}

/** A tick label: thousands separated, no more decimals than the step has. */
export function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toLocaleString('en-US', { maximumFractionDigits: decimals });
}

export const clockLabel = (t: number): string => new Date(t * 1000).toISOString().slice(11, 19);
