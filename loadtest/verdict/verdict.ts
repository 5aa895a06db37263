/**
 * The one place that decides whether a run passed: the audit (correctness), the warm-up's own audit,
 * the dashboards' queries and every threshold. The CLI's exit code, the summary, compare and bench:ci
 * all ask here; nothing else combines them.
 */
import type { AuditResult } from '../audit/rules.ts';

/** The audit's breach counts, each of which fails a run. */
const BREACHES = ['oversold', 'stockMismatch', 'duplicates', 'lost', 'phantom', 'undersold'] as const;
/** What the verdict reads of an audit (loadtest/audit/rules.ts). */
type AuditFigures = Pick<AuditResult, 'passed' | (typeof BREACHES)[number]>;

export interface ThresholdRow {
  name: string;
  limit: number;
  value: number | null;
  passed: boolean;
}

interface VerdictInput {
  audit: AuditFigures;
  /** The warm-up product's own audit, when the run had one. */
  warmup?: { audit: AuditFigures | null } | null | undefined;
  /** Dashboard queries checked over the run's window, when asked for. */
  dashboards?: { failed: number } | null | undefined;
  thresholds: readonly ThresholdRow[];
}

export interface Verdict {
  passed: boolean;
  /** One line per failed part: empty when the run passed. */
  reasons: string[];
}

function auditReason(what: string, audit: AuditFigures): string | null {
  if (audit.passed) return null;
  const counts = BREACHES.filter((k) => audit[k] > 0).map((k) => `${k} ${audit[k]}`);
  return `${what} failed: ${counts.join(', ') || 'see its examples'}`;
}

export function verdictOf(run: VerdictInput): Verdict {
  const reasons = [
    auditReason('audit', run.audit),
    run.warmup?.audit ? auditReason('warm-up audit', run.warmup.audit) : null,
    (run.dashboards?.failed ?? 0) > 0 ? `dashboards: ${run.dashboards?.failed} queries returned no data` : null,
    ...run.thresholds.filter((t) => !t.passed).map((t) => `threshold ${t.name}: ${t.value ?? 'not measured'} (limit ${t.limit})`),
  ].filter((r): r is string => r !== null);
  return { passed: reasons.length === 0, reasons };
}
