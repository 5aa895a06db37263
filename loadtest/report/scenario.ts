/**
 * The sentences a reader needs before any figure: what was run (the scenario banner), whether the
 * generator kept up and what that means for the latency figures, and whether the machine was quiet.
 * Read from a results file (older files lack some fields: the sentences then say less, never guess).
 * The terminal summary and the HTML report say them the same way.
 */
import { ResultCode } from '../../services/protocol/codes.ts';
import { NOISY_PRESSURE_BEFORE } from '../observe/cpu.ts';
import type { RunResult } from '../record/schema.ts';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const thousands = (n: number) => n.toLocaleString('en-US');

/** target, duration, products × stock, users, repeat ratio, driver, generator threads, connections, warm-up. */
export function scenarioLine(r: RunResult): string {
  const c = r.config;
  const target = str(c.target);
  const where = target
    ? `${target} (a running system)`
    : `${str(c.gatewayUrl) ?? 'its own services'} (a shop of its own, ${str(c.transport) ?? 'embedded'} queue)`;
  const durationS = (num(c.duration) ?? 0) / 1000;
  const rampS = (num(c.ramp) ?? 0) / 1000;
  const rate =
    c.closedLoop === true
      ? 'closed loop (as fast as the connections allow)'
      : r.scenario
        ? `scenario ${r.scenario.name} (${plural(r.phases?.length ?? 0, 'phase')}, peak ${thousands(r.http.targetRps)} req/s)`
        : `${thousands(r.http.targetRps)} req/s`;
  const products = (r.orders.products ?? r.audit.products.map((p) => ({ id: p.id, stockAtStart: p.initialStock }))).map(
    (p) => p.stockAtStart,
  );
  const stocks = [...new Set(products)];
  const known = products.filter((s): s is number => s !== null);
  const stock =
    stocks.length === 1 && stocks[0] !== null
      ? `${plural(products.length, 'product')} × ${thousands(stocks[0] ?? 0)} units (${thousands(known.reduce((a, b) => a + b, 0))})`
      : `${plural(products.length, 'product')}, ${known.length === products.length ? `${thousands(known.reduce((a, b) => a + b, 0))} units in all` : 'stock unknown'}`;
  const usersN = num(c.users);
  const users = usersN === null || usersN >= r.http.requests ? 'a fresh user per request' : `${thousands(usersN)} users at most`;
  const threads = r.http.generatorThreads;
  const driver = `driver ${r.http.driver}${threads !== undefined ? `, ${plural(threads, 'generator thread')}` : ''}${num(c.connections) !== null ? `, ${num(c.connections)} connections` : ''}`;
  const warmup = r.warmup ? `warm-up ${r.warmup.durationMs / 1000} s` : 'no warm-up';
  return [
    where,
    `${durationS} s ${r.scenario ? 'of' : 'at'} ${rate}${rampS > 0 ? ` (ramp ${rampS} s)` : ''}`,
    stock,
    `${users}, repeat ratio ${num(c.repeatRatio) ?? '?'}`,
    driver,
    warmup,
  ].join(' · ');
}

/** One plain sentence: did the generator keep up, and can the latency figures be read as the system's? */
export function generatorSentence(r: RunResult): string {
  const h = r.http;
  if (h.driver === 'autocannon')
    return "autocannon is not paced: it sends each second's quota in a burst and times each request from when it left, so its latency includes its own bursts and hides any queueing in the generator.";
  if (h.driver === 'k6') return 'k6 paced the requests itself (constant arrival rate); the generator was not measured here.';
  const slip = h.scheduleSlipMs ? `schedule slip p99 ${h.scheduleSlipMs.p99} ms` : 'schedule slip not measured';
  if (!h.generatorLimited)
    return `The generator kept up (${slip}, ${h.generatorCpuCores} cores): requests left on time, so the latency figures are the system's own.`;
  const cause = r.machine.noisy ? '; other work on the machine is a likely cause' : '';
  return `The generator fell behind (${h.generatorLimitReasons.join('; ')}): requests left late, and since latency runs from each request's due time, up to ${h.scheduleSlipMs?.p99 ?? '?'} ms of a latency figure can be the generator's own delay, not the system's${cause}.`;
}

/** Who used the CPUs, and whether the machine was noisy; files before the CPU split fall back to PSI alone. */
export function machineLine(r: RunResult): string {
  const m = r.machine;
  const cpu = m.cpuDuringRun;
  const split = cpu
    ? `CPU during the run: ${cpu.machineBusyCores ?? '?'} of ${m.cpus} cores busy = generator ${cpu.generatorCores} + system under test ${cpu.systemUnderTestCores ?? 'not measured'} + other work ${cpu.otherCores ?? 'not measured'}`
    : 'CPU split not in this file';
  const psi = `PSI ${m.cpuPressure.before ?? 'n/a'}% before, ${m.cpuPressure.endAvg60 ?? 'n/a'}% during`;
  const noisy = m.noisy ?? (m.cpuPressure.before ?? 0) > NOISY_PRESSURE_BEFORE;
  const verdict = noisy
    ? `NOISY MACHINE (${(m.noiseReasons ?? ['CPU pressure before the run']).join('; ')}): other work competed with the run, compare its figures with care`
    : 'quiet: no other work to speak of';
  return `${verdict}. ${split}; ${psi}.`;
}

/** Time to sell out per product, and how much of the run measured the sold-out path. */
export function sellOutLine(r: RunResult): string | null {
  const products = r.orders.products;
  if (!products) return null;
  const each = products.map((p) => (p.soldOutAtS === null ? `${p.id} never sold out` : `${p.id} sold out at ${p.soldOutAtS} s`));
  const answered = r.http.answered ?? r.http.requests - r.http.errors;
  const soldOutAnswers = r.orders.byCode[ResultCode.SOLD_OUT] ?? 0;
  const share = answered > 0 ? ` · ${((100 * soldOutAnswers) / answered).toFixed(1)}% of the answers were "sold out"` : '';
  return `${each.join(', ')}${share}`;
}

type RecordedPhase = NonNullable<RunResult['phases']>[number];

/** A phase's rate shape in words: "300 req/s", "90 → 30 req/s", "steps 300, 210, 120 req/s". */
export function shapeOf(p: RecordedPhase): string {
  const n = (v: number) => thousands(Math.round(v * 10) / 10);
  if (p.shape === 'step' && p.stepsRps) return `steps ${p.stepsRps.map(n).join(', ')} req/s`;
  return p.shape === 'ramp' ? `${n(p.fromRps)} → ${n(p.toRps)} req/s` : `${n(p.fromRps)} req/s`;
}

/** The mix as shares: "view 70% query 30%". */
export function mixOf(p: RecordedPhase): string {
  const total = Object.values(p.mix).reduce((a, b) => a + b, 0);
  return Object.entries(p.mix)
    .filter(([, w]) => w > 0)
    .map(([k, w]) => `${k} ${Math.round((100 * w) / total)}%`)
    .join(' ');
}

/** One row per scenario phase: when, its rate shape, planned against achieved, and its mix. */
export function phaseRows(r: RunResult): [string, string][] {
  const phases = r.phases ?? [];
  const width = Math.max(0, ...phases.map((p) => p.name.length));
  return phases.map((p, i): [string, string] => [
    i === 0 ? 'phases' : '',
    `${p.name.padEnd(width)}  ${`${p.startS}–${p.startS + p.durationS} s`.padEnd(9)}  ${shapeOf(p)}: planned ${p.planned} (${p.plannedRps}/s), sent ${p.sent}, answered ${p.answered} (${p.achievedRps}/s)${p.failed > 0 ? `, ${p.failed} failed` : ''}  mix ${mixOf(p)}`,
  ]);
}
