/**
 * The open-model arrival schedule: when request i is due, in ms from the start. The rate rises
 * linearly from 0 to `rps` over `rampMs`, then holds. Pure, so every worker thread computes the same
 * schedule and takes every W-th request of it (even spacing survives the split).
 */
export interface Schedule {
  rps: number;
  durationMs: number;
  rampMs: number;
}

/** Requests due in [0, t): the integral of the rate. */
export function dueBy(s: Schedule, tMs: number): number {
  const t = Math.min(Math.max(tMs, 0), s.durationMs);
  const perMs = s.rps / 1000;
  if (s.rampMs <= 0) return Math.floor(perMs * t);
  if (t <= s.rampMs) return Math.floor((perMs * t * t) / (2 * s.rampMs));
  return Math.floor((perMs * s.rampMs) / 2 + perMs * (t - s.rampMs));
}

export function plannedRequests(s: Schedule): number {
  return dueBy(s, s.durationMs);
}

/** Intended send time of request i (0-based): the inverse of dueBy. */
export function intendedAt(s: Schedule, i: number): number {
  const perMs = s.rps / 1000;
  const n = i + 1;
  const rampCount = (perMs * s.rampMs) / 2;
  if (s.rampMs > 0 && n <= rampCount) return Math.sqrt((2 * n * s.rampMs) / perMs);
  return s.rampMs + (n - rampCount) / perMs;
}

/**
 * The warm-up's schedule: the target rate for the warm-up's length, with the run's ramp capped at
 * that length (a run that ramps warms up ramping too). Null without a warm-up.
 */
export function warmupSchedule(config: { schedule: Schedule; warmup?: { durationMs: number } | undefined }): Schedule | null {
  const w = config.warmup;
  if (!w || w.durationMs <= 0) return null;
  return { rps: config.schedule.rps, durationMs: w.durationMs, rampMs: Math.min(config.schedule.rampMs, w.durationMs) };
}
