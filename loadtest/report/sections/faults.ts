/** The run's --fault injections (and a scenario's faults): when each was applied, what it cost, how fast the shop recovered. */
import type { RunResult } from '../../record/schema.ts';
import { duration, num, section, table } from '../format.ts';
import { escapeHtml } from '../svg.ts';

const seconds = (s: number | null) => (s === null ? '–' : `${num(s, 1)} s`);

export function faultsSection(r: RunResult): string {
  const faults = r.faults ?? [];
  if (faults.length === 0) return '';
  const rows = faults.map((f) => [
    `<code>${escapeHtml(f.spec)}</code>`,
    escapeHtml(`${f.action} ${f.target}${f.instance && f.instance > 1 ? `#${f.instance}` : ''}`),
    `${seconds(f.plannedAtS)}${f.forS > 0 ? ` for ${seconds(f.forS)}` : ''}`,
    f.appliedAtS === null ? '<span class="fail">not applied</span>' : seconds(f.appliedAtS),
    f.backAtS === null ? (f.appliedAtS === null ? '–' : '<span class="fail">never</span>') : seconds(f.backAtS),
    num(f.errors),
    num(f.unavailable),
    duration(f.acceptAnsweredAfterMs),
    duration(f.lagZeroAfterMs),
    f.error ? escapeHtml(f.error) : '',
  ]);
  const bad = faults.map((f) => (f.appliedAtS === null || f.backAtS === null ? 'bad' : ''));
  return section(
    'faults',
    'Faults',
    `${table(
      'faults-table',
      [
        'fault',
        'what',
        'planned at',
        'applied at',
        'back at',
        'failed',
        '503',
        'accept path answering after',
        'backlog 0 after',
        'error',
      ],
      rows,
      bad,
    )}<p class="note">Times from the measured phase's start. Failed: requests with no answer or no envelope from applied to back; 503: answers "unavailable" in that window. Answering after: from applied to the first accepted, sold-out or repeat answer to a request sent after it. Backlog 0 after: from applied to the first sample, once the process was back, whose lag read 0. The audit above holds over every fault; orders whose answer was lost with a killed gateway are counted as unconfirmed there, not hidden.</p>`,
  );
}
