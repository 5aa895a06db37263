/**
 * A load run never passes a broken target: `npm run load` as a child process against targets that
 * cannot be measured (exit 3 with one line, before any load) and against stand-in gateways that
 * break in the ways real ones do (reset connections, codes the harness cannot read, refusing
 * everything): each fails its default thresholds with k6's exit code 99.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEMO_CATALOGUE } from '../../services/protocol/catalogue.ts';
import { ResultCode } from '../../services/protocol/codes.ts';
import { parseRunResult } from '../../loadtest/record/schema.ts';
import { ExitCode } from '../../loadtest/verdict/verdict.ts';
import { envelope, runCli, standInGateway } from './standIn.ts';

const SHORT = ['--rps', '200', '--duration', '2s', '--warmup', '0s', '--quiet', '--e2e-sample', '0'];

function outDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'load-broken-'));
}

const resultIn = (dir: string) => {
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
  assert.ok(file, 'a results file was written');
  return parseRunResult(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
};

test('unreachable target: exit 3 with one line, before any load', { timeout: 60_000 }, async () => {
  const { code, stdout, stderr } = await runCli(['--target', 'http://127.0.0.1:1']);
  assert.equal(code, ExitCode.COULD_NOT_RUN, stderr);
  assert.equal(stdout, '');
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0] ?? '', /^could not run: cannot reach the gateway at http:\/\/127\.0\.0\.1:1: connection refused/);
});

test('a target answering garbage: exit 3 naming what it answered', { timeout: 60_000 }, async () => {
  const server = await standInGateway(
    () => undefined,
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx</body></html>');
    },
  );
  try {
    const { code, stderr } = await runCli(['--target', server.url]);
    assert.equal(code, ExitCode.COULD_NOT_RUN, stderr);
    assert.match(
      stderr.trim(),
      /^could not run: http:\/\/127\.0\.0\.1:\d+ answers garbage: GET \/api\/query\.do gave HTTP 200 text\/html "<html><body>Welcome to nginx/,
    );
    assert.equal(server.charges, 0, 'no load was sent');
  } finally {
    await server.close();
  }
});

test('--order-url and --db are checked at preflight', { timeout: 60_000 }, async () => {
  const server = await standInGateway((_n, _req, res) =>
    envelope(res, 409, { code: ResultCode.SOLD_OUT, msg: 'sold out', data: null }),
  );
  const dir = outDir();
  try {
    const order = await runCli(['--target', server.url, '--order-url', 'http://127.0.0.1:1']);
    assert.equal(order.code, ExitCode.COULD_NOT_RUN);
    assert.match(
      order.stderr.trim(),
      /^could not run: --order-url http:\/\/127\.0\.0\.1:1: cannot read its \/metrics: connection refused/,
    );
    const missing = path.join(dir, 'nope.sqlite');
    const db = await runCli(['--target', server.url, '--db', missing]);
    assert.equal(db.code, ExitCode.COULD_NOT_RUN);
    assert.match(db.stderr.trim(), /^could not run: --db .*nope\.sqlite: cannot open it read-only/);
    fs.writeFileSync(path.join(dir, 'empty.sqlite'), '');
    const empty = await runCli(['--target', server.url, '--db', path.join(dir, 'empty.sqlite')]);
    assert.equal(empty.code, ExitCode.COULD_NOT_RUN);
    assert.match(empty.stderr, /not an order store \(no table products, orders, dead_letters\)/);
    assert.equal(server.charges, 0, 'no load was sent');
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'injected transport errors: a share of connections reset fails the default errors:rate<=0.01 with exit 99',
  { timeout: 120_000 },
  async () => {
    // Every 5th charge has its connection destroyed without an answer; the rest are "sold out".
    const server = await standInGateway((n, req, res) => {
      if (n % 5 === 0) req.socket.destroy();
      else envelope(res, 409, { code: ResultCode.SOLD_OUT, msg: 'sold out', data: null });
    });
    const dir = outDir();
    try {
      const { code, stdout, stderr } = await runCli(['--target', server.url, ...SHORT, '--out', dir]);
      assert.equal(code, ExitCode.THRESHOLD_CROSSED, `${stdout}\n${stderr}`);
      assert.match(stdout, /✗ errors:rate<=0\.01 {2}0\.2/);
      assert.match(stdout, /failed\s+80 \(20\.00%\): reset 80 {2}\(no latency recorded for them\)/);
      assert.match(stdout, /RESULT\s+FAIL \(exit 99\)/);
      const r = resultIn(dir);
      assert.equal(r.http.requests, 400);
      assert.equal(r.http.answered, 320);
      assert.deepEqual(r.http.failures, { reset: 80 });
      // Achieved counts answered requests only, and failures never reach a latency histogram.
      assert.equal(r.http.latencyByOutcome?.sold_out?.count, 320);
      assert.equal(r.http.latencyByOutcome?.error, undefined);
      assert.ok(r.http.achievedRps < r.http.sentRps!, `answered ${r.http.achievedRps}/s vs sent ${r.http.sentRps}/s`);
      assert.equal(r.exitCode, ExitCode.THRESHOLD_CROSSED);
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'answers the harness cannot classify (the demo\'s "code":"10000") fail unclassified:rate<=0.01',
  { timeout: 120_000 },
  async () => {
    const server = await standInGateway((_n, _req, res) =>
      envelope(res, 200, { code: String(ResultCode.OK), msg: 'queued', data: null }),
    );
    const dir = outDir();
    try {
      const { code, stdout, stderr } = await runCli(['--target', server.url, ...SHORT, '--out', dir]);
      assert.equal(code, ExitCode.THRESHOLD_CROSSED, `${stdout}\n${stderr}`);
      assert.match(
        stdout,
        /unclassified\s+400 \(100\.00%\) answers with a code the harness cannot classify, e\.g\. "code":"10000"/,
      );
      assert.match(stdout, /✗ unclassified:rate<=0\.01 {2}1/);
      // Nothing queued, and nothing said the stock was gone: the run fails that default too.
      assert.match(stdout, /✗ queued:count>0 {2}0/);
      // No order service, and nothing queued: those figures read "not measured", never 0.
      assert.match(stdout, /peak lag not measured \(no order-service \/metrics: pass --order-url\)/);
      assert.match(stdout, /drain not measured \(nothing was queued\)/);
      const r = resultIn(dir);
      assert.equal(r.queue.peakLag, null);
      assert.equal(r.queue.drainSeconds, null);
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a target that refuses every charge (nothing queued, no sign of sold out) fails queued:count>0',
  { timeout: 120_000 },
  async () => {
    const server = await standInGateway((_n, _req, res) =>
      envelope(res, 400, { code: ResultCode.INVALID_PARAMS, msg: 'chargePrice must be the price', data: null }),
    );
    try {
      const dir = outDir();
      try {
        const { code, stdout, stderr } = await runCli(['--target', server.url, ...SHORT, '--out', dir]);
        assert.equal(code, ExitCode.THRESHOLD_CROSSED, `${stdout}\n${stderr}`);
        assert.match(stdout, /✓ errors:rate<=0\.01/);
        assert.match(stdout, /✗ queued:count>0 {2}0/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await server.close();
    }
  },
);

test(
  "--target warm-up: the target's own products at a price one cent off, so it takes no unit of their stock",
  { timeout: 120_000 },
  async () => {
    const bodies: URLSearchParams[] = [];
    const server = await standInGateway((_n, _req, res, body) => {
      bodies.push(body);
      envelope(res, 409, { code: ResultCode.SOLD_OUT, msg: 'sold out', data: null });
    });
    try {
      const args = ['--target', server.url, '--rps', '100', '--duration', '1s', '--warmup', '1s', '--quiet', '--e2e-sample', '0'];
      const dir = outDir();
      const { code, stdout, stderr } = await runCli([...args, '--out', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
      assert.equal(code, ExitCode.PASSED, `${stdout}\n${stderr}`);
      assert.match(stdout, /warm-up\s+1 s, 100 requests to the target's products at a price one cent off/);
      // The first 100 charges are the warm-up's: the demo shop's products, each at its price + 0.01.
      const price = new Map(DEMO_CATALOGUE.products.map((p) => [p.id, p.price]));
      const warm = bodies.slice(0, 100);
      assert.equal(warm.length, 100);
      for (const b of warm) {
        const real = price.get(b.get('prodId') ?? '');
        assert.ok(real, `warm-up on a real product, got ${b.get('prodId')}`);
        assert.equal(b.get('chargePrice'), (Number(real) + 0.01).toFixed(2));
      }
      // The measured phase pays the real price, with users of its own.
      const measured = bodies.slice(100);
      assert.ok(measured.every((b) => b.get('chargePrice') === price.get(b.get('prodId') ?? '')));
      const warmUsers = new Set(warm.map((b) => b.get('userPhoneNum')));
      assert.ok(measured.every((b) => !warmUsers.has(b.get('userPhoneNum'))));
    } finally {
      await server.close();
    }
  },
);
