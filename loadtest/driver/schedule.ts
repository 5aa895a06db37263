/**
 * The open-model arrival schedule: when request i is due, in ms from the start. The rate is a chain
 * of linear segments: by default a rise from 0 to `rps` over `rampMs`, then `rps` held; a scenario
 * (loadtest/scenarios) gives its phases' segments instead. Pure, so every worker thread computes the
 * same schedule and takes every W-th request of it (even spacing survives the split), and request i's
 * due time is the same whichever phase it falls in: latency runs from it across phase changes too.
 */
export interface Schedule {
  /** The peak rate, requests/s. */
  rps: number;
  durationMs: number;
  rampMs: number;
  /** A scenario's rate, segment by segment (their durations add up to durationMs); rampMs is then 0. */
  segments?: RateSegment[];
}

/** The rate rising (or falling, or held) linearly from `fromRps` to `toRps` over `durationMs`. */
export interface RateSegment {
  durationMs: number;
  fromRps: number;
  toRps: number;
  /** Which scenario phase the segment belongs to (a step shape is several segments of one phase). */
  phase: number;
}

/** Requests due are counted with this slack, so that float sums such as 0.1 + 0.2 land on whole requests. */
const EPSILON = 1e-6;

export function segmentsOf(s: Schedule): RateSegment[] {
  if (s.segments) return s.segments;
  const ramp = Math.min(Math.max(0, s.rampMs), s.durationMs);
  const held = { durationMs: s.durationMs - ramp, fromRps: s.rps, toRps: s.rps, phase: 0 };
  return ramp > 0 ? [{ durationMs: ramp, fromRps: 0, toRps: s.rps, phase: 0 }, held] : [held];
}

/** Requests due in the first x ms of a segment: the integral of its rate. */
function area(seg: RateSegment, x: number): number {
  const a = seg.fromRps / 1000;
  const b = seg.toRps / 1000;
  return seg.durationMs <= 0 ? 0 : a * x + ((b - a) * x * x) / (2 * seg.durationMs);
}

/** Requests due in [0, t): the integral of the rate. */
export function dueBy(s: Schedule, tMs: number): number {
  const t = Math.min(Math.max(tMs, 0), s.durationMs);
  let start = 0;
  let due = 0;
  for (const seg of segmentsOf(s)) {
    if (t <= start) break;
    due += area(seg, Math.min(t - start, seg.durationMs));
    start += seg.durationMs;
  }
  return Math.floor(due + EPSILON);
}

export function plannedRequests(s: Schedule): number {
  return dueBy(s, s.durationMs);
}

/** Intended send time of request i (0-based): the inverse of dueBy. */
export function intendedAt(s: Schedule, i: number): number {
  const n = i + 1;
  let start = 0;
  let before = 0;
  const segments = segmentsOf(s);
  for (const seg of segments) {
    const inSegment = area(seg, seg.durationMs);
    if (inSegment > 0 && n <= before + inSegment + EPSILON) {
      // Solve a·x + k·x² = m for x in the segment (k < 0 when the rate falls); the form 2m / (a + √…)
      // stays exact when a is 0 (a rise from nothing) and when k is 0 (a constant rate).
      const m = n - before;
      const a = seg.fromRps / 1000;
      const k = (seg.toRps / 1000 - a) / (2 * seg.durationMs);
      const x = (2 * m) / (a + Math.sqrt(Math.max(0, a * a + 4 * k * m)));
      return start + Math.min(x, seg.durationMs);
    }
    before += inSegment;
    start += seg.durationMs;
  }
  // Past the schedule's end: at the last rate (callers only ask this of the next request, to sleep until it).
  const last = (segments.at(-1)?.toRps ?? s.rps) / 1000;
  return last > 0 ? start + (n - before) / last : Number.POSITIVE_INFINITY;
}

/**
 * The scenario phase a request due at t ms falls in (0 without a scenario). A request due exactly at a
 * phase's end is that phase's: dueBy counts it there (the phase's planned requests include it).
 */
export function phaseAt(s: Schedule, tMs: number): number {
  let end = 0;
  const segments = segmentsOf(s);
  for (const seg of segments) {
    end += seg.durationMs;
    if (tMs <= end + EPSILON) return seg.phase;
  }
  return segments.at(-1)?.phase ?? 0;
}

/**
 * The warm-up's schedule: the target rate for the warm-up's length, with the run's ramp capped at
 * that length (a run that ramps warms up ramping too); a scenario warms up at its first phase's
 * opening rate (a flash sale does not open with its peak). Null without a warm-up.
 */
export function warmupSchedule(config: { schedule: Schedule; warmup?: { durationMs: number } | undefined }): Schedule | null {
  const w = config.warmup;
  if (!w || w.durationMs <= 0) return null;
  const first = config.schedule.segments?.[0];
  if (first) return { rps: first.fromRps, durationMs: w.durationMs, rampMs: 0 };
  return { rps: config.schedule.rps, durationMs: w.durationMs, rampMs: Math.min(config.schedule.rampMs, w.durationMs) };
}
