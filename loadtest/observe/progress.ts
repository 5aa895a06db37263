import type { TimePoint } from './sampler.ts';

/** Where the run is, as the live line shows it. */
export interface RunStatus {
  phase: 'warmup' | 'load' | 'drain';
  /** Seconds since the current phase's clock started (warm-up, then the measured phase). */
  elapsedS: number;
  queued: number;
}

/** The live line on a TTY: rewritten in place on every sampler tick. */
function progressLine(p: RunStatus & { durationS: number; rate: number; lag: number | null }): string {
  return `\r${p.phase.padEnd(6)} ${p.elapsedS.toFixed(0).padStart(4)}/${p.durationS.toFixed(0)} s  ${String(p.rate).padStart(7)} req/s  queued ${String(p.queued).padStart(7)}  lag ${String(p.lag ?? '-').padStart(7)}   `;
}

/** The sampler ticks every 100 ms during the burst; the line is redrawn at most this often. */
const REDRAW_MS = 500;

/**
 * A listener for the sampler's ticks that prints the live line (kept apart from the run, as
 * autocannon keeps its progress tracker apart from its runner). Nothing when stdout is no terminal.
 */
export function progressPrinter(durationMs: number, status: () => RunStatus, out: NodeJS.WriteStream = process.stdout) {
  const live = out.isTTY === true;
  let drawnAt = 0;
  return {
    onTick: (point: TimePoint) => {
      if (!live || Date.now() - drawnAt < REDRAW_MS) return;
      drawnAt = Date.now();
      out.write(progressLine({ ...status(), durationS: durationMs / 1000, rate: point.requestRate, lag: point.lagMessages }));
    },
    /** Ends the live line so that what follows starts on a line of its own. */
    end: () => {
      if (live) out.write('\n');
    },
  };
}
