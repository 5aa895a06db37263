import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, isAlive, sendSignal, signalStop } from './processes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** First start may download ~90 MB of jars from Maven Central, then ~20-35 s to boot on 2 cores. */
const START_TIMEOUT_MS = 600_000;
const STOP_TIMEOUT_MS = 60_000;
/** start.sh returning is not the proxy accepting connections: how long to wait for that. */
const PROXY_READY_MS = 60_000;
/** Each topic.sh call starts the admin JVM (~4 s) and retries until the broker takes the topic. */
const TOPIC_TIMEOUT_MS = 120_000;

export interface Broker {
  /** Set when the RocketMQ variants must be skipped (no Java/Maven here, nothing required it). */
  readonly skip: string | false;
  /** Stops the broker if (and only if) ensureBroker started it. */
  stop(): Promise<void>;
}

interface EnsureOptions {
  log?: (line: string) => void;
  /** No broker is a failure, never a skip (the harness's --transport rocketmq). REQUIRE_REAL_SERVICES=1 (CI) implies it. */
  required?: boolean;
}

/** The proxy the services will talk to: the first of ROCKETMQ_ENDPOINTS, else 127.0.0.1:ROCKETMQ_PROXY_PORT (8081). */
function proxyAddress(): { host: string; port: number } {
  const endpoint = process.env.ROCKETMQ_ENDPOINTS?.split(';')[0];
  if (endpoint) {
    const [host = '127.0.0.1', port = '8081'] = endpoint.split(':');
    return { host, port: Number(port) };
  }
  return { host: '127.0.0.1', port: Number(process.env.ROCKETMQ_PROXY_PORT ?? 8081) };
}

function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function has(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/**
 * Runs an infra/rocketmq script, its output shown on stderr as it comes (a first start downloads for
 * minutes). A failure quotes the script's last lines.
 */
function script(name: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env, echo = true): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'infra/rocketmq', name)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      env,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      if (echo) process.stderr.write(chunk);
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const tail = output
        .split('\n')
        .filter((l) => l.trim() && !/^\s+at /.test(l))
        .slice(-8)
        .join('\n');
      reject(new Error(`infra/rocketmq/${name} failed (${signal ?? `code ${code}`}):\n${tail}`));
    });
  });
}

/**
 * Makes sure a RocketMQ broker answers on the proxy port: uses one already running, or starts one with
 * infra/rocketmq/start.sh when Java and Maven are here. Without them: skips loudly, or fails when
 * required or REQUIRE_REAL_SERVICES=1 (CI).
 */
export async function ensureBroker(options: EnsureOptions = {}): Promise<Broker> {
  const log = options.log ?? ((line: string) => console.log(`[rocketmq] ${line}`));
  const { host, port } = proxyAddress();
  const none: Broker = { skip: false, stop: async () => undefined };
  if (await portAnswers(host, port)) {
    log(`using the broker already answering on ${host}:${port}`);
    return none;
  }
  const missing = ['java', 'mvn'].filter((tool) => !has(tool, tool === 'java' ? ['-version'] : ['-v']));
  if (missing.length > 0) {
    const reason = `no RocketMQ broker on ${host}:${port}, and ${missing.join(' and ')} not found (needed by infra/rocketmq/start.sh)`;
    if (options.required) throw new Error(reason);
    if (process.env.REQUIRE_REAL_SERVICES === '1') throw new Error(`${reason}, and REQUIRE_REAL_SERVICES=1`);
    console.log(`\n*** SKIPPING the RocketMQ variants: ${reason} ***\n`);
    return { ...none, skip: reason };
  }
  log('starting a broker with infra/rocketmq/start.sh');
  await script('start.sh', START_TIMEOUT_MS);
  const deadline = Date.now() + PROXY_READY_MS;
  while (!(await portAnswers(host, port))) {
    if (Date.now() > deadline)
      throw new Error(
        `RocketMQ proxy ${host}:${port} did not accept connections within ${PROXY_READY_MS / 1000} s after start.sh`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    skip: false,
    stop: async () => {
      log('stopping the broker this run started');
      // The run's verdict is already in: a broker that will not stop is reported, not a failure.
      await script('stop.sh', STOP_TIMEOUT_MS).catch((error: unknown) => log(String(error)));
    },
  };
}

/**
 * A topic and consumer group of a run's own, both called `name` (infra/rocketmq/topic.sh): what other
 * runs left on a shared broker (a crash test's backlog, a poison message) is neither consumed nor
 * counted as lag by this one. `env` says which broker (its ports).
 */
export async function createRunTopic(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ROCKETMQ_TOPIC: string; ROCKETMQ_GROUP: string }> {
  try {
    await promisify(execFile)('bash', [path.join(ROOT, 'infra/rocketmq/topic.sh'), name, name], {
      env,
      timeout: TOPIC_TIMEOUT_MS,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`infra/rocketmq/topic.sh ${name} failed: ${`${stderr}${stdout}`.trim() || String(error)}`);
  }
  return { ROCKETMQ_TOPIC: name, ROCKETMQ_GROUP: name };
}

/** Two consecutive free ports: the broker listens on P and its HA service on P + 1. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const next = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 1, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (next) return port;
  }
}

/**
 * A RocketMQ name server and proxy+broker of one run's own (infra/rocketmq/start.sh on free ports,
 * its store in `dir`), so that a --fault may break it without touching a broker anyone else uses.
 * kill/pause/restart act on the proxy+broker process (the name server stays up), by its PID;
 * start() brings it back on the same ports and store. close() stops both with stop.sh.
 */
export class PrivateBroker {
  private constructor(
    /** Settings for start.sh/stop.sh/topic.sh and for the services (ROCKETMQ_ENDPOINTS, its exporter). */
    readonly env: Record<string, string>,
    private readonly dir: string,
  ) {}

  static async start(dir: string, log: (line: string) => void): Promise<PrivateBroker> {
    const [namesrv, proxy, remoting, broker, metrics] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePortPair(),
      await freePort(),
    ];
    const env = {
      ROCKETMQ_DATA_DIR: dir,
      ROCKETMQ_NAMESRV_PORT: String(namesrv),
      ROCKETMQ_PROXY_PORT: String(proxy),
      ROCKETMQ_PROXY_REMOTING_PORT: String(remoting),
      ROCKETMQ_BROKER_PORT: String(broker),
      ROCKETMQ_METRICS_PORT: String(metrics),
      ROCKETMQ_ENDPOINTS: `127.0.0.1:${proxy}`,
      ROCKETMQ_METRICS_URL: `http://127.0.0.1:${metrics}/metrics`,
    };
    const own = new PrivateBroker(env, dir);
    log(`starting a broker of the run's own (proxy 127.0.0.1:${proxy}, store ${dir})`);
    try {
      await own.start();
    } catch (error) {
      await own.close();
      throw error;
    }
    return own;
  }

  private get scriptEnv(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.env };
  }

  /** The proxy+broker JVM's PID (start.sh's PID file), while it runs. */
  get pid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dir, 'run', 'proxy.pid'), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** start.sh (a no-op for what runs) and the wait for the proxy's port. */
  async start(signal?: AbortSignal): Promise<void> {
    await script('start.sh', START_TIMEOUT_MS, this.scriptEnv, false);
    const port = Number(this.env.ROCKETMQ_PROXY_PORT);
    const deadline = Date.now() + PROXY_READY_MS;
    while (!(await portAnswers('127.0.0.1', port))) {
      if (signal?.aborted) throw new Error('aborted');
      if (Date.now() > deadline)
        throw new Error(`the run's broker did not accept connections on ${port} within ${PROXY_READY_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** The proxy+broker process only: `signal` (SIGKILL: a crash), then SIGKILL after STOP_TIMEOUT_MS. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    signalStop(pid, signal);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(pid)) {
      if (Date.now() > deadline) sendSignal(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Both processes, by PID (stop.sh), then its store. */
  async close(): Promise<void> {
    await script('stop.sh', STOP_TIMEOUT_MS, this.scriptEnv, false).catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
