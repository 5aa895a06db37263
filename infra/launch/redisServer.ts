import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { sendSignal, signalStop, waitFor } from './processes.ts';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** One RESP PING over a raw socket: true on +PONG (no client library, no reconnect loop to silence). */
export function redisAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * A redis-server of our own, in the foreground as a child, stopped by its PID: nothing on disk
 * (`--save '' --appendonly no`, as the machine's Redis), so a kill loses its data as a real Redis
 * restart without persistence does. Started again after a stop (a --fault on redis does both).
 */
export class RedisServer {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    /** Its working directory (cluster node files live there). */
    private readonly dir: string,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    const child = this.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** Starts it and waits until it answers PING; a start that fails leaves it stopped. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.pid !== undefined) throw new Error(`redis-server on ${this.port} is already running`);
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    const failed = new Promise<never>((_, reject) =>
      child.once('error', (error) => reject(new Error(`redis-server could not start: ${error.message}`))),
    );
    failed.catch(() => undefined);
    this.child = child;
    try {
      await Promise.race([
        waitFor(`redis-server on ${this.port}`, async () => signal?.aborted || (await redisAnswers(this.port)), START_TIMEOUT_MS),
        failed,
      ]);
      if (signal?.aborted) throw new Error('aborted');
    } catch (error) {
      await this.stop('SIGKILL');
      throw error;
    }
  }

  /** `signal` (SIGKILL: a crash), SIGCONT for a paused one, SIGKILL after STOP_TIMEOUT_MS; resolves once it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    const pid = this.pid;
    if (!child || pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalStop(pid, signal);
    const timer = setTimeout(() => sendSignal(pid, 'SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
