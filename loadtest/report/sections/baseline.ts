/**
 * `--baseline FILE`: this run against another one, judged as `npm run compare` judges (compare.ts:
 * its configuration groups, noise bands and verdicts). What differs in how the two were run comes
 * first: a change of target or machine explains a change of figures.
 */
import type { RunResult } from '../../record/schema.ts';
import { verdictOf } from '../../verdict/verdict.ts';
import { describe, judge, METRICS, noisyOf } from '../compare.ts';
import { delta, num, section, table } from '../format.ts';
import { escapeHtml } from '../svg.ts';

export function baselineSection(r: RunResult, base: RunResult, baseName: string): string {
  const now = describe(r);
  const was = describe(base);
  const differs = (Object.keys(now) as (keyof typeof now)[]).filter((k) => now[k] !== was[k]);
  // As compare.ts: across targets or topologies the runs measure different systems.
  const comparable = !differs.includes('target') && !differs.includes('topology');
  const diffHtml = differs.length
    ? `<p class="warn">The runs differ in ${differs.join(', ')}${comparable ? ': read the deltas with that in mind' : ': they measure different systems, so changes are called higher/lower, not better/worse'}.</p>${table(
        'baseline-config',
        ['', 'this run', 'baseline'],
        differs.map((k) => [k, escapeHtml(now[k]), escapeHtml(was[k])]),
      )}`
    : "<p>Same target, duration, scenario, topology and machine: a delta outside its noise band is the system's.</p>";
  const rows = METRICS.map((m) => {
    const value = m.get(r);
    const before = m.get(base);
    const j = judge(m, before, value, comparable);
    return [
      `${escapeHtml(m.name)} <span class="band">±${Math.round(m.noise * 100)} %</span>`,
      num(value),
      num(before),
      delta(value, before),
      `<span class="v-${j.verdict}">${j.verdict}</span>`,
    ];
  });
  const verdict = (x: RunResult) => {
    const v = verdictOf(x);
    return `${v.passed ? 'PASS' : 'FAIL'} (exit ${v.exitCode})`;
  };
  rows.push(['verdict', verdict(r), verdict(base), '', '']);
  rows.push(['noisy machine', noisyOf(r) ? 'yes' : 'no', noisyOf(base) ? 'yes' : 'no', '', '']);
  rows.push(['generator-limited', r.http.generatorLimited ? 'yes' : 'no', base.http.generatorLimited ? 'yes' : 'no', '', '']);
  return section(
    'baseline',
    `Against the baseline ${baseName}`,
    `${diffHtml}${table('baseline-figures', ['figure (noise band)', 'this run', 'baseline', 'Δ', 'verdict'], rows)}<p class="note">"noise": inside the figure's noise band on these shared machines, or below its resolution (bands in loadtest/report/compare.ts). The charts below draw the baseline as a grey band behind this run.</p>`,
  );
}
