import type { BaseClient } from 'rocketmq-client-nodejs';
import type { Logger } from '../../common/logger.ts';

type TelemetryStream = ReturnType<BaseClient['createTelemetryStream']>;

/**
 * Works around the client's telemetry stream handling (rocketmq-client-nodejs 1.0.8, TelemetrySession):
 * on shutdown it calls `stream.end()` then `stream.removeAllListeners()`, which leaves the gRPC call
 * open until the proxy ends it. If the proxy goes away first (restart, tests stopping the broker), the
 * call errors ("14 UNAVAILABLE: Connection dropped") with no 'error' listener left, and Node turns
 * that into an uncaught exception that kills the process. The open call also makes the proxy's own
 * shutdown wait for it. Here every telemetry stream keeps an 'error' listener for good (logging at
 * debug), and ending it also cancels the call (the CANCELLED error lands in that listener).
 */
export function hardenTelemetry<T extends BaseClient>(client: T, log: Logger): T {
  const create = client.createTelemetryStream.bind(client);
  client.createTelemetryStream = (endpoints): TelemetryStream => {
    const stream = create(endpoints);
    const sink = (error: unknown) => log.debug({ err: error }, 'rocketmq telemetry stream closed');
    stream.on('error', sink);
    const removeAll = stream.removeAllListeners.bind(stream);
    stream.removeAllListeners = (...args: Parameters<TelemetryStream['removeAllListeners']>) => {
      removeAll(...args);
      if (stream.listenerCount('error') === 0) stream.on('error', sink);
      return stream;
    };
    const end = stream.end.bind(stream) as () => TelemetryStream;
    stream.end = ((..._args: unknown[]) => {
      end();
      stream.cancel();
      return stream;
    }) as TelemetryStream['end'];
    return stream;
  };
  return client;
}
