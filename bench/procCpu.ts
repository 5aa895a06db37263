/**
 * CPU accounting from /proc (Linux), for benchmarks that charge CPU to the processes of a stack:
 * a process's own user + system time (all its threads: a JVM's GC and JIT included), and the
 * machine's CPU pressure over an interval (PSI: the share of time some task waited for a core).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Clock ticks per second of /proc/<pid>/stat: 100 on every Linux this runs on (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) the process has used since it started; null when it is gone. */
export function cpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (in parentheses, which may hold spaces): state is field 3,
  // utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** PSI's cumulative "some" stall time in microseconds; null where the kernel has no PSI. */
function pressureTotalUs(): number | null {
  try {
    const match = /some .*total=(\d+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Starts measuring CPU pressure; the returned function gives the share (0-1) of the time since then. */
export function pressureSince(): () => number | null {
  const startUs = pressureTotalUs();
  const startedAt = performance.now();
  return () => {
    const endUs = pressureTotalUs();
    if (startUs === null || endUs === null) return null;
    return (endUs - startUs) / 1000 / (performance.now() - startedAt);
  };
}

/** The PID in `file` (the broker scripts' run/<name>.pid) if that process is alive, else null. */
export function pidFromFile(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && cpuMs(pid) !== null ? pid : null;
  } catch {
    return null;
  }
}

/** The JVMs of the broker infra/rocketmq/start.sh runs (its ROCKETMQ_DATA_DIR, as env.sh resolves it). */
export function brokerPids(root: string, env: NodeJS.ProcessEnv = process.env): { proxy: number | null; namesrv: number | null } {
  const run = path.join(env.ROCKETMQ_DATA_DIR || path.join(root, '.rocketmq'), 'run');
  return { proxy: pidFromFile(path.join(run, 'proxy.pid')), namesrv: pidFromFile(path.join(run, 'namesrv.pid')) };
}
