import { createServer, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Registry } from 'prom-client';
import { httpStatusOf, ResultCode, type Envelope } from '../protocol/codes.ts';
import { answerServerErrorsWithEnvelopes } from './clientErrors.ts';
import type { Logger } from './logger.ts';

const metricsRoute = (registry: Registry) =>
  asyncRoute(async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });

/**
 * `/metrics` and `/healthz`, the same on every service. `registry` null: /metrics is served on a port
 * of its own (listenMetrics), not on the service's.
 */
export function addOpsRoutes(app: Express, registry: Registry | null, isReady: () => boolean): void {
  if (registry) app.get('/metrics', metricsRoute(registry));
  app.get('/healthz', (_req, res) => {
    if (isReady()) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'starting' });
  });
  refuseOtherMethods(app, registry ? { '/metrics': ['GET'], '/healthz': ['GET'] } : { '/healthz': ['GET'] });
}

/** /metrics alone on its own port (GATEWAY_METRICS_PORT, ORDER_METRICS_PORT): kept off the public one. */
export function listenMetrics(registry: Registry, log: Logger, host: string, port: number): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsRoute(registry));
  refuseOtherMethods(app, { '/metrics': ['GET'] });
  addFallbackRoutes(app, log);
  return listen(app, host, port);
}

function sendEnvelope(res: ServerResponse, code: ResultCode, msg: string): void {
  sendJson(res, httpStatusOf[code], { code, msg, data: null } satisfies Envelope);
}

/**
 * 405 with an Allow header for every other method on these paths. Call after their routes: Express
 * tries routes in order, so only what they did not take reaches this. GET implies HEAD, as in Express.
 */
export function refuseOtherMethods(app: Express, allowed: Record<string, readonly string[]>): void {
  for (const [path, methods] of Object.entries(allowed)) {
    const allow = (methods.includes('GET') ? [...methods, 'HEAD'] : methods).join(', ');
    app.all(path, (req, res) => {
      res.setHeader('allow', allow);
      sendEnvelope(res, ResultCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed on ${path}: ${allow} only`);
    });
  }
}

/**
 * The last routes of every app: an unknown path answers a 404 envelope, and an error no route
 * handled answers an envelope too, never Express's HTML page: 400 when Express marked it as the
 * request's fault (e.g. a malformed percent-encoding), else 500 (a bug of ours, logged).
 */
export function addFallbackRoutes(app: Express, log: Logger): void {
  app.use((req, res) => {
    sendEnvelope(res, ResultCode.NO_SUCH_ENDPOINT, `no such endpoint: ${req.method} ${req.path.slice(0, 64)}`);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown } | null)?.status;
    const clientFault = typeof status === 'number' && status >= 400 && status < 500;
    if (!clientFault) log.error({ err: error }, 'unhandled request error');
    if (res.headersSent) return void res.destroy();
    if (clientFault) sendEnvelope(res, ResultCode.MALFORMED_REQUEST, 'malformed request');
    else sendEnvelope(res, ResultCode.INTERNAL_ERROR, 'internal error');
  });
}

/**
 * Writes a JSON answer with node's own writeHead/end. Measured on the gateway's hot path, Express's
 * res.status().json() spends ~8 % of a request's CPU on work an API answer does not need (charset
 * negotiation through the content-type parser, freshness and ETag checks, header helpers).
 */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** `options`: the HTTP server's own settings (the gateway's timeouts); node's defaults without them. */
export function listen(app: Express, host: string, port: number, options: ServerOptions = {}): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Node answers an HTTP/1.1 request without Host with a bodiless 400 itself: refused here instead, with the envelope.
    const withHost: RequestListener = (req, res) => {
      if (req.headers.host === undefined && req.httpVersion === '1.1') {
        sendEnvelope(res, ResultCode.MALFORMED_REQUEST, 'an HTTP/1.1 request needs a Host header');
      } else app(req, res);
    };
    const server = createServer({ requireHostHeader: false, ...options }, withHost).listen(port, host, () => resolve(server));
    answerServerErrorsWithEnvelopes(server);
    server.once('error', reject);
  });
}

/**
 * Runs `stop` once on SIGTERM or SIGINT (Ctrl-C), then exits. A second signal, or a stop that takes
 * longer than the timeout, exits at once: a stuck shutdown must not keep a port or a lock.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, timeoutMs = 10_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'stopping');
    setTimeout(() => {
      log.error('shutdown timed out');
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/**
 * Express 4 does not catch a rejected async handler (the process would die on the unhandled
 * rejection): route every async handler's failure to the error middleware instead.
 */
export function asyncRoute(handler: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
}
