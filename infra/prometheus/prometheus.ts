/**
 * Debian's Prometheus, run as a child process with OUR config (no Docker here): install it when it
 * is missing, render a scrape config for the services, start it on a loopback port with a throw-away
 * TSDB, wait for `/-/ready`, and stop it by PID. Also a thin client for the HTTP API.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { aptInstall } from '../apt.ts';
import { isAlive, stopPid } from '../launch/processes.ts';

/**
 * Not 9090: the Debian package enables `prometheus.service` (listening on :9090) and starts it on any
 * host with systemd; ours must not collide with, or silently query, the machine's own daemon.
 */
export const DEFAULT_PROM_PORT = 9095;
const READY_TIMEOUT_MS = 30_000;

interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
}

export class PrometheusUnavailable extends Error {}

/** `http://127.0.0.1:8070/x` or `127.0.0.1:8070` → `127.0.0.1:8070`. */
export function toAddress(value: string): string {
  const url = new URL(value.includes('://') ? value : `http://${value}`);
  if (!url.port) throw new Error(`${value}: a scrape target needs an explicit port`);
  return `${url.hostname}:${url.port}`;
}

/**
 * The three jobs the dashboards know (`gateway`, `order-service`, `rocketmq`), addresses from the
 * environment the services themselves read. A broker that is not running just shows `up == 0`.
 */
export function targetsFromEnv(env: NodeJS.ProcessEnv = process.env): ScrapeTarget[] {
  return [
    { job: 'gateway', address: toAddress(env.GATEWAY_URL ?? `127.0.0.1:${env.GATEWAY_PORT ?? 8070}`) },
    { job: 'order-service', address: toAddress(env.ORDER_URL ?? `127.0.0.1:${env.ORDER_PORT ?? 8071}`) },
    { job: 'rocketmq', address: toAddress(env.ROCKETMQ_METRICS_URL ?? '127.0.0.1:5557') },
  ];
}

/** One scrape job per target; 1 s interval so a short load run still yields enough points for rate(). */
export function renderConfig(targets: ScrapeTarget[], scrapeInterval = '1s'): string {
  const jobs = new Map<string, string[]>();
  for (const target of targets) jobs.set(target.job, [...(jobs.get(target.job) ?? []), target.address]);
  return stringify({
    global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval },
    scrape_configs: [...jobs].map(([job, addresses]) => ({
      job_name: job,
      metrics_path: '/metrics',
      // RocketMQ's OpenTelemetry exporter stamps samples with its own collection time; scrape time keeps
      // every job on one clock, so a short run's windows line up across the broker and the services.
      honor_timestamps: false,
      static_configs: [{ targets: addresses }],
    })),
  });
}

function onPath(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * The prometheus binary; installs Debian's package when missing and we are root. Throws
 * PrometheusUnavailable with the reason otherwise (callers skip loudly or fail on it).
 */
export function ensurePrometheus(): string {
  const found = onPath('prometheus');
  if (found) return found;
  if (process.getuid?.() !== 0)
    throw new PrometheusUnavailable('prometheus is not on PATH and we are not root: run `sudo apt-get install -y prometheus`');
  if (!onPath('apt-get')) throw new PrometheusUnavailable('prometheus is not on PATH and there is no apt-get to install it');
  console.error('[observe] prometheus not found: apt-get install -y --no-install-recommends prometheus ...');
  try {
    aptInstall('prometheus');
  } catch (error) {
    throw new PrometheusUnavailable(`apt-get install prometheus failed (run apt-get update first?): ${String(error)}`);
  }
  const installed = onPath('prometheus');
  if (!installed) throw new PrometheusUnavailable('apt-get installed prometheus but it is still not on PATH');
  return installed;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** Guards against a stale PID file whose PID now belongs to someone else's process. */
export function isPrometheusPid(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.endsWith('prometheus') ?? false;
  } catch {
    return false;
  }
}

export interface StartOptions {
  targets: ScrapeTarget[];
  port?: number;
  scrapeInterval?: string;
  /** Keep running after this Node process exits (the `observe:start` CLI); stopped by PID later. */
  detached?: boolean;
  readyTimeoutMs?: number;
}

interface RunningPrometheus {
  url: string;
  pid: number;
  /** Holds the config, the TSDB and prometheus.log; removed by stop(). */
  workDir: string;
  stop(): Promise<void>;
}

export async function startPrometheus(options: StartOptions): Promise<RunningPrometheus> {
  const binary = ensurePrometheus();
  const port = options.port ?? DEFAULT_PROM_PORT;
  if (await portInUse(port)) throw new Error(`127.0.0.1:${port} is already in use (another Prometheus? set PROM_PORT)`);
  const workDir = mkdtempSync(path.join(tmpdir(), 'seckill-prom-'));
  const configFile = path.join(workDir, 'prometheus.yml');
  writeFileSync(configFile, renderConfig(options.targets, options.scrapeInterval));
  const logFile = path.join(workDir, 'prometheus.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', logFd, logFd], detached: options.detached ?? false },
  );
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${binary}`);
  const url = `http://127.0.0.1:${port}`;

  let stopped = false;
  const killOnExit = () => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    await stopPid(pid);
    rmSync(workDir, { recursive: true, force: true });
  };
  if (options.detached) child.unref();
  // An embedded instance must not outlive the test or harness that started it.
  else process.on('exit', killOnExit);

  const deadline = Date.now() + (options.readyTimeoutMs ?? READY_TIMEOUT_MS);
  for (;;) {
    if (child.exitCode !== null || !isAlive(pid)) {
      const log = readFileSync(logFile, 'utf8');
      await stop();
      throw new Error(`prometheus exited before it was ready:\n${log.slice(-2000)}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus on ${url} was not ready within ${options.readyTimeoutMs ?? READY_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, pid, workDir, stop };
}

export interface Series {
  metric: Record<string, string>;
  /** [unix seconds, value as Prometheus prints it ("NaN", "+Inf" included)] */
  values: Array<[number, string]>;
}

interface ApiAnswer {
  status: 'success' | 'error';
  data?: {
    resultType: string;
    result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }>;
  };
  error?: string;
}

async function callApi(url: string, endpoint: string, params: Record<string, string>): Promise<Series[]> {
  const response = await fetch(`${url}/api/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json()) as ApiAnswer;
  if (answer.status !== 'success' || !answer.data)
    throw new Error(`${params.query}: ${answer.error ?? `HTTP ${response.status}`}`);
  if (answer.data.resultType === 'scalar') {
    // A scalar's result is the [time, value] pair itself, not a list of series.
    return [{ metric: {}, values: [answer.data.result as unknown as [number, string]] }];
  }
  return answer.data.result.map((r) => ({ metric: r.metric, values: r.values ?? (r.value ? [r.value] : []) }));
}

/** Instant query (at `time`, unix seconds, or now). Throws on a PromQL error. */
export function queryPrometheus(url: string, expr: string, time?: number): Promise<Series[]> {
  return callApi(url, 'query', { query: expr, ...(time === undefined ? {} : { time: String(time) }) });
}

export function queryRange(url: string, expr: string, start: number, end: number, stepSeconds = 1): Promise<Series[]> {
  return callApi(url, 'query_range', { query: expr, start: String(start), end: String(end), step: String(stepSeconds) });
}

/** Waits (bounded) until every given job has been scraped successfully at least once. */
export async function waitForTargetsUp(url: string, jobs: string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let missing = jobs;
  while (Date.now() < deadline) {
    const up = await queryPrometheus(url, 'up == 1');
    const seen = new Set(up.map((s) => s.metric.job));
    missing = jobs.filter((job) => !seen.has(job));
    if (missing.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Prometheus at ${url} never scraped ${missing.join(', ')} within ${timeoutMs} ms`);
}
