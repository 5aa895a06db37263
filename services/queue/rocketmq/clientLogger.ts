import { format } from 'node:util';
import type { ILogger } from 'rocketmq-client-nodejs';
import type { Logger } from '../../common/logger.ts';

/**
 * The client's logger interface, backed by our pino logger. Without it the client writes to
 * ~/logs/rocketmq/ (egg-logger). The client calls it printf-style (`'... %s, %d', a, b`): formatted here
 * with util.format. Its info lines (route updates, settings syncs) are chatty: they go to debug.
 */
export function clientLogger(log: Logger): ILogger {
  const line = (args: unknown[]): string => format(...args);
  return {
    debug: (...args: unknown[]) => log.debug(line(args)),
    info: (...args: unknown[]) => log.debug(line(args)),
    warn: (...args: unknown[]) => log.warn(line(args)),
    error: (...args: unknown[]) => log.error(line(args)),
  };
}
