/**
 * `npm start`: the order service and the gateway as two OS processes (as in the demo), the order
 * service first because it owns the catalogue. Ctrl-C (or SIGTERM) stops both; if either dies, the
 * other is stopped too and the exit code says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../services/common/config.ts';
import { createLogger } from '../../services/common/logger.ts';

const log = createLogger('start');
const config = loadConfig();
const READY_TIMEOUT_MS = 60_000;

function startService(script: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], {
    stdio: 'inherit',
    env: process.env,
  });
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited with code ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} was not ready within ${READY_TIMEOUT_MS} ms`);
}

const children: ChildProcess[] = [];
let stopping = false;
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of alive) child.kill('SIGTERM');
  const killTimer = setTimeout(() => alive.forEach((c) => c.kill('SIGKILL')), 12_000).unref();
  Promise.all(alive.map((c) => new Promise((resolve) => c.once('exit', resolve)))).then(() => {
    clearTimeout(killTimer);
    process.exit(code);
  });
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

try {
  const order = startService('../../services/order/main.ts');
  children.push(order);
  order.once('exit', (code) => stopAll(code ?? 1));
  await waitHealthy(`http://127.0.0.1:${config.ORDER_PORT}`, order);
  const gateway = startService('../../services/gateway/main.ts');
  children.push(gateway);
  gateway.once('exit', (code) => stopAll(code ?? 1));
  await waitHealthy(`http://127.0.0.1:${config.GATEWAY_PORT}`, gateway);
  log.info(
    {
      gateway: `http://${config.HOST}:${config.GATEWAY_PORT}`,
      orderService: `http://${config.HOST}:${config.ORDER_PORT}`,
      transport: config.QUEUE_TRANSPORT,
    },
    'seckill-bench is up: Ctrl-C stops both services',
  );
} catch (error) {
  log.error({ err: error }, 'start failed');
  stopAll(1);
}
