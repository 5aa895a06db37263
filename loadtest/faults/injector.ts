/**
 * Applies the run's faults to the services the harness started, by PID (infra/launch Service), on
 * schedule from the measured phase's start, and measures each one from the run itself: the answers
 * during it, when the accept path answered again, when the backlog was back to 0.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Outcome } from '../driver/answers.ts';
import type { ChargeAnswer } from '../driver/types.ts';
import type { TimePoint } from '../observe/sampler.ts';
import type { FaultSpec } from './spec.ts';

/** A process a fault can break by PID and bring back: a service, the run's own redis-server or broker. */
export interface Faultable {
  readonly pid: number | undefined;
  start(signal?: AbortSignal): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** What became of one fault; times in epoch ms (null: did not happen). */
export interface FaultRun {
  spec: FaultSpec;
  appliedAt: number | null;
  /** The process was back: restarted and healthy, or continued. */
  backAt: number | null;
  /** Failed requests (no answer, or no envelope) and 503 answers from applied to back. */
  errors: number;
  unavailable: number;
  /** The first business answer (accepted, sold out, repeat) to a request sent after the fault was applied. */
  acceptAnsweredAt: number | null;
  /** The first sample after the process was back whose lag gauge read 0. */
  lagZeroAt: number | null;
  /** Why applying it failed (the process did not restart, …), or null. */
  error: string | null;
}

const BUSINESS: ReadonlySet<string> = new Set([Outcome.ACCEPTED, Outcome.SOLD_OUT, Outcome.REPEAT]);
/** Resolves after `ms`, or at once when the run is aborted (Ctrl-C). */
const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

export class FaultInjector {
  readonly runs: FaultRun[];
  private pending: Promise<void>[] = [];

  constructor(
    specs: readonly FaultSpec[],
    /** Each target's processes, in order: `gateway#2` is services.gateway[1]. */
    private readonly services: Record<FaultSpec['target'], readonly Faultable[]>,
    private readonly signal: AbortSignal,
  ) {
    this.runs = specs.map((spec) => ({
      spec,
      appliedAt: null,
      backAt: null,
      errors: 0,
      unavailable: 0,
      acceptAnsweredAt: null,
      lagZeroAt: null,
      error: null,
    }));
  }

  /** Schedules every fault from now (the measured phase's start). */
  start(): void {
    this.pending = this.runs.map(async (run) => {
      await sleep(run.spec.atMs, this.signal);
      if (this.signal.aborted) return;
      try {
        await this.apply(run);
      } catch (error) {
        run.error = error instanceof Error ? error.message : String(error);
      }
    });
  }

  /** Waits until every fault was applied and its process is back (or failed to be). */
  async done(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async apply(run: FaultRun): Promise<void> {
    const { action, forMs, target, instance } = run.spec;
    const service = this.services[target][instance - 1];
    if (!service) throw new Error(`${target}#${instance}: the run started ${this.services[target].length} ${target} process(es)`);
    if (action === 'pause') {
      const pid = service.pid;
      if (pid === undefined) throw new Error(`${target}#${instance} is not running`);
      process.kill(pid, 'SIGSTOP');
      run.appliedAt = Date.now();
      await sleep(forMs, this.signal);
      process.kill(pid, 'SIGCONT');
    } else {
      run.appliedAt = Date.now();
      await service.stop(action === 'kill' ? 'SIGKILL' : 'SIGTERM');
      await sleep(forMs, this.signal);
      // Aborted (Ctrl-C): the stack is being stopped; starting it again would outlive the run.
      if (this.signal.aborted) return;
      await service.start(this.signal);
    }
    run.backAt = Date.now();
  }

  /** Every measured answer passes here (with the answer book). */
  observe = (answers: readonly ChargeAnswer[]): void => {
    for (const run of this.runs) {
      if (run.appliedAt === null) continue;
      const until = run.backAt ?? Infinity;
      for (const a of answers) {
        if (a.answeredAt >= run.appliedAt && a.answeredAt <= until) {
          if (a.code === 0 && a.outcome === Outcome.ERROR) run.errors += 1;
          if (a.status === 503) run.unavailable += 1;
        }
        const sent = a.sentAt ?? a.answeredAt - (a.latencyMs ?? 0);
        if (BUSINESS.has(a.outcome) && a.status !== 503 && sent >= run.appliedAt)
          run.acceptAnsweredAt = Math.min(run.acceptAnsweredAt ?? Infinity, a.answeredAt);
      }
    }
  };

  /**
   * Every sample of the run passes here: the backlog back to 0 after the process was back. The order
   * service's lag gauge (its view of the queue, set at its start, refreshed once a second): the
   * counters' backlog cannot be told across a restart.
   */
  onSample = (point: TimePoint): void => {
    const now = Date.now();
    const backlog = point.lagMessages;
    for (const run of this.runs)
      if (run.backAt !== null && run.lagZeroAt === null && now >= run.backAt && backlog === 0) run.lagZeroAt = now;
  };
}
