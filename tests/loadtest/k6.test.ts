import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { K6_THRESHOLDS_CROSSED, runK6 } from '../../loadtest/driver/k6/run.ts';
import type { DriverConfig } from '../../loadtest/driver/types.ts';
import { productCatalogue } from '../../loadtest/driver/workload.ts';

const run = promisify(execFile);

const config = (): DriverConfig => ({
  target: 'http://127.0.0.1:1',
  schedule: { rps: 10, durationMs: 1000, rampMs: 0 },
  workload: { products: productCatalogue(1), users: 10, repeatRatio: 0, seed: 1 },
  connections: 1,
  workers: 1,
  timeoutMs: 1000,
});

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
  await assert.rejects(runK6(config(), { onAnswers: () => undefined }), /no `k6` binary on PATH/);
});

test("--driver k6: the run's limits reach the script, and k6's exit code 99 is a failed check", async () => {
  // A stand-in `k6` on PATH (k6 itself is not installable here): it records the limits it was given,
  // writes a summary in the script's shape and exits as k6 does when a threshold was crossed.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-k6-'));
  const seen = path.join(dir, 'env.txt');
  fs.writeFileSync(
    path.join(dir, 'k6'),
    `#!/bin/sh
[ "$1" = version ] && exit 0
echo "MAX_P99_MS=$MAX_P99_MS MIN_RATE_RATIO=$MIN_RATE_RATIO" > ${JSON.stringify(seen)}
cat > "$SUMMARY_FILE" <<'JSON'
{"targetRps":10,"requests":10,"errors":0,"achievedRps":10,"statusCodes":{"202":10},"latencyMs":{"p50":1,"p90":2,"p99":80,"p999":90,"max":95}}
JSON
exit 99
`,
    { mode: 0o755 },
  );
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  try {
    const result = await runK6({ ...config(), limits: { maxP99Ms: 50, minRateRatio: 0.9 } }, { onAnswers: () => undefined });
    assert.equal(fs.readFileSync(seen, 'utf8').trim(), 'MAX_P99_MS=50 MIN_RATE_RATIO=0.9');
    assert.equal(result.latencyMs.p99, 80);
    assert.deepEqual(
      result.checks.map((c) => [c.value, c.passed]),
      [[K6_THRESHOLDS_CROSSED, false]],
    );
  } finally {
    process.env.PATH = oldPath;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
