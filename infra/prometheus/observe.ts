/**
 * `npm run observe:start` / `npm run observe:stop`: a detached Prometheus scraping the services
 * (targets from GATEWAY_URL / ORDER_URL / ROCKETMQ_METRICS_URL, port PROM_PORT), remembered by a
 * PID file so that stop kills exactly that process.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAlive, stopPid } from '../launch/processes.ts';
import { DEFAULT_PROM_PORT, isPrometheusPid, PrometheusUnavailable, startPrometheus, targetsFromEnv } from './prometheus.ts';
import { type ObserveState, pidFile, readState, stateDir, stateFile } from './state.ts';

async function start(): Promise<void> {
  const dir = stateDir();
  const previous = readState(dir);
  if (previous && isAlive(previous.pid) && isPrometheusPid(previous.pid)) {
    console.log(`prometheus already running: ${previous.url} (pid ${previous.pid}); npm run observe:stop first`);
    return;
  }
  const targets = targetsFromEnv();
  const prom = await startPrometheus({ targets, port: Number(process.env.PROM_PORT ?? DEFAULT_PROM_PORT), detached: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(pidFile(dir), `${prom.pid}\n`);
  const state: ObserveState = { url: prom.url, pid: prom.pid, workDir: prom.workDir, startedAt: Date.now() / 1000 };
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
  console.log(`prometheus ready: ${prom.url} (pid ${prom.pid}, pid file ${pidFile(dir)})`);
  for (const t of targets) console.log(`  scraping job=${t.job} at http://${t.address}/metrics`);
}

async function stop(): Promise<void> {
  const dir = stateDir();
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(dir), 'utf8').trim());
  } catch {
    console.log(`no pid file at ${pidFile(dir)}: nothing to stop`);
    return;
  }
  const state = readState(dir);
  if (isAlive(pid) && !isPrometheusPid(pid)) {
    console.error(`pid ${pid} from ${pidFile(dir)} is not prometheus any more (stale file): not killing it`);
  } else {
    await stopPid(pid);
    console.log(`prometheus (pid ${pid}) stopped`);
  }
  if (state) rmSync(state.workDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}

const command = process.argv[2];
try {
  if (command === 'start') await start();
  else if (command === 'stop') await stop();
  else throw new Error('usage: observe.ts start|stop');
} catch (error) {
  if (error instanceof PrometheusUnavailable) console.error(`\n!!! PROMETHEUS UNAVAILABLE: ${error.message}\n`);
  else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
