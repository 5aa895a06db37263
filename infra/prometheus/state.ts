/** Where `observe:start` records the detached Prometheus it started, for `observe:stop` and the checker. */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ObserveState {
  url: string;
  pid: number;
  workDir: string;
  startedAt: number;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OBSERVE_STATE_DIR ?? path.join(tmpdir(), 'seckill-observe');
}
export const pidFile = (dir: string) => path.join(dir, 'prometheus.pid');
export const stateFile = (dir: string) => path.join(dir, 'prometheus.json');

export function readState(dir = stateDir()): ObserveState | null {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as ObserveState;
  } catch {
    return null;
  }
}
