/**
 * Who used the CPUs during the measured phase: the whole machine (/proc/stat), the harness process
 * (its generator threads included), the system under test (its services' own CPU seconds, read from
 * their /metrics by the sampler) and, by difference, other work. PSI alone cannot tell them apart: it
 * rises with the run's own load as much as with somebody else's.
 */
import fs from 'node:fs';

/** Other work beyond this many cores during the run makes the machine noisy (a quarter of a core). */
export const NOISY_OTHER_CORES = 0.25;
/** CPU pressure (PSI some avg10, %) before the run beyond which the machine is noisy. */
export const NOISY_PRESSURE_BEFORE = 10;

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** Busy and total CPU seconds of the whole machine since boot, or null off Linux. */
function machineSeconds(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest is already inside user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy: busy / TICKS_PER_SECOND, total: (busy + idle + iowait) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

export interface CpuDuringRun {
  machineBusyCores: number | null;
  generatorCores: number;
  systemUnderTestCores: number | null;
  otherCores: number | null;
}

const cores = (seconds: number, wallS: number) => Number((seconds / wallS).toFixed(2));

/** Started when the measured phase starts, ended when its last answer arrived. */
export class CpuWatch {
  private readonly startedAt = Date.now();
  private readonly machine0 = machineSeconds();
  private readonly self0 = process.cpuUsage();

  /**
   * `systemSeconds`: CPU seconds the system under test used over the same window, or null when it is
   * not on this machine or was not scraped (then other work cannot be told apart from it).
   */
  end(systemSeconds: number | null): CpuDuringRun {
    const wallS = Math.max(0.001, (Date.now() - this.startedAt) / 1000);
    const self = process.cpuUsage(this.self0);
    const generatorCores = cores((self.user + self.system) / 1e6, wallS);
    const machine1 = machineSeconds();
    const machineBusyCores = this.machine0 && machine1 ? cores(machine1.busy - this.machine0.busy, wallS) : null;
    const systemUnderTestCores = systemSeconds === null ? null : cores(systemSeconds, wallS);
    const otherCores =
      machineBusyCores === null || systemUnderTestCores === null
        ? null
        : Math.max(0, Number((machineBusyCores - generatorCores - systemUnderTestCores).toFixed(2)));
    return { machineBusyCores, generatorCores, systemUnderTestCores, otherCores };
  }
}

/** Whether other work competed with the run, and why: PSI before it, or other processes' CPU during it. */
export function noiseOf(pressureBefore: number | null, cpu: CpuDuringRun | undefined): { noisy: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (pressureBefore !== null && pressureBefore > NOISY_PRESSURE_BEFORE)
    reasons.push(`CPU pressure ${pressureBefore}% before the run (> ${NOISY_PRESSURE_BEFORE}%)`);
  if (cpu?.otherCores !== null && cpu?.otherCores !== undefined && cpu.otherCores > NOISY_OTHER_CORES)
    reasons.push(`other work used ${cpu.otherCores} cores during the run (> ${NOISY_OTHER_CORES})`);
  return { noisy: reasons.length > 0, reasons };
}
