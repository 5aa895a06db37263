/**
 * `npm start`: the order service and the gateway as two OS processes (as in the demo), on the
 * configured ports and DATA_DIR, their logs on this terminal. Ctrl-C (or SIGTERM) stops both; if
 * either dies, the other is stopped too and the exit code says so.
 */
import { loadConfig } from '../../services/common/config.ts';
import { createLogger } from '../../services/common/logger.ts';
import { launchServices } from './services.ts';

const log = createLogger('start');
const config = loadConfig();
const abort = new AbortController();

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
