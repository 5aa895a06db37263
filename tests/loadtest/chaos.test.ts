/**
 * npm run chaos: a fault schedule is a function of its seed alone (the same seed applies the same
 * schedule twice), and a short sweep on each engine audits every run and prints the table.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { chaosRun } from '../../loadtest/chaos/schedule.ts';
import { parseFault } from '../../loadtest/faults/spec.ts';
import { transportsUnderTest } from '../support/transports.ts';

const CLI = new URL('../../loadtest/chaos/cli.ts', import.meta.url).pathname;

test('a chaos schedule is drawn from its seed alone, within the phase, one fault per process at a time', () => {
  const shape = { durationMs: 10_000, gateways: 3, orderServices: 2, redis: true };
  const seen = new Set<string>();
  for (let seed = 0; seed < 200; seed += 1) {
    const plan = chaosRun(seed, shape);
    assert.deepEqual(chaosRun(seed, shape), plan, `seed ${seed} gives the same schedule twice`);
    seen.add(plan.faults.join(' '));
    assert.ok(plan.faults.length >= 1 && plan.faults.length <= 2, plan.faults.join(' '));
    const specs = plan.faults.map(parseFault);
    for (const f of specs) {
      assert.ok(f.atMs >= 1_500 && f.atMs <= 8_000, `${f.text}: within the measured phase`);
      assert.ok(f.instance <= (f.target === 'gateway' ? 3 : f.target === 'order' ? 2 : 1), `${f.text}: a process the run has`);
      assert.notEqual(f.target, 'broker');
    }
    const [a, b] = specs;
    if (a && b && a.target === b.target && a.instance === b.instance)
      assert.ok(b.atMs >= a.atMs + a.forMs + 3_000, `${plan.faults.join(' ')}: one process, one fault at a time`);
  }
  assert.ok(seen.size > 150, `schedules vary with the seed (${seen.size} distinct of 200)`);
});

test('without a fixed rate, each run draws a shipped scenario from its seed and places its faults in that scenario', () => {
  const scenarios = { 'flash-sale': 17_000, 'sold-out-storm': 10_000, steady: 30_000 };
  const drawn = new Map<string, number>();
  for (let seed = 0; seed < 300; seed += 1) {
    const plan = chaosRun(seed, { durationMs: 5_000, gateways: 1, orderServices: 1, redis: false, scenarios });
    assert.deepEqual(chaosRun(seed, { durationMs: 5_000, gateways: 1, orderServices: 1, redis: false, scenarios }), plan);
    const length = scenarios[plan.scenario as keyof typeof scenarios];
    assert.ok(length, `seed ${seed}: a shipped scenario (${plan.scenario})`);
    drawn.set(plan.scenario ?? '', (drawn.get(plan.scenario ?? '') ?? 0) + 1);
    for (const f of plan.faults.map(parseFault)) assert.ok(f.atMs >= length * 0.15 && f.atMs <= length * 0.8, f.text);
  }
  assert.equal(drawn.size, 3, `every scenario drawn: ${JSON.stringify(Object.fromEntries(drawn))}`);
});

describe('npm run chaos: a short sweep, every run audited', async () => {
  for (const transport of await transportsUnderTest()) {
    test(`3 runs on ${transport}: every audit passes, the table and totals are printed`, { timeout: 300_000 }, async () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-'));
      try {
        const args = ['--runs', '3', '--seed', '7', '--duration', '5s', '--transport', transport, '--out', out];
        const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
          execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { timeout: 280_000 }, (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
          ),
        );
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        const rows = run.stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\s+constant\s+PASS/.test(l));
        assert.equal(rows.length, 3, run.stdout);
        for (const seed of [7, 8, 9]) assert.match(run.stdout, new RegExp(`^\\s+\\d\\s+${seed}\\s+constant\\s+PASS`, 'm'));
        const totals =
          /runs 3 \(0 could not run\), audits passed 3; faults applied (\d+) of (\d+); oversold 0, lost 0, duplicates 0/.exec(
            run.stdout,
          );
        assert.ok(totals, run.stdout);
        assert.equal(totals[1], totals[2], 'every fault was applied');
        // Each run wrote its results file, named by its seed.
        assert.deepEqual(
          fs
            .readdirSync(out)
            .filter((f) => f.endsWith('.json'))
            .map((f) => /chaos-(\d+)\.json$/.exec(f)?.[1])
            .sort(),
          ['7', '8', '9'],
        );
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    });
  }
});
