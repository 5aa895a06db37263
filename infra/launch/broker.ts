import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** First start may download ~90 MB of jars from Maven Central, then ~20-35 s to boot on 2 cores. */
const START_TIMEOUT_MS = 600_000;
const STOP_TIMEOUT_MS = 60_000;

export interface Broker {
  /** Set when the tests must be skipped (no Java/Maven here and REQUIRE_REAL_SERVICES is not 1). */
  readonly skip: string | false;
  /** Stops the broker if (and only if) this helper started it. */
  stop(): Promise<void>;
}

function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
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
 * Makes sure a RocketMQ broker answers on ROCKETMQ_PROXY_PORT (8081): uses one already running, or
 * starts one with infra/rocketmq/start.sh when Java and Maven are here. Without them: skips loudly,
 * or fails when REQUIRE_REAL_SERVICES=1 (CI).
 */
export async function ensureBroker(): Promise<Broker> {
  const port = Number(process.env.ROCKETMQ_PROXY_PORT ?? 8081);
  if (await portAnswers(port)) {
    console.log(`[rocketmq tests] using the broker already answering on 127.0.0.1:${port}`);
    return { skip: false, stop: async () => undefined };
  }
  const missing = ['java', 'mvn'].filter((tool) => !has(tool, tool === 'java' ? ['-version'] : ['-v']));
  if (missing.length > 0) {
    const reason = `no RocketMQ broker: ${missing.join(' and ')} not found (needed by infra/rocketmq/start.sh)`;
    if (process.env.REQUIRE_REAL_SERVICES === '1') throw new Error(`${reason}, and REQUIRE_REAL_SERVICES=1`);
    console.log(`\n*** SKIPPING the RocketMQ tests: ${reason} ***\n`);
    return { skip: reason, stop: async () => undefined };
  }
  console.log('[rocketmq tests] starting a broker with infra/rocketmq/start.sh');
  const started = spawnSync('bash', [path.join(ROOT, 'infra/rocketmq/start.sh')], {
    stdio: 'inherit',
    timeout: START_TIMEOUT_MS,
  });
  if (started.status !== 0)
    throw new Error(`infra/rocketmq/start.sh failed (status ${started.status}, ${started.signal ?? 'no signal'})`);
  return {
    skip: false,
    stop: async () => {
      console.log('[rocketmq tests] stopping the broker this run started');
      spawnSync('bash', [path.join(ROOT, 'infra/rocketmq/stop.sh')], { stdio: 'inherit', timeout: STOP_TIMEOUT_MS });
    },
  };
}
