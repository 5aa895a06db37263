import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs on stderr (stdout stays free for command output). LOG_LEVEL picks the level
 * (default info; tests and the load harness set warn so the hot path logs nothing per request).
 */
export function createLogger(service: string): Logger {
  return pino({ name: service, level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
}

export type { Logger };
