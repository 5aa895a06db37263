/** How the report writes figures: one place, so every section says "not measured" the same way. */
import { escapeHtml, type SeriesStyle } from './svg.ts';

/** A baseline run is drawn behind this one: a wide grey band. */
export const BASELINE_STYLE: SeriesStyle = { color: '#7a7a7a', dash: '', marker: 'none', faded: true };

/** An absent field of an older results file: said in one line where its section would be. */
export const notInFile = (what: string): string => `<p class="nodata">${escapeHtml(what)}: not in this result file.</p>`;

/** A figure as a person reads it: thousands separated, at most 3 decimals; null is "–" (not measured). */
export function num(v: number | null | undefined, decimals = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { maximumFractionDigits: decimals });
}

/** A share in %: one decimal, two below 1 % (12 of 10,000 is 0.12 %, not 0 %). */
export function pct(part: number, whole: number): string {
  if (whole <= 0) return '–';
  const share = (100 * part) / whole;
  return `${num(share, share < 1 ? 2 : 1)} %`;
}

export const tick = (ok: boolean): string => `<span class="${ok ? 'pass' : 'fail'}">${ok ? '✓' : '✗'}</span>`;

/** A signed change: "+12.5 %" (or the absolute change where the base is 0). */
export function delta(value: number | null, base: number | null): string {
  if (value === null || base === null) return '–';
  if (base === 0) return value === 0 ? '0' : `${value > 0 ? '+' : ''}${num(value - base)}`;
  const change = ((value - base) / base) * 100;
  return `${change > 0 ? '+' : ''}${num(change, 1)} %`;
}

export function table(id: string, head: string[], rows: string[][], classes: string[] = []): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r, i) => `<tr class="${classes[i] ?? ''}">${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

/** A two-column table of named facts (scenario, machine): the names are row headers. */
export function facts(id: string, rows: [string, string][]): string {
  const tr = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`).join('');
  return `<table id="${id}" class="facts"><tbody>${tr}</tbody></table>`;
}

export const section = (id: string, title: string, body: string): string =>
  `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;

/** Milliseconds as a person says them: 500 ms, 10 s, 2 min. */
export function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${num(ms, 0)} ms`;
  if (ms < 120_000) return `${num(ms / 1000, 1)} s`;
  return `${num(ms / 60_000, 1)} min`;
}
