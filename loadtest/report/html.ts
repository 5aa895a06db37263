import type { RunResult } from '../record/schema.ts';
import { barChart, escapeHtml, lineChart, type Series } from './svg.ts';

function perProduct(points: RunResult['timeseries'], key: 'dbStock' | 'cacheStock', prefix: string): Series[] {
  const products = [...new Set(points.flatMap((p) => Object.keys(p[key])))].sort();
  return products.map((id) => ({
    name: `${prefix} ${id}`,
    points: points.filter((p) => p[key][id] !== undefined).map((p): [number, number] => [p.t, p[key][id] ?? 0]),
  }));
}

/** One self-contained HTML page for a run: inline SVG and CSS, nothing fetched when it is opened. */
export function renderReport(r: RunResult, title: string): string {
  const ts = r.timeseries;
  const series = (name: string, get: (p: RunResult['timeseries'][number]) => number): Series => ({
    name,
    points: ts.map((p): [number, number] => [p.t, get(p)]),
  });
  const l = r.http.latencyMs;
  const verdict = r.passed ? 'PASS' : 'FAIL';
  const auditRows = (['oversold', 'stockMismatch', 'duplicates', 'lost', 'phantom', 'undersold'] as const)
    .map((k) => `<tr class="${r.audit[k] === 0 ? 'ok' : 'bad'}"><td>${k}</td><td>${r.audit[k]}</td></tr>`)
    .join('');
  const thresholdRows = r.thresholds
    .map(
      (t) =>
        `<tr class="${t.passed ? 'ok' : 'bad'}"><td>${escapeHtml(t.name)}</td><td>${t.value ?? 'n/a'}</td><td>${t.limit}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;max-width:1340px;color:#222}
h1{font-size:20px} .verdict{padding:2px 10px;border-radius:4px;color:#fff} .PASS{background:#2a8f2a} .FAIL{background:#c0392b}
.charts{display:flex;flex-wrap:wrap;gap:12px} figure{margin:0;border:1px solid #ddd;padding:6px} figcaption{font-weight:600}
table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left} tr.bad{background:#fdd} tr.ok td:last-child{color:#2a8f2a}
</style></head><body>
<h1>${escapeHtml(title)} <span id="verdict" class="verdict ${verdict}">${verdict}</span></h1>
<p>${escapeHtml(r.startedAt)} · git ${escapeHtml(r.git ?? 'unknown')} · ${r.machine.cpus} × ${escapeHtml(r.machine.model)} · node ${escapeHtml(r.machine.node)} · CPU pressure before/during ${r.machine.cpuPressure.before ?? 'n/a'}%/${r.machine.cpuPressure.endAvg60 ?? 'n/a'}% · driver ${r.http.driver}</p>
<p>Target ${r.http.targetRps} req/s, achieved ${r.http.achievedRps} req/s over ${r.http.requests} requests${r.http.generatorLimited ? ` · <b>generator-limited</b>: ${escapeHtml(r.http.generatorLimitReasons.join('; '))}` : ''}.
Queued ${r.orders.queued}, succeeded ${r.orders.succeeded}, sold out ${r.orders.soldOut}. Peak lag ${r.queue.peakLag}, drain ${r.queue.drainSeconds ?? 'not drained'} s,
e2e (query.do) p50/p90/p99 ${r.queue.e2eMs.p50}/${r.queue.e2eMs.p90}/${r.queue.e2eMs.p99} ms.</p>
<div class="charts">
${lineChart('rates', 'Request vs enqueue vs consume rate', [series('requests/s', (p) => p.requestRate), series('enqueued/s', (p) => p.enqueueRate), series('consumed/s', (p) => p.consumeRate)], 'seconds', 'per second')}
${lineChart('lag', 'Consumer lag', [series('lag (messages)', (p) => p.lagMessages)], 'seconds', 'messages')}
${barChart(
  'latency',
  'Charge latency (from intended send time)',
  [
    { name: 'p50', value: l.p50 },
    { name: 'p90', value: l.p90 },
    { name: 'p99', value: l.p99 },
    { name: 'p99.9', value: l.p999 },
    { name: 'max', value: l.max },
  ],
  'ms',
)}
${lineChart('stock', 'Stock over time', [...perProduct(ts, 'dbStock', 'db'), ...perProduct(ts, 'cacheStock', 'cache')], 'seconds', 'units')}
</div>
<h2>Audit (${r.audit.mode}): <span class="verdict ${r.audit.passed ? 'PASS' : 'FAIL'}">${r.audit.passed ? 'PASS' : 'FAIL'}</span></h2>
<table id="audit"><tr><th>invariant breach</th><th>count</th></tr>${auditRows}</table>
${r.audit.notChecked.length ? `<p>Not checked: ${r.audit.notChecked.map(escapeHtml).join('; ')}</p>` : ''}
<table><tr><th>product</th><th>initial</th><th>stock</th><th>sold</th><th>queued users</th></tr>${r.audit.products.map((p) => `<tr><td>${escapeHtml(p.id)}</td><td>${p.initialStock}</td><td>${p.stock ?? 'n/a'}</td><td>${p.sold}</td><td>${p.queuedUsers}</td></tr>`).join('')}</table>
<h2>Thresholds</h2><table><tr><th>check</th><th>value</th><th>limit</th></tr>${thresholdRows}</table>
<details><summary>command and config</summary><pre>${escapeHtml(r.command.join(' '))}\n${escapeHtml(JSON.stringify(r.config, null, 2))}</pre></details>
</body></html>
`;
}
