import type { TransportName } from './services.ts';

/**
 * The engines the end-to-end suites run on: the embedded one always; RocketMQ when tests/run.ts
 * (`npm test`) made sure a real broker answers (SECKILL_TEST_ROCKETMQ=1). A file run on its own
 * without that runner says loudly that it tests the embedded engine only.
 */
export async function transportsUnderTest(): Promise<TransportName[]> {
  if (process.env.SECKILL_TEST_ROCKETMQ === '1') return ['embedded', 'rocketmq'];
  console.log('# RocketMQ variants not run: no broker was prepared (run through `npm test` to include them)');
  return ['embedded'];
}
