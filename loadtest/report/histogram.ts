/**
 * The results file's HDR histograms (hdr-histogram-js, compressed base64, values in µs), read for
 * the report: the share of answers in each response-time band, and the standard deviation.
 */
import * as hdr from 'hdr-histogram-js';
import { niceStep } from './ticks.ts';

interface Band {
  /** The band's upper edge in ms ("5" for 2–5 ms); the first band, everything up to it: "≤ 0.5". */
  label: string;
  /** Share of the histogram's values in the band, 0..1. */
  share: number;
}

const US_PER_MS = 1000;

export function decode(encoded: string | undefined): hdr.Histogram | null {
  if (!encoded) return null;
  try {
    const h = hdr.decodeFromCompressedBase64(encoded);
    return h.totalCount > 0 ? h : null;
  } catch {
    return null; // a damaged histogram costs its chart, not the report
  }
}

export const stddevMs = (h: hdr.Histogram | null): number | null => (h ? Math.round(h.stdDeviation) / US_PER_MS : null);

/** Share of values at or below `us`: the percentile whose value is the last one ≤ us (bisection). */
function shareAtOrBelow(h: hdr.Histogram, us: number): number {
  if (h.getValueAtPercentile(0) > us) return 0;
  if (h.maxValue <= us) return 1;
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) <= us) lo = mid;
    else hi = mid;
  }
  return lo / 100;
}

/** Band edges in ms on the 1-2-5 ladder, from below the smallest value to above the largest. */
function edges(minMs: number, maxMs: number): number[] {
  const out: number[] = [];
  let edge = niceStep(Math.max(minMs, 0.01), 1);
  while (edge > minMs && edge > 0.01) edge = niceStep(edge / 2.5, 1);
  for (; out.length < 30; edge = niceStep(edge * 1.01, 1)) {
    out.push(edge);
    if (edge >= maxMs) break;
  }
  return out;
}

/**
 * Response-time bands (Gatling's distribution, on round edges): the share of values in each. The
 * edges cover every histogram given (this run and a baseline), so their bars stand on the same bands.
 */
export function bands(...histograms: hdr.Histogram[]): (of: hdr.Histogram) => Band[] {
  const e = edges(
    Math.min(...histograms.map((x) => x.minNonZeroValue)) / US_PER_MS,
    Math.max(...histograms.map((x) => x.maxValue)) / US_PER_MS,
  );
  return (of) =>
    e.slice(1).map((to, i) => {
      const below = i === 0 ? 0 : shareAtOrBelow(of, e[i]! * US_PER_MS);
      return { label: i === 0 ? `≤ ${to}` : String(to), share: shareAtOrBelow(of, to * US_PER_MS) - below };
    });
}
