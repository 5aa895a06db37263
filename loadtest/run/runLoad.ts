/**
 * One load run as a pipeline of named steps, each in its own module:
 * plan → start the system → preflight → drive → settle (drain, audit) → assemble → judge, then the
 * results file.
 */
import type { Options } from '../options.ts';
import { cpuPressure, writeResultFile } from '../record/meta.ts';
import type { RunResult } from '../record/schema.ts';
import { assemble } from './assemble.ts';
import { drive } from './drive.ts';
import { judge } from './judge.ts';
import { planRun } from './plan.ts';
import { preflight } from './preflight.ts';
import { settle } from './settle.ts';
import { startSystem } from './system.ts';

/** Ctrl-C or SIGTERM during the run: everything started was stopped, no result was written. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted: the services were stopped, no result written');
  }
}

interface RunOutcome {
  result: RunResult;
  file: string;
}

export async function runLoad(options: Options, argv: string[], log: (line: string) => void): Promise<RunOutcome> {
  const meta = { argv, startedAt: new Date(), pressureBefore: cpuPressure('avg10') };
  const plan = planRun(options);
  const stack = await startSystem(plan, log);
  try {
    const prodId = plan.products[0]?.id ?? '';
    await preflight({
      gatewayUrl: stack.gatewayUrl,
      orderUrl: stack.orderUrl,
      dbPath: stack.store && 'file' in stack.store ? stack.store.file : undefined,
      prodId,
      answers: plan.answers,
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  // Prometheus (if any) scrapes from here: the dashboards' window starts with idle scrapes.
  const observedFrom = Date.now() / 1000;
  const abort = new AbortController();
  const onSignal = () => {
    abort.abort();
    void stack.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const driven = await drive(plan, stack, abort.signal);
    const settled = await settle(plan, stack, driven, observedFrom, log);
    const result = judge(assemble(plan, stack, driven, settled, meta), options, driven.result.checks);
    if (abort.signal.aborted) throw new Interrupted();
    return { result, file: writeResultFile(result, options.out, options.label) };
  } catch (error) {
    throw abort.signal.aborted ? new Interrupted() : error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stack.stop();
  }
}
