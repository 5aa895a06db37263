/**
 * The measured phase second by second, from the answers themselves (not from /metrics): how many of
 * each outcome arrived in each second, how many failed, and the latency percentiles of that second's
 * answers. What a report draws as "requests/s by outcome" and "latency percentiles over time".
 * Cheap: one number pushed per answer; sorted once per second at the end.
 */
import { OUTCOMES, type Outcome } from '../driver/answers.ts';
import type { ChargeAnswer } from '../driver/types.ts';
import { percentile } from '../stats.ts';

export interface TimelinePoint {
  /** Second of the measured phase (answers that arrived in [t − 1, t)). */
  t: number;
  /** Answers by outcome in that second (failed requests under `error`). */
  byOutcome: Partial<Record<Outcome, number>>;
  /** Requests of that second that got no answer, or no envelope. */
  failed: number;
  /** Latency of that second's answered requests, ms; null when none was answered. */
  latencyMs: { p50: number; p90: number; p99: number; max: number } | null;
}

interface Second {
  byOutcome: Partial<Record<Outcome, number>>;
  failed: number;
  latencies: number[];
}

export class Timeline {
  private readonly seconds: Second[] = [];
  /** Epoch ms the measured phase started: set when it does. */
  startedAt: number | null = null;

  add(a: ChargeAnswer): void {
    if (this.startedAt === null) return;
    const index = Math.max(0, Math.floor((a.answeredAt - this.startedAt) / 1000));
    for (let i = this.seconds.length; i <= index; i += 1) this.seconds.push({ byOutcome: {}, failed: 0, latencies: [] });
    const second = this.seconds[index];
    if (!second) return;
    second.byOutcome[a.outcome] = (second.byOutcome[a.outcome] ?? 0) + 1;
    if (a.failure) second.failed += 1;
    else if (a.latencyMs !== undefined && a.latencyMs !== null) second.latencies.push(a.latencyMs);
  }

  points(): TimelinePoint[] {
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    return this.seconds.map((s, i) => ({
      t: i + 1,
      byOutcome: Object.fromEntries(OUTCOMES.filter((o) => s.byOutcome[o]).map((o) => [o, s.byOutcome[o]])),
      failed: s.failed,
      latencyMs:
        s.latencies.length === 0
          ? null
          : {
              p50: round(percentile(s.latencies, 50)),
              p90: round(percentile(s.latencies, 90)),
              p99: round(percentile(s.latencies, 99)),
              max: round(Math.max(...s.latencies)),
            },
    }));
  }
}
