import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FailureCause } from '../answers.ts';
import { plannedRequests } from '../schedule.ts';
import type { Driver, DriverConfig, DriverResult, DriverSinks } from '../types.ts';
import { formBody, requestAt } from '../workload.ts';

/** k6's exit code when one of the script's thresholds was crossed. */
export const K6_THRESHOLDS_CROSSED = 99;

/**
 * `--driver k6`: runs loadtest/driver/k6/flash-sale.ts with the k6 binary, if there is one on PATH.
 * The run's limits go to the script's thresholds (MAX_P99_MS, MIN_RATE_RATIO), and k6's exit code 99
 * comes back as a failed check, so the verdict sees what k6 judged.
 */
export async function runK6(config: DriverConfig, _sinks: DriverSinks, signal?: AbortSignal): Promise<DriverResult> {
  try {
    await promisify(execFile)('k6', ['version'], { timeout: 10_000 });
  } catch {
    throw new Error(
      '--driver k6: no `k6` binary on PATH (it is not installable on this machine); use --driver paced or autocannon',
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-k6-'));
  const summary = path.join(dir, 'summary.json');
  // k6 cannot import our workload module: hand it the bodies, one per request.
  const bodies = path.join(dir, 'bodies.json');
  const planned = plannedRequests(config.schedule);
  fs.writeFileSync(bodies, JSON.stringify(Array.from({ length: planned }, (_, i) => formBody(requestAt(config.workload, i)))));
  const script = new URL('./flash-sale.ts', import.meta.url).pathname;
  const env = {
    ...process.env,
    TARGET: config.target,
    RPS: String(config.schedule.rps),
    DURATION_S: String(Math.ceil(config.schedule.durationMs / 1000)),
    VUS: String(config.connections),
    BODIES_FILE: bodies,
    SUMMARY_FILE: summary,
    ...(config.limits?.maxP99Ms !== undefined ? { MAX_P99_MS: String(config.limits.maxP99Ms) } : {}),
    ...(config.limits?.minRateRatio !== undefined ? { MIN_RATE_RATIO: String(config.limits.minRateRatio) } : {}),
  };
  const child = spawn('k6', ['run', '--quiet', script], { env, stdio: 'inherit' });
  const kill = () => child.pid !== undefined && process.kill(child.pid, 'SIGTERM');
  signal?.addEventListener('abort', kill, { once: true });
  const limit = setTimeout(kill, config.schedule.durationMs + config.timeoutMs + 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(limit);
  signal?.removeEventListener('abort', kill);
  try {
    const http = JSON.parse(fs.readFileSync(summary, 'utf8')) as Pick<
      DriverResult,
      'requests' | 'errors' | 'achievedRps' | 'statusCodes' | 'latencyMs'
    >;
    // k6's summary has no per-outcome split and no failure causes: its failed requests are `other`.
    const answered = http.requests - http.errors;
    return {
      ...http,
      answered,
      failures: http.errors > 0 ? { [FailureCause.OTHER]: http.errors } : {},
      achievedRps: Math.round((answered / config.schedule.durationMs) * 1000),
      sentRps: http.achievedRps,
      latencyByOutcome: {},
      histograms: {},
      driver: 'k6',
      planned,
      durationMs: config.schedule.durationMs,
      scheduleSlipMs: null,
      generatorCpuCores: 0,
      generatorLimited: false,
      generatorLimitReasons: [],
      warmup: null,
      checks: [
        {
          name: `k6 thresholds (exit code ${K6_THRESHOLDS_CROSSED} = crossed)`,
          limit: K6_THRESHOLDS_CROSSED,
          value: code,
          passed: code !== K6_THRESHOLDS_CROSSED,
        },
      ],
    };
  } catch (error) {
    throw new Error(`k6 exited (${code}) without a summary at ${summary}`, { cause: error });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const k6Driver: Driver = {
  name: 'k6',
  summary: "needs a k6 binary on PATH; its thresholds take the run's limits",
  answersEach: false,
  warmsUp: false,
  closedLoop: false,
  run: runK6,
};
