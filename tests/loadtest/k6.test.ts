import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { runK6 } from '../../loadtest/driver/k6/run.ts';
import { productCatalogue } from '../../loadtest/driver/workload.ts';

const run = promisify(execFile);

test('the k6 script type-checks against @types/k6 (its own tsconfig: k6 globals, not node)', { timeout: 120_000 }, async () => {
  const tsc = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;
  const k6Project = new URL('../../loadtest/driver/k6', import.meta.url).pathname;
  await assert.doesNotReject(run(process.execPath, [tsc, '-p', k6Project], { timeout: 100_000 }));
});

test('--driver k6 says clearly when there is no k6 binary', async (t) => {
  const hasK6 = await run('k6', ['version']).then(
    () => true,
    () => false,
  );
  if (hasK6) return t.skip('a k6 binary is on PATH here');
  const config = {
    target: 'http://127.0.0.1:1',
    schedule: { rps: 10, durationMs: 1000, rampMs: 0 },
    workload: { products: productCatalogue(1), users: 10, repeatRatio: 0, seed: 1 },
    connections: 1,
    workers: 1,
    timeoutMs: 1000,
  };
  await assert.rejects(runK6(config, new AbortController().signal), /no `k6` binary on PATH/);
});
