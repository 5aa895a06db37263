/** The Prometheus wrapper: config, start/stop by PID (library and observe:start/stop), the checker's failure modes. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { checkDashboards } from '../../dashboards/check.ts';
import { freePort, isAlive } from '../../infra/launch/processes.ts';
import {
  isPrometheusPid,
  queryPrometheus,
  renderConfig,
  startPrometheus,
  targetsFromEnv,
  toAddress,
} from '../../infra/prometheus/prometheus.ts';
import { havePrometheus } from './support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('targets come from the services’ own env, with the documented defaults', () => {
  assert.deepEqual(targetsFromEnv({}), [
    { job: 'gateway', address: '127.0.0.1:8070' },
    { job: 'order-service', address: '127.0.0.1:8071' },
    { job: 'rocketmq', address: '127.0.0.1:5557' },
  ]);
  const custom = targetsFromEnv({
    GATEWAY_URL: 'http://10.0.0.5:9000/',
    ORDER_URL: 'http://127.0.0.1:7001',
    ROCKETMQ_METRICS_URL: '127.0.0.1:6000',
  });
  assert.deepEqual(
    custom.map((t) => t.address),
    ['10.0.0.5:9000', '127.0.0.1:7001', '127.0.0.1:6000'],
  );
  assert.equal(targetsFromEnv({ GATEWAY_PORT: '8170' })[0]!.address, '127.0.0.1:8170');
  assert.throws(() => toAddress('http://localhost/'), /explicit port/);
});

test('the rendered config scrapes every job each second', () => {
  const config = parse(renderConfig(targetsFromEnv({})));
  assert.equal(config.global.scrape_interval, '1s');
  assert.deepEqual(
    config.scrape_configs.map((j: { job_name: string; static_configs: Array<{ targets: string[] }> }) => [
      j.job_name,
      j.static_configs[0]!.targets,
    ]),
    [
      ['gateway', ['127.0.0.1:8070']],
      ['order-service', ['127.0.0.1:8071']],
      ['rocketmq', ['127.0.0.1:5557']],
    ],
  );
});

test('promtool accepts the rendered config', (t) => {
  if (!havePrometheus(t)) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'seckill-promtool-'));
  try {
    const file = path.join(dir, 'prometheus.yml');
    writeFileSync(file, renderConfig(targetsFromEnv({})));
    execFileSync('promtool', ['check', 'config', file], { stdio: 'pipe', timeout: 30_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startPrometheus with no targets: ready, queryable, stopped by PID', { timeout: 60_000 }, async (t) => {
  if (!havePrometheus(t)) return;
  const prom = await startPrometheus({ targets: [], port: await freePort() });
  try {
    assert.ok(isAlive(prom.pid) && isPrometheusPid(prom.pid));
    assert.deepEqual(await queryPrometheus(prom.url, 'up'), []);
    assert.deepEqual((await queryPrometheus(prom.url, '1 + 1'))[0]!.values[0]![1], '2');
    await assert.rejects(queryPrometheus(prom.url, 'sum(('), /parse error/);

    // The checker: a query that parses but has no data, and one that does not parse, both fail.
    const dir = mkdtempSync(path.join(tmpdir(), 'seckill-dash-'));
    try {
      const bad = {
        uid: 'bad',
        title: 'Bad',
        templating: { list: [] },
        panels: [
          {
            id: 1,
            type: 'timeseries',
            title: 'p',
            targets: [
              { refId: 'A', expr: 'no_such_metric_total' },
              { refId: 'B', expr: 'rate(x[' },
              { refId: 'C', expr: 'vector(3)' },
            ],
          },
        ],
      };
      writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
      const now = Date.now() / 1000;
      const checks = await checkDashboards({ url: prom.url, start: now - 5, end: now, dir });
      assert.deepEqual(
        checks.map((c) => c.status),
        ['empty', 'error', 'ok'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await prom.stop();
  }
  assert.ok(!isAlive(prom.pid), 'prometheus still running after stop()');
  assert.ok(!existsSync(prom.workDir), 'work dir left behind');
  await assert.rejects(fetch(`${prom.url}/-/ready`, { signal: AbortSignal.timeout(2000) }));
});

test('startPrometheus refuses a port that is taken', { timeout: 30_000 }, async (t) => {
  if (!havePrometheus(t)) return;
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(startPrometheus({ targets: [], port }), /already in use/);
  } finally {
    blocker.close();
  }
});

test('npm run observe:start / observe:stop: PID file, ready, stopped', { timeout: 90_000 }, async (t) => {
  if (!havePrometheus(t)) return;
  const stateDir = mkdtempSync(path.join(tmpdir(), 'seckill-observe-test-'));
  const port = await freePort();
  const env = { ...process.env, OBSERVE_STATE_DIR: stateDir, PROM_PORT: String(port) };
  const run = (command: string) =>
    execFileSync(process.execPath, ['--import', 'tsx', 'infra/prometheus/observe.ts', command], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
  let pid = 0;
  try {
    assert.match(run('start'), /prometheus ready/);
    pid = Number(readFileSync(path.join(stateDir, 'prometheus.pid'), 'utf8'));
    assert.ok(isAlive(pid) && isPrometheusPid(pid));
    assert.ok((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok);
    const config = (await (await fetch(`http://127.0.0.1:${port}/api/v1/status/config`)).json()) as { data: { yaml: string } };
    assert.match(config.data.yaml, /job_name: order-service/);
    assert.match(run('stop'), new RegExp(`pid ${pid}\\) stopped`));
    assert.ok(!isAlive(pid));
    assert.ok(!existsSync(path.join(stateDir, 'prometheus.pid')));
    assert.match(run('stop'), /nothing to stop/);
  } finally {
    if (pid && isAlive(pid) && isPrometheusPid(pid)) process.kill(pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('observe:stop does not kill a process that is not prometheus (stale PID file)', { timeout: 30_000 }, () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'seckill-observe-stale-'));
  try {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'prometheus.pid'), `${process.pid}\n`);
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'infra/prometheus/observe.ts', 'stop'], {
      cwd: ROOT,
      env: { ...process.env, OBSERVE_STATE_DIR: stateDir },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    assert.doesNotMatch(out, /stopped/);
    assert.ok(isAlive(process.pid));
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
