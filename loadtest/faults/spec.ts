/**
 * `--fault 'ACTION:TARGET[#N]@AT[+FOR]'`: a fault the harness injects into a shop of its own during the
 * measured phase, by PID. TARGET#N is the Nth of several (gateway#2; default the first). AT counts
 * from the measured phase's start; FOR is how long the process stays down (kill: restarted after it,
 * 0 = at once) or frozen (pause: SIGSTOP, then SIGCONT).
 */
import { parseDuration } from '../duration.ts';
import { UsageError } from '../verdict/thresholds.ts';

export const FAULT_ACTIONS = ['kill', 'pause', 'restart'] as const;
/**
 * order and gateway: the run's service processes; redis: a redis-server the run starts for itself
 * (with --admission redis; a kill loses its data, as a Redis without persistence does); broker: the
 * RocketMQ proxy+broker the run starts for itself (with --transport rocketmq).
 */
export const FAULT_TARGETS = ['order', 'gateway', 'redis', 'broker'] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];
export type FaultTarget = (typeof FAULT_TARGETS)[number];

export interface FaultSpec {
  /** As given, e.g. `kill:order@1s+1s`. */
  text: string;
  action: FaultAction;
  target: FaultTarget;
  /** Which of the target's processes, from 1 (`gateway#2` → 2). */
  instance: number;
  atMs: number;
  /** kill: down for this long before the restart; pause: frozen for this long; restart: 0. */
  forMs: number;
}

const FORM = /^([a-z]+):([a-z]+)(?:#(\d+))?@([^+]+)(?:\+(.+))?$/;

export function parseFault(text: string): FaultSpec {
  const bad = (why: string) =>
    new UsageError(`--fault '${text}': ${why} (form ACTION:TARGET[#N]@AT[+FOR], e.g. kill:order@5s+2s, pause:gateway#2@3s+1s)`);
  const match = FORM.exec(text.trim());
  if (!match) throw bad('malformed');
  const [, action = '', target = '', instanceText = '1', atText = '', forText] = match;
  if (!(FAULT_ACTIONS as readonly string[]).includes(action))
    throw bad(`unknown action "${action}" (${FAULT_ACTIONS.join(', ')})`);
  if (!(FAULT_TARGETS as readonly string[]).includes(target))
    throw bad(`unknown target "${target}" (${FAULT_TARGETS.join(', ')})`);
  const instance = Number(instanceText);
  if (instance < 1) throw bad(`#${instanceText}: processes count from #1`);
  const atMs = parseDuration(atText);
  if (atMs === null) throw bad(`AT "${atText}" is not a duration (e.g. 5s, 500ms)`);
  const forMs = forText === undefined ? 0 : parseDuration(forText);
  if (forMs === null) throw bad(`FOR "${forText}" is not a duration (e.g. 2s)`);
  if (action === 'pause' && forMs === 0) throw bad('pause needs +FOR, how long the process stays frozen');
  if (action === 'restart' && forText !== undefined) throw bad('restart is graceful and takes no +FOR');
  return { text, action: action as FaultAction, target: target as FaultTarget, instance, atMs, forMs };
}
