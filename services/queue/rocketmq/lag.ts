import { BrokerMetric } from '../../protocol/metricNames.ts';
import { parsePrometheusText } from '../../protocol/promText.ts';
import type { ConsumerLag } from '../transport.ts';

const LAG_SERIES: ReadonlySet<string> = new Set([BrokerMetric.LAG_MESSAGES, BrokerMetric.LAG_LATENCY_MS]);

/**
 * The group's lag on the topic, from the exporter's text: the normal and the retry series added up,
 * the age is the older of the two. null when the broker has no series for the group yet (it creates
 * them once a consumer of the group has subscribed).
 */
export function lagFromPromText(text: string, topic: string, group: string): ConsumerLag | null {
  let messages: number | null = null;
  let latencyMs: number | null = null;
  for (const sample of parsePrometheusText(text, LAG_SERIES)) {
    if (sample.labels.topic !== topic || sample.labels.consumer_group !== group) continue;
    if (!Number.isFinite(sample.value)) continue;
    if (sample.name === BrokerMetric.LAG_MESSAGES) messages = (messages ?? 0) + sample.value;
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
