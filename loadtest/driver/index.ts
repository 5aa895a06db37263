import { runAutocannon } from './autocannon.ts';
import { runPaced } from './paced/paced.ts';
import type { AnswerSink, DriverConfig, DriverHooks, DriverResult } from './types.ts';

export type DriverName = 'paced' | 'autocannon' | 'k6';

/** The one place a driver is chosen. k6 runs out of process and is started by k6/run.ts. */
export function runDriver(
  name: Exclude<DriverName, 'k6'>,
  config: DriverConfig,
  onAnswers: AnswerSink,
  signal?: AbortSignal,
  closedLoop = false,
  hooks: DriverHooks = {},
): Promise<DriverResult> {
  if (closedLoop && name !== 'autocannon') throw new Error('--closed-loop goes with --driver autocannon');
  return name === 'paced'
    ? runPaced(config, onAnswers, signal, hooks)
    : runAutocannon(config, onAnswers, signal, closedLoop, hooks);
}
