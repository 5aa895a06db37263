/**
 * Thresholds as data, k6-style: `METRIC{tag:value}:AGGREGATION OP NUMBER`, e.g.
 * `latency{outcome:accepted}:p(99)<50`, `errors:rate<0.01`, `drain:max<5`, over the metrics of
 * metrics.ts. They come from the defaults, the shorthands (--max-p99, --min-rate-ratio, --max-drain),
 * a config file's `thresholds` block and --threshold; each is evaluated here against the results
 * and becomes a row of the results' `thresholds` (the verdict, verdict.ts, reads the rows).
 */
import type { RunResult } from '../record/schema.ts';
import { measure, METRIC_NAMES, THRESHOLD_METRICS, type Aggregation, type MetricName, type Query } from './metrics.ts';
import type { ThresholdRow } from './verdict.ts';

/** A bad expression, option or config file: the CLI exits with the usage code (verdict.ts). */
export class UsageError extends Error {}

type Op = '<' | '<=' | '>' | '>=' | '==';
export type ThresholdSource = 'default' | 'option' | 'config';

export interface ThresholdSpec {
  expression: string;
  query: Query;
  op: Op;
  limit: number;
  source: ThresholdSource;
  /** A default that applies only in some runs: a note (why it does not apply here), or null. */
  skip?: (run: Judged) => string | null;
}

/** What a threshold reads of a run. */
export type Judged = Pick<RunResult, 'http' | 'orders' | 'queue' | 'fairness'> & {
  histograms?: Record<string, string> | undefined;
};

const FORM = 'expected METRIC{tag:value}:AGGREGATION OP NUMBER, e.g. latency:p(99)<50 or errors:rate<0.01';
const GRAMMAR = /^([a-z_][a-z0-9_]*)(?:\{([^}]*)\})?:(p\(([^)]*)\)|[a-z][a-z0-9.]*)(<=|>=|==|<|>)(-?\d+(?:\.\d+)?)$/;

/** Parses one expression; a malformed one is a UsageError naming it and saying what was expected. */
export function parseThreshold(text: string, source: ThresholdSource = 'option'): ThresholdSpec {
  const expression = text.replace(/\s+/g, '');
  const bad = (why: string) => new UsageError(`threshold '${text}': ${why}`);
  const match = GRAMMAR.exec(expression);
  if (!match) throw bad(FORM);
  const [, name = '', tagText, aggregationText = '', percentileText, op = '<', limitText = ''] = match;
  if (!(METRIC_NAMES as string[]).includes(name)) throw bad(`unknown metric "${name}" (metrics: ${METRIC_NAMES.join(', ')})`);
  const metric = name as MetricName;
  const spec = THRESHOLD_METRICS[metric];
  const aggregation = (percentileText === undefined ? aggregationText : 'p') as Aggregation;
  const allowed: readonly Aggregation[] = spec.aggregations;
  const forms = allowed.map((a) => (a === 'p' ? 'p(N)' : a)).join(', ');
  if (!allowed.includes(aggregation)) throw bad(`${metric} has no aggregation "${aggregationText}" (it has: ${forms})`);
  let percentile: number | undefined;
  if (aggregation === 'p') {
    percentile = Number(percentileText);
    if (!/^\d+(\.\d+)?$/.test(percentileText ?? '') || percentile <= 0 || percentile > 100)
      throw bad(`p(${percentileText}): the percentile must be a number in (0, 100]`);
  }
  const tags: Record<string, string> = {};
  const tagSpec: Record<string, readonly string[]> = spec.tags;
  for (const pair of tagText ? tagText.split(',') : []) {
    const [key = '', value, ...rest] = pair.split(':');
    const values = tagSpec[key];
    if (!values)
      throw bad(
        `${metric} has no tag "${key}"${Object.keys(tagSpec).length ? ` (tags: ${Object.keys(tagSpec).join(', ')})` : ''}`,
      );
    if (value === undefined || rest.length > 0 || !values.includes(value))
      throw bad(`${key} must be one of ${values.join(', ')}, got "${value ?? ''}"`);
    tags[key] = value;
  }
  return { expression, query: { metric, tags, aggregation, percentile }, op: op as Op, limit: Number(limitText), source };
}

/** Same metric, tags and aggregation: a later threshold of the same key replaces an earlier one. */
const keyOf = (q: Query) =>
  `${q.metric}{${Object.entries(q.tags)
    .sort()
    .map(([k, v]) => `${k}:${v}`)
    .join(',')}}:${q.aggregation}${q.percentile ?? ''}`;

/**
 * Defaults, like k6's http_req_failed: a run with more than 1 % failed requests, or more than 1 % of
 * answers the harness cannot read, fails; so does one that queued nothing while stock remained.
 */
export const DEFAULT_THRESHOLDS = ['errors:rate<=0.01', 'unclassified:rate<=0.01', 'queued:count>0'] as const;
export const DEFAULT_MIN_RATE_RATIO = 0.95;

/**
 * A run that queued nothing while stock remained is broken (e.g. every request refused), whatever
 * else it measured. Null (the threshold applies) unless the stock is known to have been 0 at the
 * start, or (stock unknown, e.g. a --target without metrics) the target answered "sold out".
 */
function queuedOnlyWhileStock(run: Judged): string | null {
  const known = (run.orders.products ?? []).map((p) => p.stockAtStart).filter((s): s is number => s !== null);
  if (known.length > 0) return known.some((s) => s > 0) ? null : 'no stock at the start: nothing could be queued';
  return run.orders.soldOut > 0 ? 'stock unknown, and the target answered sold out: presumably none left' : null;
}

interface ThresholdOptions {
  maxP99?: number | undefined;
  minRateRatio?: number | undefined;
  /** ms */
  maxDrain?: number | undefined;
  /** --threshold, in order. */
  threshold?: readonly string[];
  /** The config file's thresholds block, flattened to expressions. */
  configThresholds?: readonly string[];
}

/** Every threshold of a run, in order: defaults, shorthands, config file, --threshold; later ones replace earlier ones of the same key. */
export function thresholdSpecs(o: ThresholdOptions): ThresholdSpec[] {
  const specs: ThresholdSpec[] = DEFAULT_THRESHOLDS.map((e) => ({
    ...parseThreshold(e, 'default'),
    ...(e.startsWith('queued') ? { skip: queuedOnlyWhileStock } : {}),
  }));
  specs.push(
    parseThreshold(
      `rate:ratio>=${o.minRateRatio ?? DEFAULT_MIN_RATE_RATIO}`,
      o.minRateRatio === undefined ? 'default' : 'option',
    ),
  );
  if (o.maxP99 !== undefined) specs.push(parseThreshold(`latency:p(99)<=${o.maxP99}`));
  if (o.maxDrain !== undefined) specs.push(parseThreshold(`drain:max<=${o.maxDrain / 1000}`));
  for (const e of o.configThresholds ?? []) specs.push(parseThreshold(e, 'config'));
  for (const e of o.threshold ?? []) specs.push(parseThreshold(e, 'option'));
  const byKey = new Map<string, ThresholdSpec>();
  for (const spec of specs) {
    byKey.delete(keyOf(spec.query)); // the later one takes the earlier one's place at the end
    byKey.set(keyOf(spec.query), spec);
  }
  return [...byKey.values()];
}

const holds = (value: number, op: Op, limit: number): boolean =>
  op === '<'
    ? value < limit
    : op === '<='
      ? value <= limit
      : op === '>'
        ? value > limit
        : op === '>='
          ? value >= limit
          : value === limit;

/** Each threshold against the run: a value that was not measured fails (and says why). */
export function evaluateThresholds(specs: readonly ThresholdSpec[], run: Judged): ThresholdRow[] {
  return specs.map((spec) => {
    const { value, note } = measure(spec.query, run);
    const skipped = spec.skip?.(run) ?? null;
    const passed = skipped !== null || (value !== null && holds(value, spec.op, spec.limit));
    const why = skipped ?? note;
    return { name: spec.expression, limit: spec.limit, value, passed, source: spec.source, ...(why ? { note: why } : {}) };
  });
}

/** Aggregations whose value carries the metric's unit (a count, a rate or a ratio has none). */
const UNITED: readonly Aggregation[] = ['p', 'avg', 'min', 'med', 'max', 'value'];

/** A threshold row's unit, for printing (none for rows that are not expressions, e.g. a driver's own). */
export function unitOf(row: { name: string }): string {
  try {
    const { metric, aggregation } = parseThreshold(row.name).query;
    return UNITED.includes(aggregation) ? THRESHOLD_METRICS[metric].unit : '';
  } catch {
    return '';
  }
}

/** A config file's `thresholds` block: k6's form `{ metric: [conditions] }`, or a list of whole expressions. */
export function flattenThresholds(block: unknown, file: string): string[] {
  const bad = () =>
    new UsageError(`${file}: thresholds must be a list of expressions or a map of metric → list of conditions (as in k6)`);
  if (Array.isArray(block)) {
    if (!block.every((e) => typeof e === 'string')) throw bad();
    return block;
  }
  if (block === null || typeof block !== 'object') throw bad();
  return Object.entries(block).flatMap(([metric, conditions]) => {
    const list: unknown[] = Array.isArray(conditions) ? conditions : [conditions];
    if (!list.every((c) => typeof c === 'string')) throw bad();
    return (list as string[]).map((c) => `${metric}:${c}`);
  });
}
