/**
 * `npm start`: the order service and the gateway as two OS processes (as in the demo), on the
 * configured ports and DATA_DIR, their logs on this terminal. Ctrl-C (or SIGTERM) stops both; if
 * either dies, the other is stopped too and the exit code says so. Its ports are checked first: a
 * second `npm start` says which port is taken and which variable moves it, in one line.
 */
import net from 'node:net';
import { loadConfig } from '../../services/common/config.ts';
import { createLogger } from '../../services/common/logger.ts';
import { launchServices } from './services.ts';

const log = createLogger('start');
const config = loadConfig();
const abort = new AbortController();

/** Why a port cannot be listened on (EADDRINUSE, EACCES…), or null when it is free. */
function portProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

// Before anything starts: a taken port would otherwise be "up" (the other instance answers the
// health check) and then die with a stack trace.
for (const [service, port, variable] of [
  ['order service', config.ORDER_PORT, 'ORDER_PORT'],
  ['gateway', config.GATEWAY_PORT, 'GATEWAY_PORT'],
] as const) {
  const problem = await portProblem(config.HOST, port);
  if (problem) {
    const why = problem === 'EADDRINUSE' ? 'is taken (another npm start?)' : `cannot be used (${problem})`;
    console.error(
      `npm start: port ${port} (${service}) on ${config.HOST} ${why}: stop what uses it, or set ${variable}=<another port>`,
    );
    process.exit(1);
  }
}

const launching = launchServices({
  transport: config.QUEUE_TRANSPORT,
  dataDir: config.DATA_DIR,
  ports: { gateway: config.GATEWAY_PORT, order: config.ORDER_PORT },
  // The configured order service URL, not the launcher's loopback default.
  env: { ORDER_URL: config.ORDER_URL },
  stdio: 'inherit',
  onExit: (_service, code) => stopAll(code ?? 1),
  signal: abort.signal,
});

let stopping = false;
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  // Still starting: the abort makes the launch stop what it started. Started: stop both.
  abort.abort();
  launching
    .then((services) => services.stop())
    .then(
      () => process.exit(code),
      () => process.exit(code),
    );
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

launching.then(
  () =>
    log.info(
      {
        gateway: `http://${config.HOST}:${config.GATEWAY_PORT}`,
        orderService: `http://${config.HOST}:${config.ORDER_PORT}`,
        transport: config.QUEUE_TRANSPORT,
      },
      'seckill-bench is up: Ctrl-C stops both services',
    ),
  (error: unknown) => {
    if (stopping) return;
    log.error({ err: error }, 'start failed');
    stopAll(1);
  },
);
