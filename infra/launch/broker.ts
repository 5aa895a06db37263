import { execFile, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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
function script(name: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'infra/rocketmq', name)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      process.stderr.write(chunk);
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
