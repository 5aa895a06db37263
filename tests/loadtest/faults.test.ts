/** --fault: the spec's rules, and a real run whose order service is SIGKILLed mid-burst, then audited. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseFault } from '../../loadtest/faults/spec.ts';
import { parseArgs } from '../../loadtest/options.ts';
import { parseRunResult } from '../../loadtest/record/schema.ts';
import { UsageError } from '../../loadtest/verdict/thresholds.ts';
import { runCli } from './standIn.ts';

test('fault specs: ACTION:TARGET[#N]@AT[+FOR], each bad one named with why', () => {
  assert.deepEqual(parseFault('kill:order@1s+1s'), {
    text: 'kill:order@1s+1s',
    action: 'kill',
    target: 'order',
    instance: 1,
    atMs: 1000,
    forMs: 1000,
  });
  assert.deepEqual(parseFault('kill:gateway@500ms'), {
    text: 'kill:gateway@500ms',
    action: 'kill',
    target: 'gateway',
    instance: 1,
    atMs: 500,
    forMs: 0,
  });
  assert.equal(parseFault('pause:order@2s+3s').forMs, 3000);
  assert.equal(parseFault('restart:gateway@1m').atMs, 60_000);
  assert.equal(parseFault('pause:gateway#2@3s+1s').instance, 2);
  const bad: [string, RegExp][] = [
    ['kill:order', /malformed/],
    ['explode:order@1s', /unknown action "explode"/],
    ['kill:database@1s', /unknown target "database" \(order, gateway, redis, broker\)/],
    ['kill:order@soon', /AT "soon" is not a duration/],
    ['kill:gateway#0@1s', /processes count from #1/],
    ['kill:order@1s+long', /FOR "long" is not a duration/],
    ['pause:order@1s', /pause needs \+FOR/],
    ['restart:order@1s+2s', /restart is graceful and takes no \+FOR/],
  ];
  for (const [spec, why] of bad)
    assert.throws(
      () => parseFault(spec),
      (e: unknown) => e instanceof UsageError && why.test(e.message),
      spec,
    );
  // Repeatable; refused where the harness did not start the processes or cannot see each answer.
  assert.deepEqual(parseArgs(['--fault', 'kill:order@1s', '--fault', 'pause:gateway@2s+1s']).options.fault, [
    'kill:order@1s',
    'pause:gateway@2s+1s',
  ]);
  assert.throws(
    () => parseArgs(['--fault', 'kill:order@1s', '--target', 'http://127.0.0.1:9']),
    /--fault breaks only a shop the harness started/,
  );
  assert.throws(() => parseArgs(['--fault', 'kill:order@1s', '--driver', 'k6']), /--fault/);
  assert.throws(() => parseArgs(['--fault', 'kill:order']), /--fault 'kill:order': malformed/);
  // A redis or broker fault breaks what the run starts for itself: only with the part it uses.
  assert.throws(() => parseArgs(['--fault', 'kill:redis@1s+1s']), /add --admission redis/);
  assert.throws(() => parseArgs(['--fault', 'kill:broker@1s+1s']), /add --transport rocketmq/);
  assert.doesNotThrow(() => parseArgs(['--fault', 'kill:redis@1s+1s', '--admission', 'redis']));
});

test(
  '--fault kill:order@1s+1s: the order service is SIGKILLed and restarted mid-run, the audit passes, the fault is recorded',
  { timeout: 180_000 },
  async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'load-fault-'));
    try {
      // 1,200 requests for 500 units: the units sell while the order service is down and after it is back.
      const args = ['--rps', '300', '--duration', '4s', '--products', '1', '--stock', '500', '--warmup', '0s'];
      const run = await runCli(
        [...args, '--fault', 'kill:order@1s+1s', '--min-rate-ratio', '0', '--label', 'fault', '--out', out, '--quiet'],
        170_000,
      );
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /faults\s+kill:order@1s\+1s: applied at [\d.]+ s, back at [\d.]+ s/);
      const [file] = fs.readdirSync(out).filter((f) => f.endsWith('-fault.json'));
      const result = parseRunResult(JSON.parse(fs.readFileSync(path.join(out, file ?? ''), 'utf8')));
      assert.equal(result.audit.passed, true, JSON.stringify(result.audit));
      // Nothing relaxed: undersold was checked, over a drain counted across the restart.
      assert.equal(result.queue.drained, true);
      assert.ok(!result.audit.notChecked.some((n) => n.startsWith('undersold')), result.audit.notChecked.join('; '));
      assert.equal(result.orders.succeeded, 500);
      const [fault] = result.faults ?? [];
      assert.ok(fault, 'the fault is in the results');
      assert.deepEqual(
        [fault.spec, fault.action, fault.target, fault.plannedAtS, fault.forS, fault.error],
        ['kill:order@1s+1s', 'kill', 'order', 1, 1, null],
      );
      assert.ok(fault.appliedAtS !== null && fault.appliedAtS >= 1, `applied at ${fault.appliedAtS}`);
      assert.ok(fault.backAtS !== null && fault.backAtS >= fault.appliedAtS + 1, `back at ${fault.backAtS}`);
      // The gateway answers from its own queue while the order service is down: no failure, no 503.
      assert.deepEqual([fault.errors, fault.unavailable], [0, 0]);
      assert.ok(fault.acceptAnsweredAfterMs !== null, 'the accept path answered after the kill');
      assert.ok(fault.lagZeroAfterMs !== null && fault.lagZeroAfterMs >= 1000, `backlog 0 after ${fault.lagZeroAfterMs} ms`);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
);
