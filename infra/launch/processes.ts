import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/**
 * Child processes the harness starts, each stopped by its own PID: SIGTERM, then SIGKILL after a
 * timeout. One registry per harness run, so Ctrl-C and errors stop exactly what this run started.
 */
export class ProcessGroup {
  private readonly children: { name: string; child: ChildProcess; output: string[] }[] = [];

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 50) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.children.push({ name, child, output });
    return child;
  }

  /** The last lines a child printed: for an error message when it died. */
  tail(child: ChildProcess): string {
    return this.children.find((c) => c.child === child)?.output.join('').slice(-2000) ?? '';
  }

  async stopAll(timeoutMs = 10_000): Promise<void> {
    // Reverse start order: the gateway before the order service it depends on.
    for (const { child } of [...this.children].reverse()) await stop(child, timeoutMs);
    this.children.length = 0;
  }
}

export async function stop(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // It may exit between the check and the signal: ESRCH then means "already gone".
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already exited
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
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

/** Polls `url` until it answers 2xx; fails early if the child died. */
export async function waitReady(url: string, child: ChildProcess, group: ProcessGroup, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited with code ${child.exitCode} before it was ready:\n${group.tail(child)}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms:\n${group.tail(child)}`);
}

/** Waits for the first line of stdout that parses as JSON (a child announcing its port). */
export function firstJsonLine<T>(child: ChildProcess, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('child did not announce itself in time')), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.trim().startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before announcing itself`)));
  });
}

/** Arguments to run a TypeScript entry point with the same node as this process. */
export const tsNode = (file: string): [string, string[]] => [process.execPath, ['--import', 'tsx', file]];
