/** The top of the report: what was run, did it pass and why, and how far the machine can be trusted. */
import type { RunResult } from '../../record/schema.ts';
import { verdictOf } from '../../verdict/verdict.ts';
import { labelOf } from '../figures.ts';
import { noisyOf } from '../compare.ts';
import { facts, num, section, table, tick } from '../format.ts';
import { generatorSentence, machineLine, mixOf, scenarioLine, sellOutLine, shapeOf } from '../scenario.ts';
import { escapeHtml } from '../svg.ts';

const BREACHES = ['oversold', 'stockMismatch', 'duplicates', 'lost', 'phantom', 'undersold'] as const;

/** "2026-11-25 10:56 UTC": the date people put in a slide title. */
const day = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function titleOf(r: RunResult, fileName: string): string {
  return `${labelOf(r, fileName)}: ${num(r.http.targetRps)} req/s flash sale, ${day(r.startedAt)}`;
}

export function header(r: RunResult, fileName: string): string {
  const verdict = verdictOf(r);
  const word = verdict.passed ? 'PASS' : 'FAIL';
  const reasons = verdict.reasons.length
    ? `<ul id="reasons">${verdict.reasons.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>`
    : '<p id="reasons">Audit, thresholds and every check passed.</p>';
  return `<header><h1>${escapeHtml(titleOf(r, fileName))} <span id="verdict" class="verdict ${word}">${word}</span></h1>
<p class="sub">${escapeHtml(fileName)} · ${escapeHtml(r.startedAt)} → ${escapeHtml(r.finishedAt)} · git ${escapeHtml(r.git ?? 'unknown')} · exit code ${r.exitCode ?? verdict.exitCode}</p>${reasons}${keyFigures(r)}</header>`;
}

/** The handful of figures a team quotes from a run, each with what it is out of. */
function keyFigures(r: RunResult): string {
  const h = r.http;
  const q = r.queue;
  const tiles: [string, string, string][] = [
    [
      'achieved (answered)',
      `${num(h.achievedRps, 0)} req/s`,
      `of ${num(h.targetRps)} target${h.sentRps === undefined ? '' : `, ${num(h.sentRps, 0)} sent`}`,
    ],
    ['charge p99', `${num(h.latencyMs.p99, 1)} ms`, `p50 ${num(h.latencyMs.p50, 1)} ms`],
    [
      'generator',
      h.generatorLimited ? 'fell behind' : 'kept up',
      h.scheduleSlipMs ? `schedule slip p99 ${num(h.scheduleSlipMs.p99, 1)} ms` : 'slip not measured',
    ],
    ['sold', num(r.orders.succeeded), `${num(r.orders.queued)} queued of ${num(h.requests)} requests`],
    ['errors', num(h.errors), h.requests ? `${num((100 * h.errors) / h.requests, 2)} % of requests` : ''],
    [
      'peak lag',
      q.peakLag === null ? 'not measured' : `${num(q.peakLag)} msg`,
      q.drainSeconds === null ? (q.drained ? 'drained' : 'not drained') : `drained in ${num(q.drainSeconds)} s`,
    ],
    [
      'end to end p99',
      q.e2eMs.samples > q.e2eMs.timedOut ? `${num(q.e2eMs.p99)} ms` : 'not measured',
      `${num(q.e2eMs.samples)} sampled orders`,
    ],
  ];
  const noisy = noisyOf(r);
  tiles.push(['machine', noisy ? 'noisy' : 'quiet', noisy ? 'other work competed: see its notes' : 'no other work to speak of']);
  return `<div id="key-figures">${tiles.map(([k, v, sub]) => `<div class="tile"><div class="k">${k}</div><div class="v">${v}</div><div class="s">${escapeHtml(sub)}</div></div>`).join('')}</div>`;
}

export function verdictSection(r: RunResult): string {
  const thresholdRows = r.thresholds.map((t) => [
    tick(t.passed),
    `<code>${escapeHtml(t.name)}</code>`,
    t.value === null ? 'not measured' : num(t.value),
    num(t.limit),
    escapeHtml(t.source ?? ''),
    escapeHtml(t.note ?? ''),
  ]);
  const thresholds = r.thresholds.length
    ? table('thresholds', ['', 'threshold', 'measured', 'limit', 'set by', 'note'], thresholdRows)
    : '<p class="nodata">No threshold was set for this run.</p>';
  const auditRows = BREACHES.map((k) => [tick(r.audit[k] === 0), k, num(r.audit[k])]);
  const audit = table('audit', ['', `invariant (audit: ${r.audit.mode})`, 'breaches'], auditRows);
  const unchecked = r.audit.notChecked.length
    ? `<p class="note">Not checked: ${r.audit.notChecked.map(escapeHtml).join('; ')}. Unconfirmed (answer never arrived, not a breach): ${num(r.audit.unconfirmed)}.</p>`
    : '';
  const examples = Object.entries(r.audit.examples)
    .map(([k, v]) => `<p class="note">${escapeHtml(k)}: ${escapeHtml(v.join('; '))}</p>`)
    .join('');
  const d = r.dashboards;
  const dashboards = d
    ? `<p>${tick(d.failed === 0)} dashboards: ${num(d.ok)} queries with data, ${num(d.skipped)} skipped, ${num(d.failed)} without data${d.snapshot ? `; snapshot ${escapeHtml(d.snapshot)}` : ''}</p>`
    : '';
  return section(
    'verdict-detail',
    'Thresholds and audit',
    `<div class="row">${thresholds}${audit}</div>${unchecked}${examples}${dashboards}`,
  );
}

/** The scenario banner (scenario.ts: the terminal summary says it the same way), one part a line. */
export function scenarioSection(r: RunResult): string {
  const parts = scenarioLine(r)
    .split(' · ')
    .map((x) => `<li>${escapeHtml(x)}</li>`)
    .join('');
  const sellOut = sellOutLine(r);
  const rows: [string, string][] = [
    [
      'planned',
      `${num(r.http.plannedRequests)} requests, ${num(r.http.plannedRps)} req/s over the run (target ${num(r.http.targetRps)})`,
    ],
    ['sell-out', sellOut ? escapeHtml(sellOut) : 'not in this result file'],
    ['command', `<code>npm run load -- ${escapeHtml(r.command.join(' '))}</code>`],
  ];
  return section('scenario', 'Scenario', `<ul id="scenario-list">${parts}</ul>${facts('scenario-table', rows)}${phasesTable(r)}`);
}

/** A --scenario's phases: when, the rate shape, planned against achieved, and the request mix (none without one). */
function phasesTable(r: RunResult): string {
  if (!r.phases?.length) return '';
  const rows = r.phases.map((p) => [
    escapeHtml(p.name),
    `${num(p.startS)}–${num(p.startS + p.durationS)} s`,
    escapeHtml(shapeOf(p)),
    `${num(p.planned)} (${num(p.plannedRps)}/s)`,
    num(p.sent),
    `${num(p.answered)} (${num(p.achievedRps)}/s)`,
    num(p.failed),
    escapeHtml(mixOf(p)),
  ]);
  return `${table('phases', ['phase', 'when', 'rate', 'planned', 'sent', 'answered', 'failed', 'mix'], rows)}<p class="note">Scenario ${escapeHtml(r.scenario?.name ?? '')} (${escapeHtml(r.scenario?.file ?? '')}). Requests are counted in the phase they were due in; achieved is answered over the phase's length. The time-axis charts below shade the phases.</p>`;
}

/** Where it ran, who else used the CPUs, and whether the generator kept up (sentences from scenario.ts). */
export function machineSection(r: RunResult): string {
  const m = r.machine;
  const rows: [string, string][] = [
    [
      'machine',
      `${m.cpus} × ${escapeHtml(m.model)}, ${num(m.memoryGiB)} GiB, ${escapeHtml(m.platform)}, node ${escapeHtml(m.node)}`,
    ],
    ['code', `git ${escapeHtml(r.git ?? 'unknown')}`],
  ];
  const say = (warn: boolean, text: string) => `<p class="${warn ? 'warn' : ''}">${escapeHtml(text)}</p>`;
  return section(
    'machine',
    'Machine and noise',
    `${facts('machine-table', rows)}${say(noisyOf(r), machineLine(r))}${say(r.http.generatorLimited, generatorSentence(r))}<p class="note">Generator and services share this machine's cores: compare runs taken on the same machine.</p>`,
  );
}
