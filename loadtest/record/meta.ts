import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What a result is worth depends on where it was taken: recorded with every run. */
export function machineInfo() {
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * Linux PSI: % of the last 10 s (or 60 s) in which some runnable task waited for a CPU. Taken just
 * before the run it measures OTHER work on this shared box (the run's own load adds to it later).
 */
export function cpuPressure(window: 'avg10' | 'avg60'): number | null {
  try {
    const match = new RegExp(`some .*${window}=([\\d.]+)`).exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export function gitCommit(): string | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return null;
  }
}

/** `<ISO time>-<label>.json`, with the colons of the time made file-name safe. */
export function resultFileName(at: Date, label: string): string {
  return `${at.toISOString().replace(/:/g, '-')}-${label.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

/** Writes the run's results file into `dir`; returns its path. */
export function writeResultFile(run: { startedAt: string }, dir: string, label: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, resultFileName(new Date(run.startedAt), label));
  fs.writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}
