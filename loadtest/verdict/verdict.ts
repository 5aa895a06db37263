/**
 * The one place that decides whether a run passed, and with which exit code: the audit (correctness),
 * the warm-up's own audit, the dashboards' queries and every threshold. The CLI's exit code, the
 * summary, compare and bench:ci all ask here; nothing else combines them.
 */
import type { AuditResult } from '../audit/rules.ts';

/**
 * The harness's exit codes, distinct and documented (README): a correctness breach outranks a
 * crossed threshold. 99 is k6's own code for a crossed threshold.
 */
export const ExitCode = {
  PASSED: 0,
  /** The audit (or the warm-up product's audit) found a breach: oversold, lost, duplicate… */
  AUDIT_BREACH: 1,
  /** Bad options, a malformed threshold or config file. */
  USAGE: 2,
  /** Nothing was measured: the target is unreachable or answers garbage, a service did not start. */
  COULD_NOT_RUN: 3,
  /** A threshold was crossed (or, with --check-dashboards, a panel had no data). */
  THRESHOLD_CROSSED: 99,
  /** Ctrl-C / SIGTERM: everything started was stopped, no result written. */
  INTERRUPTED: 130,
} as const;

/** The audit's breach counts, each of which fails a run. */
const BREACHES = ['oversold', 'stockMismatch', 'duplicates', 'lost', 'phantom', 'undersold'] as const;
/** What the verdict reads of an audit (loadtest/audit/rules.ts). */
type AuditFigures = Pick<AuditResult, 'passed' | (typeof BREACHES)[number]>;

export interface ThresholdRow {
  name: string;
  limit: number;
  value: number | null;
  passed: boolean;
  source?: 'default' | 'option' | 'config' | 'driver';
  note?: string;
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
  exitCode: (typeof ExitCode)[keyof typeof ExitCode];
  /** One line per failed part: empty when the run passed. */
  reasons: string[];
}

function auditReason(what: string, audit: AuditFigures): string | null {
  if (audit.passed) return null;
  const counts = BREACHES.filter((k) => audit[k] > 0).map((k) => `${k} ${audit[k]}`);
  return `${what} failed: ${counts.join(', ') || 'see its examples'}`;
}

const present = (r: string | null): r is string => r !== null;

export function verdictOf(run: VerdictInput): Verdict {
  const breaches = [
    auditReason('audit', run.audit),
    run.warmup?.audit ? auditReason('warm-up audit', run.warmup.audit) : null,
  ].filter(present);
  const crossed = [
    (run.dashboards?.failed ?? 0) > 0 ? `dashboards: ${run.dashboards?.failed} queries returned no data` : null,
    ...run.thresholds
      .filter((t) => !t.passed)
      .map((t) => `threshold ${t.name}: ${t.value ?? 'not measured'}${t.note ? ` (${t.note})` : ''} (limit ${t.limit})`),
  ].filter(present);
  const exitCode =
    breaches.length > 0 ? ExitCode.AUDIT_BREACH : crossed.length > 0 ? ExitCode.THRESHOLD_CROSSED : ExitCode.PASSED;
  return { passed: exitCode === ExitCode.PASSED, exitCode, reasons: [...breaches, ...crossed] };
}
