/**
 * The run's HTML report: one self-contained page (inline SVG and CSS, no script, nothing fetched when
 * it is opened), in the order a team reads it: did it pass, what was run, how fast for whom, how the
 * queue took the burst, what was answered, and what the machine was doing.
 */
import type { RunResult } from '../record/schema.ts';
import { baselineSection } from './sections/baseline.ts';
import { codesSection, warmupSection } from './sections/answers.ts';
import { pipelineSection, queueSection, requestsSection, stockSection } from './sections/flow.ts';
import { header, machineSection, scenarioSection, titleOf, verdictSection } from './sections/head.ts';
import { faultsSection } from './sections/faults.ts';
import { distributionSection, statisticsSection } from './sections/latency.ts';
import { escapeHtml } from './svg.ts';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1300px;padding:0 16px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
.sub{color:#666;margin:0 0 6px} .verdict{padding:2px 10px;border-radius:4px;color:#fff;font-size:16px;vertical-align:middle}
.PASS{background:#2a8f2a} .FAIL{background:#c0392b} .pass{color:#2a8f2a;font-weight:700} .fail{color:#c0392b;font-weight:700}
#reasons{margin:6px 0} ul#reasons{color:#c0392b}
.charts,.row{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
figure{margin:0;border:1px solid #ddd;border-radius:4px;padding:8px;max-width:620px} figcaption{font-weight:600;margin-bottom:2px}
figure.chart-empty{min-width:300px}
.note{color:#555;font-size:12.5px;margin:4px 0;max-width:900px} figure .note{max-width:610px}
.nodata{color:#777;font-style:italic;margin:4px 0} .warn{background:#fff4e0;border-left:4px solid #e6a23c;padding:4px 8px}
table{border-collapse:collapse;margin:6px 0} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5} #stats td:not(:first-child),#stats th:not(:first-child){text-align:right}
tr.bad{background:#fde4e1} .v-worse{color:#c0392b;font-weight:600} .v-better{color:#2a8f2a;font-weight:600} .v-noise,.v-same{color:#777} .v-higher,.v-lower{color:#1f5fa8}
#key-figures{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0} .tile{flex:1 1 0;border:1px solid #ddd;border-radius:4px;padding:6px 10px;min-width:120px}
.tile .k{color:#666;font-size:12px} .tile .v{font-size:20px;font-weight:600} .tile .s{color:#777;font-size:12px}
table.facts th{text-align:left;font-weight:600;white-space:nowrap} #stats td{white-space:nowrap} #stats td:first-child{white-space:normal}
.side{max-width:600px} .indent{padding-left:14px;display:inline-block} .band{color:#888;font-size:11px} #scenario-list{margin:4px 0 8px;padding-left:20px}
svg text{fill:#444} code,pre{font-size:12px} pre{white-space:pre-wrap}
@media print{body{margin:0} section{break-inside:avoid}}
`;

export interface ReportInput {
  result: RunResult;
  /** The results file's name without .json (the title's label when the run had none). */
  name: string;
  baseline?: { result: RunResult; name: string } | null;
}

export function renderReport(input: ReportInput): string {
  const { result: r, name } = input;
  const base = input.baseline?.result ?? null;
  const sections = [
    header(r, name),
    verdictSection(r),
    input.baseline ? baselineSection(r, input.baseline.result, input.baseline.name) : '',
    scenarioSection(r),
    statisticsSection(r),
    distributionSection(r, base),
    requestsSection(r, base),
    queueSection(r, base),
    stockSection(r),
    pipelineSection(r, base),
    faultsSection(r),
    codesSection(r),
    warmupSection(r),
    machineSection(r),
    `<details><summary>Every option of the run</summary><pre>${escapeHtml(JSON.stringify(r.config, null, 2))}</pre></details>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(titleOf(r, name))}</title>
<style>${CSS}</style></head><body>
${sections.filter(Boolean).join('\n')}
</body></html>
`;
}
