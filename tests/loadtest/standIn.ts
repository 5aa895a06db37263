/**
 * A stand-in gateway for the harness's own tests (node:http, in the test process): it answers
 * query.do with the envelope, so that preflight lets a run start, and each charge as `charge` says —
 * which lets a test inject what a broken target does (reset connections, string codes, refusals).
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResultCode } from '../../services/protocol/codes.ts';

/** n: the charge's number (1, 2, …); body: its form body. */
export type ChargeBehaviour = (n: number, req: http.IncomingMessage, res: http.ServerResponse, body: URLSearchParams) => void;

export interface StandIn {
  url: string;
  charges: number;
  close(): Promise<void>;
}

export const envelope = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function standInGateway(charge: ChargeBehaviour, other?: http.RequestListener): Promise<StandIn> {
  const state = { charges: 0 };
  const server = http.createServer((req, res) => {
    if (other) return other(req, res);
    if (req.url?.startsWith('/api/query.do'))
      return envelope(res, 404, { code: ResultCode.NO_SUCH_ORDER, msg: 'no such order', data: null });
    if (req.url === '/api/charge.do') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        state.charges += 1;
        charge(state.charges, req, res, new URLSearchParams(body));
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get charges() {
      return state.charges;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CLI = new URL('../../loadtest/cli.ts', import.meta.url).pathname;

/** `npm run load -- ARGS` as a child process: its exit code and output, whatever the code. */
export function runCli(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
