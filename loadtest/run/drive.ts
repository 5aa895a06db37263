import { plannedRequests } from '../driver/schedule.ts';
import { runDriver } from '../driver/registry.ts';
import type { DriverResult } from '../driver/types.ts';
import { CpuWatch, type CpuDuringRun } from '../observe/cpu.ts';
import { FaultInjector } from '../faults/injector.ts';
import { parseFault } from '../faults/spec.ts';
import { E2eSampler } from '../observe/e2e.ts';
import { progressPrinter, type RunStatus } from '../observe/progress.ts';
import { Sampler } from '../observe/sampler.ts';
import { AnswerBook } from './answerBook.ts';
import type { RunPlan } from './plan.ts';
import type { Stack } from './stack.ts';

/** What driving the load leaves for the next steps. */
export interface Driven {
  result: DriverResult;
  book: AnswerBook;
  warmBook: AnswerBook;
  sampler: Sampler;
  e2e: E2eSampler;
  /** Epoch ms the measured phase started (after the warm-up), and its last answer arrived. */
  measureStart: number;
  burstEnd: number;
  /** Who used the CPUs during the measured phase. */
  cpu: CpuDuringRun;
  /** Epoch ms after which nothing is waited for any more. */
  deadline: number;
  /** Ends the live progress line (after the drain, which it also shows). */
  endProgress: () => void;
  /** The --fault injections, each applied and back by now (null: none asked). */
  faults: FaultInjector | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const isLocal = (url: string) => LOOPBACK.has(new URL(url).hostname);

/** Step 3: the warm-up and the measured load, with the metrics sampled and a sample of orders followed end to end. */
export async function drive(plan: RunPlan, stack: Stack, signal: AbortSignal): Promise<Driven> {
  const { options } = plan;
  const deadline = Date.now() + plan.budgetMs;
  const totalStock = plan.products.reduce((n, p) => n + p.stock, 0);
  // Spread the e2e sample over the queued answers the run can have: stock-bound, or request-bound.
  const stride = Math.max(1, Math.ceil(Math.min(totalStock, plannedRequests(plan.schedule)) / Math.max(1, options.e2eSample)));
  const e2e = new E2eSampler(stack.gatewayUrl, options.e2eSample, stride, () => deadline, plan.answers);
  const book = new AnswerBook(e2e);
  const warmBook = new AnswerBook();
  const sampler = new Sampler(
    stack.gatewayUrls,
    stack.services?.orders.map((o) => o.url) ?? (stack.orderUrl ? [stack.orderUrl] : []),
  );
  const clock = { measuring: plan.warmup === null, startedAt: Date.now() };
  let cpuWatch = new CpuWatch();
  const status = (): RunStatus => {
    const elapsedS = (Date.now() - clock.startedAt) / 1000;
    const phase = !clock.measuring ? 'warmup' : elapsedS * 1000 > options.duration ? 'drain' : 'load';
    return { phase, elapsedS, queued: book.queued.length };
  };
  const progress = progressPrinter(options.duration, status);
  if (!options.quiet) sampler.onTick(progress.onTick);
  const faults =
    options.fault.length > 0 && stack.services
      ? new FaultInjector(options.fault.map(parseFault), stack.faultables, signal)
      : null;
  if (faults) sampler.onTick(faults.onSample);
  await sampler.start();
  try {
    const result = await runDriver(
      options.driver,
      plan.driver(stack.gatewayUrls),
      {
        onAnswers: faults
          ? (answers) => {
              book.add(answers);
              faults.observe(answers);
            }
          : book.add,
        onWarmupAnswers: warmBook.add,
        // The measured phase's clock, rates and timeseries start when the warm-up ends.
        onMeasureStart: () => {
          clock.measuring = true;
          clock.startedAt = Date.now();
          cpuWatch = new CpuWatch();
          book.timeline.startedAt = clock.startedAt;
          void sampler.rebase();
          faults?.start();
        },
      },
      signal,
    );
    const burstEnd = Date.now();
    // A process still down or frozen comes back before the drain is waited for.
    await faults?.done();
    await sampler.sample();
    const { cpuSeconds, cpuSecondsAtBase } = sampler;
    // The services' own CPU counts on this machine only when they run here.
    const systemSeconds = !isLocal(stack.gatewayUrl)
      ? 0
      : cpuSeconds !== null && cpuSecondsAtBase !== null
        ? cpuSeconds - cpuSecondsAtBase
        : null;
    const cpu = cpuWatch.end(systemSeconds);
    return {
      result,
      book,
      warmBook,
      sampler,
      e2e,
      measureStart: clock.startedAt,
      burstEnd,
      cpu,
      deadline,
      endProgress: progress.end,
      faults,
    };
  } catch (error) {
    sampler.stop();
    throw error;
  }
}
