/**
 * docker-compose.yml without Docker: parsed with `yaml`, checked against the compose-spec rules that
 * matter to us, and against the code's own defaults (ports, endpoints, metrics URL), so a changed
 * default in the code cannot silently leave the compose file behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../services/common/config.ts';
import { rocketmqConfigFromEnv } from '../../services/queue/rocketmq/config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isMap = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// `merge: true`: the file shares settings through YAML merge keys (<<: *anchor), as compose does.
const parsed: unknown = parse(read('docker-compose.yml'), { merge: true });
const compose: Record<string, Json> = isMap(parsed) ? parsed : assert.fail('docker-compose.yml is a map');
const services: Record<string, Json> = isMap(compose.services) ? compose.services : assert.fail('services is a map');

function service(name: string): Record<string, Json> {
  const s = services[name];
  assert.ok(isMap(s), `service ${name} exists and is a map`);
  return s;
}

/** environment as a map, whichever of the two compose forms (map or KEY=VALUE list) is used. */
function env(name: string): Record<string, string> {
  const e = service(name).environment;
  if (e === undefined) return {};
  if (Array.isArray(e)) {
    return Object.fromEntries(
      e.map((item) => {
        assert.equal(typeof item, 'string', `${name}: environment list items are strings`);
        const [key, ...rest] = String(item).split('=');
        return [key!, rest.join('=')];
      }),
    );
  }
  assert.ok(isMap(e), `${name}: environment is a map or a list`);
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

/** "host:container" port mappings as [host, container] numbers. */
function ports(name: string): Array<[number, number]> {
  const p = service(name).ports ?? [];
  assert.ok(Array.isArray(p), `${name}: ports is a list`);
  return p.map((item) => {
    // Quoted strings: YAML 1.1 reads an unquoted 22:22-like value as a base-60 number.
    assert.equal(typeof item, 'string', `${name}: port ${String(item)} is a quoted string`);
    const match = /^(?:([\d.]+):)?(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(String(item));
    assert.ok(match, `${name}: port "${String(item)}" is [IP:][HOST:]CONTAINER[/PROTO]`);
    // Safe by default: a published port is bound to the host's loopback, not to every interface.
    assert.equal(match[1], '127.0.0.1', `${name}: port "${String(item)}" is published on 127.0.0.1 only`);
    const container = Number(match[3]);
    return [Number(match[2] ?? container), container];
  });
}

function publishes(name: string, port: number): void {
  assert.ok(
    ports(name).some(([host, container]) => host === port && container === port),
    `${name} publishes "${port}:${port}" (has ${JSON.stringify(ports(name))})`,
  );
}

const hostPort = (address: string) => {
  const url = new URL(address.includes('://') ? address : `grpc://${address}`);
  return { host: url.hostname, port: Number(url.port) };
};

const defaults = loadConfig({});
const rocketmqDefaults = rocketmqConfigFromEnv({});

describe('docker-compose.yml: compose-spec rules', () => {
  test('every service has an image or a build, and a command list if it has one', () => {
    for (const [name, s] of Object.entries(services)) {
      assert.ok(isMap(s), `${name} is a map`);
      assert.ok(typeof s.image === 'string' || s.build !== undefined, `${name} has image or build`);
      if (typeof s.image === 'string') assert.match(s.image, /^[a-z0-9./_-]+(:[\w.-]+)?$/, `${name}: image reference`);
      if (s.command !== undefined) assert.ok(Array.isArray(s.command) || typeof s.command === 'string', `${name}: command`);
      ports(name);
      env(name);
    }
  });

  test('no image floats on :latest; the official RocketMQ image is 5.3.x', () => {
    for (const [name, s] of Object.entries(services)) {
      if (!isMap(s) || typeof s.image !== 'string') continue;
      assert.ok(s.image.includes(':') && !s.image.endsWith(':latest'), `${name}: pinned tag (${s.image})`);
    }
    for (const name of ['namesrv', 'broker', 'proxy']) assert.match(String(service(name).image), /^apache\/rocketmq:5\.3\.\d+$/);
  });

  test('depends_on names existing services, with valid conditions', () => {
    for (const [name, s] of Object.entries(services)) {
      if (!isMap(s) || s.depends_on === undefined) continue;
      const deps = s.depends_on;
      const names = Array.isArray(deps) ? deps.map(String) : isMap(deps) ? Object.keys(deps) : assert.fail(`${name}: depends_on`);
      for (const dep of names) assert.ok(isMap(services[dep]), `${name} depends on existing service ${dep}`);
      if (isMap(deps)) {
        for (const [dep, spec] of Object.entries(deps)) {
          assert.ok(isMap(spec), `${name}.depends_on.${dep} is a map`);
          assert.ok(
            ['service_started', 'service_healthy', 'service_completed_successfully'].includes(String(spec.condition)),
            `${name}.depends_on.${dep}.condition`,
          );
        }
      }
    }
  });

  test('bind mounts point at files of this repo; named volumes are declared', () => {
    const declared = isMap(compose.volumes) ? Object.keys(compose.volumes) : [];
    for (const [name, s] of Object.entries(services)) {
      if (!isMap(s) || s.volumes === undefined) continue;
      assert.ok(Array.isArray(s.volumes), `${name}: volumes is a list`);
      for (const volume of s.volumes) {
        const [source, target] = String(volume).split(':');
        assert.ok(source && target?.startsWith('/'), `${name}: volume "${String(volume)}" is SOURCE:/TARGET`);
        if (source.startsWith('.')) assert.ok(existsSync(path.join(ROOT, source)), `${name}: ${source} exists in the repo`);
        else assert.ok(declared.includes(source), `${name}: named volume ${source} is declared at the top level`);
      }
    }
  });
});

describe('docker-compose.yml matches the code defaults', () => {
  test('gateway: port 8070, HOST 0.0.0.0, order service and RocketMQ reachable by service name', () => {
    assert.equal(defaults.GATEWAY_PORT, 8070);
    publishes('gateway', defaults.GATEWAY_PORT);
    const e = env('gateway');
    assert.equal(Number(e.GATEWAY_PORT), defaults.GATEWAY_PORT);
    assert.equal(e.HOST, '0.0.0.0');
    assert.equal(e.ORDER_URL, `http://order:${defaults.ORDER_PORT}`);
    assert.equal(e.QUEUE_TRANSPORT, 'rocketmq');
    assert.equal(e.DATA_DIR, '/data');
  });

  test('order service: port 8071, its data in a volume', () => {
    assert.equal(defaults.ORDER_PORT, 8071);
    publishes('order', defaults.ORDER_PORT);
    const e = env('order');
    assert.equal(Number(e.ORDER_PORT), defaults.ORDER_PORT);
    assert.equal(e.HOST, '0.0.0.0');
    assert.equal(e.QUEUE_TRANSPORT, 'rocketmq');
    assert.equal(e.DATA_DIR, '/data');
  });

  test('both services get the same INTERNAL_TOKEN, which compose requires (the services refuse to start without it)', () => {
    assert.equal(defaults.INTERNAL_TOKEN, undefined, 'the code has no default token');
    for (const name of ['gateway', 'order']) assert.match(env(name).INTERNAL_TOKEN ?? '', /^\$\{INTERNAL_TOKEN:\?.+\}$/, name);
    assert.equal(env('gateway').INTERNAL_TOKEN, env('order').INTERNAL_TOKEN);
  });

  test('both services reach the proxy (8081) and the broker exporter (5557) by the ports the code defaults to', () => {
    const proxyPort = hostPort(rocketmqDefaults.endpoints).port;
    const metrics = hostPort(rocketmqDefaults.metricsUrl);
    assert.equal(proxyPort, 8081);
    assert.equal(metrics.port, 5557);
    for (const name of ['gateway', 'order']) {
      const e = env(name);
      const endpoints = hostPort(e.ROCKETMQ_ENDPOINTS ?? '');
      assert.deepEqual(endpoints, { host: 'proxy', port: proxyPort }, `${name}: ROCKETMQ_ENDPOINTS`);
      const url = hostPort(e.ROCKETMQ_METRICS_URL ?? '');
      assert.deepEqual(url, { host: 'broker', port: metrics.port }, `${name}: ROCKETMQ_METRICS_URL`);
      assert.ok((e.ROCKETMQ_METRICS_URL ?? '').endsWith(new URL(rocketmqDefaults.metricsUrl).pathname));
      if (e.ROCKETMQ_TOPIC) assert.equal(e.ROCKETMQ_TOPIC, rocketmqDefaults.topic);
      if (e.ROCKETMQ_GROUP) assert.equal(e.ROCKETMQ_GROUP, rocketmqDefaults.group);
    }
    publishes('proxy', proxyPort);
    publishes('broker', metrics.port);
  });

  test('RocketMQ: name server 9876, broker config exports Prometheus on 5557, init creates the same topic/group', () => {
    publishes('namesrv', 9876);
    for (const name of ['broker', 'proxy', 'rocketmq-init']) assert.equal(env(name).NAMESRV_ADDR, 'namesrv:9876');
    const brokerConf = read('infra/rocketmq/docker/broker.conf');
    assert.match(brokerConf, /^metricsExporterType=PROM$/m);
    assert.match(brokerConf, /^metricsPromExporterPort=5557$/m);
    assert.match(brokerConf, /^autoCreateTopicEnable=false$/m);
    const init = env('rocketmq-init');
    assert.equal(init.ROCKETMQ_TOPIC, rocketmqDefaults.topic);
    assert.equal(init.ROCKETMQ_GROUP, rocketmqDefaults.group);
  });

  test('Prometheus on 9090 scrapes gateway:8070, order:8071 and broker:5557 every second', () => {
    publishes('prometheus', 9090);
    const config: unknown = parse(read('infra/prometheus/prometheus.docker.yml'));
    assert.ok(isMap(config) && isMap(config.global) && Array.isArray(config.scrape_configs));
    assert.equal(config.global.scrape_interval, '1s');
    const targets = config.scrape_configs.flatMap((job) =>
      isMap(job) && Array.isArray(job.static_configs)
        ? job.static_configs.flatMap((sc) => (isMap(sc) && Array.isArray(sc.targets) ? sc.targets.map(String) : []))
        : [],
    );
    assert.deepEqual(targets.sort(), [`broker:5557`, `gateway:${defaults.GATEWAY_PORT}`, `order:${defaults.ORDER_PORT}`].sort());
  });

  test('Grafana on 3000 with the dashboards and their provisioning mounted; its datasource is this Prometheus', () => {
    publishes('grafana', 3000);
    const volumes = (service('grafana').volumes as Json[]).map(String);
    assert.ok(volumes.some((v) => v.startsWith('./dashboards/provisioning:/etc/grafana/provisioning')));
    assert.ok(volumes.some((v) => v.startsWith('./dashboards:/var/lib/grafana/dashboards')));
    const datasource = path.join(ROOT, 'dashboards/provisioning/datasources/prometheus.yml');
    if (existsSync(datasource)) assert.match(readFileSync(datasource, 'utf8'), /url:\s*http:\/\/prometheus:9090/);
  });
});
