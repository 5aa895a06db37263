import * as hdr from 'hdr-histogram-js';

/** Latency percentiles in ms, the shape every driver and the results file use. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Microsecond resolution up to 10 minutes, 3 significant digits. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordMs(h: hdr.Histogram, ms: number): void {
  h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

const round = (us: number): number => Math.round(us) / 1000;

/** A percentile in ms: HDR answers its bucket's upper edge, which may lie above the largest value; never past max. */
const at = (h: hdr.Histogram, p: number): number => round(Math.min(h.getValueAtPercentile(p), h.maxValue));

export function summarize(h: hdr.Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return { p50: at(h, 50), p90: at(h, 90), p99: at(h, 99), p999: at(h, 99.9), max: round(h.maxValue) };
}

/**
 * A full distribution in ms, k6's end-of-test shape plus p90/p999: what the results keep per outcome
 * and for query.do. `count` is how many values it summarises; a distribution of nothing is never
 * written (absent, not zeros).
 */
export interface Distribution extends LatencySummary {
  count: number;
  min: number;
  mean: number;
  p95: number;
}

/** The distribution of a histogram, or null when it holds nothing (not measured, never 0). */
export function distributionOf(h: hdr.Histogram): Distribution | null {
  if (h.totalCount === 0) return null;
  return {
    count: h.totalCount,
    min: round(h.minNonZeroValue),
    mean: round(h.mean),
    ...summarize(h),
    p95: at(h, 95),
  };
}

/** A percentile (ms) of an encoded histogram: what a threshold asks for any p(N). */
export function percentileOfEncoded(encoded: string, p: number): number | null {
  const h = hdr.decodeFromCompressedBase64(encoded);
  return h.totalCount === 0 ? null : at(h, p);
}

/** Histograms cross worker threads as compressed base64. */
export const encodeHistogram = (h: hdr.Histogram): string => hdr.encodeIntoCompressedBase64(h);
export function mergeHistograms(encoded: readonly string[]): hdr.Histogram {
  const total = newHistogram();
  for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}

/** Exact nearest-rank percentile of a small sample (e2e polls): no histogram needed. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? 0;
}
