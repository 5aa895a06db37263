/**
 * The one reader of the Prometheus text format in the project (the harness's sampler, the RocketMQ
 * lag reader, the tests): enough for counters, gauges and histogram series, cheap to run each second.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** `name{label="v",...} value [timestamp]`: the timestamp, when present, is ignored. */
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescape = (value: string) => value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** Every sample, or only those of the metrics named in `only` (the rest are skipped unparsed: a broker's text is long). */
export function parsePrometheusText(text: string, only?: ReadonlySet<string>): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match || (only && !only.has(match[1] ?? ''))) continue;
    const labels: Record<string, string> = {};
    for (const l of (match[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = unescape(l[2] ?? '');
    const value = Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1] ?? '', labels, value });
  }
  return samples;
}

const matches = (s: Sample, name: string, where: Record<string, string>) =>
  s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v);

/** Sum of a metric's samples whose labels match `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) if (matches(s, name, where)) total += s.value;
  return total;
}

/** The first sample of a metric whose labels match `where`; undefined when there is none. */
export function valueOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number | undefined {
  return samples.find((s) => matches(s, name, where))?.value;
}

/** One metric's value per value of a label, e.g. stock per product. */
export function byLabel(samples: readonly Sample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) if (s.name === name && s.labels[label] !== undefined) out[s.labels[label] ?? ''] = s.value;
  return out;
}
