/** Parsing the broker exporter's lag (no broker needed): lines as RocketMQ 5.3.3 prints them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText } from '../../services/protocol/promText.ts';
import { lagFromPromText } from '../../services/queue/rocketmq/lag.ts';

const labels = (group: string, retry: boolean, topic = 'seckill-orders') =>
  `otel_scope_name="broker-meter",cluster="DefaultCluster",consumer_group="${group}",is_retry="${retry}",is_system="false",node_id="broker-a",node_type="broker",topic="${topic}"`;

const TEXT = `# TYPE rocketmq_consumer_lag_messages gauge
# HELP rocketmq_consumer_lag_messages default view for gauge.
rocketmq_consumer_lag_messages{${labels('g', false)}} 120.0 1795545894546
rocketmq_consumer_lag_messages{${labels('g', true)}} 3.0 1795545894546
rocketmq_consumer_lag_messages{${labels('other', false)}} 999.0 1795545894546
rocketmq_consumer_lag_messages{${labels('g', false, 'another-topic')}} 7.0 1795545894546
# TYPE rocketmq_consumer_lag_latency gauge
rocketmq_consumer_lag_latency_milliseconds{${labels('g', false)}} 4500.0 1795545894546
rocketmq_consumer_lag_latency_milliseconds{${labels('g', true)}} 9000.0 1795545894546
rocketmq_consumer_inflight_messages{${labels('g', false)}} 20.0 1795545894546
`;

test('the group lag adds the normal and retry series and takes the older age', () => {
  assert.deepEqual(lagFromPromText(TEXT, 'seckill-orders', 'g'), { messages: 123, oldestAgeSeconds: 9 });
});

test('no series for the group yet: null (unknown), not 0', () => {
  assert.equal(lagFromPromText(TEXT, 'seckill-orders', 'nobody'), null);
});

test('a drained group reports age 0 even if the exporter still shows the last latency', () => {
  const drained = TEXT.replace(/ 120\.0 /, ' 0.0 ').replace(/ 3\.0 /, ' 0.0 ');
  assert.deepEqual(lagFromPromText(drained, 'seckill-orders', 'g'), { messages: 0, oldestAgeSeconds: 0 });
});

test('labels with escaped quotes and samples without timestamps parse', () => {
  const samples = parsePrometheusText('m{a="x\\"y",b="z"} 1.5\nother 2\n', new Set(['m']));
  assert.deepEqual(samples, [{ name: 'm', labels: { a: 'x"y', b: 'z' }, value: 1.5 }]);
});
