/**
 * Scenarios as data: every shipped scenario validates and plans; a bad file is a usage error that
 * names each bad field; the options a scenario sets and the ones it refuses.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { dueBy, intendedAt, plannedRequests } from '../../loadtest/driver/schedule.ts';
import { productCatalogue, requestAt } from '../../loadtest/driver/workload.ts';
import { parseArgs } from '../../loadtest/options.ts';
import { loadScenario, planScenario, shippedScenarios } from '../../loadtest/scenarios/scenario.ts';

function yamlFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scenario-'));
  const file = path.join(dir, 'scenario.yaml');
  fs.writeFileSync(file, text);
  return file;
}

test("the shipped scenarios validate, and --rps becomes each one's peak", () => {
  assert.deepEqual(shippedScenarios(), ['flash-sale', 'sold-out-storm', 'steady']);
  for (const name of shippedScenarios()) {
    const s = loadScenario(name);
    const planned = planScenario(s, 600);
    const rates = planned.segments.flatMap((seg) => [seg.fromRps, seg.toRps]);
    assert.equal(Math.max(...rates), 600, name);
    assert.equal(
      planned.durationMs,
      planned.segments.reduce((ms, seg) => ms + seg.durationMs, 0),
    );
  }
  // The flash sale: pre-sale at a tenth of the spike, a 3 s spike at --rps, polling falling from 0.3 to 0.1 of it.
  const fs600 = planScenario(loadScenario('flash-sale'), 600);
  assert.deepEqual(
    fs600.phases.map((p) => [p.name, p.shape, p.startMs, p.durationMs, p.fromRps, p.toRps]),
    [
      ['pre-sale', 'constant', 0, 6000, 60, 60],
      ['opening spike', 'constant', 6000, 3000, 600, 600],
      ['post-sale polling', 'ramp', 9000, 8000, 180, 60],
    ],
  );
  assert.equal(
    plannedRequests({ rps: 600, durationMs: fs600.durationMs, rampMs: 0, segments: fs600.segments }),
    360 + 1800 + 960,
  );
});

test('a bad scenario file: one line per bad field, each naming the field and what is wrong', () => {
  const file = yamlFile(`name: broken
phases:
  - name: warm
    duration: 5 seconds
    rate: -3
    mix: { view: 1, shop: 2 }
  - name: spike
    duration: 2s
    rate: { from: 10 }
    mix: { buy: 0 }
  - name: steps
    duration: 2s
    rate: { steps: [5] }
    mix: { query: 1 }
faults: ['explode:order@1s']
`);
  assert.throws(
    () => parseArgs(['--scenario', file]),
    (error: Error) => {
      const lines = error.message.split('\n');
      assert.equal(lines[0], `--scenario ${file} is invalid:`);
      assert.deepEqual(lines.slice(2), [
        '  phases.0.duration: "5 seconds" is not a duration above 0 (e.g. 5s, 500ms, 1m)',
        '  phases.0.rate: a rate is 0 or more',
        '  phases.0.mix: Unrecognized key: "shop"',
        '  phases.1.rate: expected a rate: a number (constant), {from, to} (ramp) or {steps: [...]} (step)',
        '  phases.1.mix: give at least one of buy, repeat, wrongPrice, bot, view, query a weight above 0',
        '  phases.2.rate.steps: a step shape has 2 or more steps',
      ]);
      // Its faults are parsed by --fault's own parser (faults/spec.ts): the same words as on the command line.
      assert.match(lines[1] ?? '', /^ {2}faults\.0: --fault 'explode:order@1s': unknown action "explode"/);
      return true;
    },
  );
  assert.throws(() => parseArgs(['--scenario', yamlFile('name: x\nphases: []\n')]), /phases: a scenario has at least one phase/);
  assert.throws(
    () => parseArgs(['--scenario', yamlFile('name: x\nphases:\n  - { name: a, duration: 1s, rate: 0, mix: { buy: 1 } }\n')]),
    /phases: every phase has rate 0: nothing would be sent/,
  );
  assert.throws(() => parseArgs(['--scenario', yamlFile('name: [unclosed\n')]), /^Error: --scenario .*scenario\.yaml: /);
  assert.throws(() => parseArgs(['--scenario', 'no-such-one']), {
    message: '--scenario no-such-one: no such shipped one (flash-sale, sold-out-storm, steady) and not a file',
  });
});

test('--scenario sets the run length, products, stock and faults unless given; refuses --duration and other drivers', () => {
  const { options } = parseArgs(['--scenario', 'sold-out-storm']);
  assert.equal(options.duration, 10_000);
  assert.equal(options.products, 1);
  assert.equal(options.stock, 5);
  assert.equal(parseArgs(['--scenario', 'sold-out-storm', '--stock', '50']).options.stock, 50);
  const withFaults = yamlFile(
    'name: f\nfaults: ["kill:order@1s+1s"]\nphases:\n  - { name: a, duration: 2s, rate: 1, mix: { buy: 1 } }\n',
  );
  assert.deepEqual(parseArgs(['--scenario', withFaults, '--fault', 'pause:order@1s+1s']).options.fault, [
    'pause:order@1s+1s',
    'kill:order@1s+1s',
  ]);
  assert.throws(() => parseArgs(['--scenario', 'steady', '--duration', '5s']), {
    message: "--duration does not go with --scenario: its phases set the run's length and rates",
  });
  assert.throws(
    () => parseArgs(['--scenario', 'steady', '--driver', 'k6']),
    /--scenario's phases and request mixes are sent by the paced driver only/,
  );
  assert.throws(
    () => parseArgs(['--scenario', 'flash-sale', '--target', 'http://127.0.0.1:1', '--profile', 'seckill-rocketmq']),
    {
      message:
        '--scenario flash-sale views product pages, and --profile seckill-rocketmq has no product endpoint: use a scenario without view',
    },
  );
  // Without --scenario nothing changes: --rps alone is the steady run it always was.
  const plain = parseArgs([]).options;
  assert.equal(plain.scenario, undefined);
  assert.equal(plain.duration, 30_000);
});

test('steady is what --rps alone does: the same schedule and the same requests', () => {
  const steady = planScenario(loadScenario('steady'), 800);
  const scheduled = { rps: 800, durationMs: steady.durationMs, rampMs: 0, segments: steady.segments };
  const plain = { rps: 800, durationMs: 30_000, rampMs: 0 };
  assert.equal(plannedRequests(scheduled), plannedRequests(plain));
  for (const i of [0, 1, 999, 12_345, 23_999]) assert.equal(intendedAt(scheduled, i), intendedAt(plain, i));
  assert.equal(dueBy(scheduled, 7_777), dueBy(plain, 7_777));
  const buyers = { products: productCatalogue(3), users: 1_000_000_000, repeatRatio: 0.05, seed: 1 };
  const phased = { ...buyers, phases: steady.phases.map((p) => ({ from: 0, mix: p.mix })) };
  for (let i = 0; i < 2000; i += 1) assert.deepEqual(requestAt(phased, i), requestAt(buyers, i));
});
