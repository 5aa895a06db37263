/**
 * `npm test`: every `*.test.ts` under tests/, one file at a time, through node's test runner (its
 * summary is what CI reads). Before the run it makes sure a real RocketMQ broker answers, so that the
 * end-to-end suites also run on it: one broker for the whole run, started here when none runs and
 * Java + Maven are present, and stopped (by PID, through stop.sh) at the end only if started here.
 * Without Java/Maven it says so loudly and the RocketMQ variants are skipped, unless
 * REQUIRE_REAL_SERVICES=1 (CI), which makes that a failure.
 * Arguments narrow the run to files or folders: `npm test -- tests/unit`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBroker } from '../infra/launch/broker.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function testFiles(roots: string[]): string[] {
  const files: string[] = [];
  const walk = (p: string) => {
    if (fs.statSync(p).isDirectory()) for (const entry of fs.readdirSync(p).sort()) walk(path.join(p, entry));
    else if (p.endsWith('.test.ts')) files.push(p);
  };
  for (const root of roots) walk(path.resolve(root));
  return files;
}

const files = testFiles(process.argv.length > 2 ? process.argv.slice(2) : [path.join(ROOT, 'tests')]);
const broker = await ensureBroker();
const env = { ...process.env, SECKILL_TEST_ROCKETMQ: broker.skip ? '0' : '1' };
// A backstop only: every wait in the suites has its own, much shorter, bound.
const TEST_TIMEOUT_MS = 10 * 60_000;
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files],
  {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  },
);
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await broker.stop();
process.exit(code);
