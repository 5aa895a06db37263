import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A service's own shutdown gives up after 10 s (services/common/http.ts): SIGKILL only past that. */
const STOP_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 60_000;
/** The bench's reference servers announce their port within a second or two. */
const ANNOUNCE_TIMEOUT_MS = 30_000;
/** Enough of a child's output to explain why it died. */
const TAIL_CHARS = 8_000;

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  /** 'inherit' (npm start): its output goes to this terminal. 'pipe' (default): its tail is kept for errors. */
  stdio?: 'pipe' | 'inherit';
  /** Called whenever it exits, whoever stopped it. */
  onExit?: (code: number | null) => void;
  /**
   * A command node is started through, which must exec it (so the PID stays node's), e.g.
   * `['sh', '-c', 'ulimit -n 300 && exec "$0" "$@"']` for a test under a low descriptor limit.
   */
  prefix?: readonly string[];
}

/**
 * A TypeScript entry point run as a child process with the same node as this one, stopped by its own
 * PID. It can be started again after a stop: the crash tests kill a service and bring it back.
 */
export class Child {
  private current: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly name: string,
    readonly file: string,
    private readonly options: ChildOptions = {},
  ) {}

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.output = '';
    const [command = process.execPath, ...args] = [
      ...(this.options.prefix ?? []),
      process.execPath,
      '--import',
      'tsx',
      this.file,
    ];
    const child = spawn(command, args, {
      env: this.options.env ?? process.env,
      stdio: this.options.stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const onExit = this.options.onExit;
    if (onExit) child.once('exit', onExit);
    this.current = child;
  }

  /** The process of the latest start. */
  get proc(): ChildProcess | undefined {
    return this.current;
  }

  get running(): boolean {
    return this.current !== undefined && this.current.exitCode === null && this.current.signalCode === null;
  }

  /** How it ended, for error messages: "code 1" or "SIGKILL". */
  get ended(): string {
    return this.current?.signalCode ?? `code ${this.current?.exitCode ?? 'none'}`;
  }

  /** The last lines it printed (empty with inherited stdio), set off for an error message. */
  tail(): string {
    return this.output ? `\n--- last output of ${this.name} ---\n${this.output}` : '';
  }

  /** Stops it by PID: `signal`, then SIGKILL after STOP_TIMEOUT_MS. Resolves once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.current;
    if (!child || !this.running || child.pid === undefined) return;
    const pid = child.pid;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalStop(pid, signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => sendSignal(pid, 'SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** The children one run started, stopped in reverse start order: a caller before what it calls. */
export class ProcessGroup {
  private readonly children: Child[] = [];

  start(name: string, file: string): Child {
    const child = new Child(name, file);
    this.children.push(child);
    child.start();
    return child;
  }

  async stopAll(): Promise<void> {
    const children = this.children.splice(0).reverse();
    for (const child of children) await child.stop();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `${url}/healthz` until it answers 2xx. Fails at once, with the child's last output, if the
 * child died or `signal` aborted; else after READY_TIMEOUT_MS.
 */
export async function waitHealthy(url: string, child: Child, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (!child.running) throw new Error(`${child.name} exited (${child.ended}) before ${url} was ready${child.tail()}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name}: ${url}/healthz did not answer within ${READY_TIMEOUT_MS} ms${child.tail()}`);
}

/** The URL of a child server that prints `{"port":N}` as its first line once listening (the bench's reference servers). */
export function announcedUrl(child: Child): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = child.proc;
    if (!proc) return reject(new Error(`${child.name} was not started`));
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`${child.name} did not announce its port in time${child.tail()}`)),
      ANNOUNCE_TIMEOUT_MS,
    );
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.trim().startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
    });
    proc.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited (${child.ended}) before announcing its port${child.tail()}`));
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Sends a signal to a process that may have exited meanwhile (ESRCH then means "already gone"). */
export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already exited
  }
}

/**
 * The first step of stopping a process: `signal`, and SIGCONT after it unless it is SIGKILL, since a
 * SIGSTOPped process (a pause fault, the crash tests) acts on no other signal until it is continued.
 */
export function signalStop(pid: number, signal: NodeJS.Signals): void {
  sendSignal(pid, signal);
  if (signal !== 'SIGKILL') sendSignal(pid, 'SIGCONT');
}

/** True while a process with this PID exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a process known only by its PID (one started by another command, e.g. `npm run observe:start`):
 * SIGTERM, a bounded wait, then SIGKILL.
 */
export async function stopPid(pid: number, timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}
