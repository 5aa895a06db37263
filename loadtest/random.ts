/**
 * mulberry32: a small, well-mixed 32-bit generator, the same sequence on every machine for a seed, so
 * that a seed is all it takes to replay a schedule (chaos runs, the crash and fuzz suites).
 */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
