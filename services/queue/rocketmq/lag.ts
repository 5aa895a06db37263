import type { ConsumerLag } from '../transport.ts';

/** One sample of the Prometheus text format: `name{label="v",...} value [timestamp]`. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the samples of the metrics whose names are in `names` (everything else is skipped unparsed). */
export function parsePromSamples(text: string, names: ReadonlySet<string>): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const match = SAMPLE.exec(line);
    if (!match || !names.has(match[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) {
      labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/**
 * The names the broker's exporter uses (RocketMQ 5.3.3, read on a running broker's /metrics): both are
 * gauges labelled topic, consumer_group, is_retry ("true" for the group's %RETRY% topic, where
 * rejected messages wait), is_system. lag_messages counts messages not yet acked, including the ones
 * received and in flight; lag_latency is the age of the oldest of them, in milliseconds.
 */
export const LAG_MESSAGES = 'rocketmq_consumer_lag_messages';
export const LAG_LATENCY_MS = 'rocketmq_consumer_lag_latency_milliseconds';

/**
 * The group's lag on the topic, from the exporter's text: the normal and the retry series added up,
 * the age is the older of the two. null when the broker has no series for the group yet (it creates
 * them once a consumer of the group has subscribed).
 */
export function lagFromPromText(text: string, topic: string, group: string): ConsumerLag | null {
  let messages: number | null = null;
  let latencyMs: number | null = null;
  for (const sample of parsePromSamples(text, new Set([LAG_MESSAGES, LAG_LATENCY_MS]))) {
    if (sample.labels.topic !== topic || sample.labels.consumer_group !== group) continue;
    if (!Number.isFinite(sample.value)) continue;
    if (sample.name === LAG_MESSAGES) messages = (messages ?? 0) + sample.value;
    else latencyMs = Math.max(latencyMs ?? 0, sample.value);
  }
  if (messages === null) return null;
  return {
    messages,
    // The broker keeps reporting the last age for a moment after the backlog drained: no backlog, no age.
    oldestAgeSeconds: messages === 0 ? 0 : latencyMs === null ? null : latencyMs / 1000,
  };
}

/** Fetches the exporter's /metrics and extracts the group's lag; rejects when the exporter does not answer. */
export async function fetchBrokerLag(
  metricsUrl: string,
  topic: string,
  group: string,
  timeoutMs = 2000,
): Promise<ConsumerLag | null> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${metricsUrl} answered HTTP ${response.status}`);
  return lagFromPromText(await response.text(), topic, group);
}
