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
import { httpStatusOf, ResultCode } from '../../services/protocol/codes.ts';
import { ScrapeJob } from '../../services/protocol/metricNames.ts';
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

/** A service's compose profiles; none means it starts with a plain `docker compose up`. */
function profiles(name: string): string[] {
  const p = service(name).profiles ?? [];
  assert.ok(Array.isArray(p), `${name}: profiles is a list`);
  return p.map(String);
}

function dependsOn(name: string): Record<string, string> {
  const deps = service(name).depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((dep) => [String(dep), 'service_started']));
  assert.ok(isMap(deps), `${name}: depends_on`);
  return Object.fromEntries(Object.entries(deps).map(([dep, spec]) => [dep, isMap(spec) ? String(spec.condition) : '']));
}

/** Every string anywhere under a value (commands, environment, x- fields...). */
const strings = (value: Json | undefined): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : isMap(value)
        ? Object.values(value).flatMap(strings)
        : [];

/** Names of the variables a value requires (`${NAME:?message}` or `${NAME?message}`). */
const requiredVariables = (value: Json | undefined) =>
  new Set(strings(value).flatMap((text) => [...text.matchAll(/\$\{(\w+):?\?/g)].map((m) => m[1]!)));

/** Compose's interpolation, with `values` as the shell's environment (`${X:?}` unset fails, as compose does). */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g, (_all, name: string, op: string | undefined, arg: string) => {
    const value = values[name];
    const empty = value === undefined || (op?.startsWith(':') === true && value === '');
    if (op?.endsWith('?') && empty) assert.fail(`compose would stop: ${name} is required (${arg})`);
    if (op?.endsWith('-') && empty) return arg;
    return value ?? '';
  });
}

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

/** The services of the scaled profile (docker-compose.yml's header). */
const SCALED = ['redis', 'postgres', 'rocketmq-init-scaled', 'order-scaled', 'gateway-scaled', 'nginx'];
/** What a plain `docker compose up` starts, as before the scaled profile existed. */
const DEFAULT = ['namesrv', 'broker', 'proxy', 'rocketmq-init', 'order', 'gateway', 'prometheus', 'grafana'];
/** A shell environment for the interpolations: the variables the header tells the user to set. */
const SHELL = { INTERNAL_TOKEN: 'a'.repeat(64), POSTGRES_PASSWORD: '0123456789abcdef0123456789abcdef' };
const nginxConf = read('infra/nginx/nginx.conf');

/** The interpolated environment of a service, as its container gets it. */
const containerEnv = (name: string) => Object.fromEntries(Object.entries(env(name)).map(([k, v]) => [k, interpolate(v, SHELL)]));

describe('docker-compose.yml: the scaled profile leaves the plain `docker compose up` as it was', () => {
  test('the services without a profile are the same eight, and none of them needs a profiled one', () => {
    const unprofiled = Object.keys(services).filter((name) => profiles(name).length === 0);
    assert.deepEqual(unprofiled.sort(), [...DEFAULT].sort());
    for (const name of DEFAULT) {
      for (const dep of Object.keys(dependsOn(name)))
        assert.deepEqual(profiles(dep), [], `${name} depends on ${dep}, which always starts`);
    }
  });

  test('every scaled service is in the `scaled` profile, and only there', () => {
    for (const name of SCALED) assert.deepEqual(profiles(name), ['scaled'], name);
    const profiled = Object.keys(services).filter((name) => profiles(name).length > 0);
    assert.deepEqual(profiled.sort(), [...SCALED].sort());
  });

  test('no variable is required (`${X:?}`) that the plain `up` does not already require', () => {
    // Compose interpolates every service (and x- field) before it applies profiles: a required
    // variable of the scaled profile alone would stop the plain `docker compose up` too.
    const byDefault = requiredVariables(DEFAULT.map((name) => service(name)));
    assert.deepEqual(
      [...requiredVariables(compose)].filter((name) => !byDefault.has(name)),
      [],
    );
    assert.deepEqual([...byDefault], ['INTERNAL_TOKEN']);
    // And the plain `up` interpolates with INTERNAL_TOKEN alone, as documented.
    for (const text of strings(compose)) interpolate(text, { INTERNAL_TOKEN: SHELL.INTERNAL_TOKEN });
  });

  test('the scaled services take their own topic and consumer group, apart from the single order service', () => {
    const init = env('rocketmq-init-scaled');
    assert.notEqual(init.ROCKETMQ_TOPIC, env('rocketmq-init').ROCKETMQ_TOPIC, 'topic');
    assert.notEqual(init.ROCKETMQ_GROUP, env('rocketmq-init').ROCKETMQ_GROUP, 'group');
    assert.equal(init.NAMESRV_ADDR, env('rocketmq-init').NAMESRV_ADDR);
    assert.deepEqual(service('rocketmq-init-scaled').command, service('rocketmq-init').command, 'the same init script');
    assert.deepEqual(service('rocketmq-init-scaled').volumes, service('rocketmq-init').volumes);
    for (const name of ['order-scaled', 'gateway-scaled'])
      assert.equal(env(name).ROCKETMQ_TOPIC, init.ROCKETMQ_TOPIC, `${name}: topic`);
    assert.equal(env('order-scaled').ROCKETMQ_GROUP, init.ROCKETMQ_GROUP, 'every order-scaled replica in one group');
  });
});

describe('docker-compose.yml: the scaled profile', () => {
  test('redis, postgres and nginx are pinned official images (nginx new enough for `server ... resolve`)', () => {
    assert.match(String(service('redis').image), /^redis:7\.2\.\d+-alpine$/);
    assert.match(String(service('postgres').image), /^postgres:15\.\d+-alpine$/);
    const nginx = /^nginx:(\d+)\.(\d+)\.(\d+)-alpine$/.exec(String(service('nginx').image));
    assert.ok(nginx, `nginx image ${String(service('nginx').image)}`);
    const [major, minor, patch] = nginx.slice(1).map(Number) as [number, number, number];
    assert.ok(major > 1 || minor > 27 || (minor === 27 && patch >= 3), 'open-source nginx resolves upstream servers from 1.27.3');
  });

  test('redis: no persistence, a healthcheck, and the scaled gateways reach it by service name and port', () => {
    const command = (service('redis').command as Json[]).map(String);
    const flag = (name: string) => command[command.indexOf(name) + 1];
    assert.equal(flag('--save'), '', 'no RDB snapshots');
    assert.equal(flag('--appendonly'), 'no', 'no AOF');
    const healthcheck = service('redis').healthcheck;
    assert.ok(isMap(healthcheck) && strings(healthcheck.test).includes('ping'));
    const url = new URL(env('gateway-scaled').REDIS_URL ?? '');
    assert.equal(url.protocol, 'redis:');
    assert.equal(url.hostname, 'redis');
    assert.equal(url.port, flag('--port'));
    assert.equal(url.port, new URL(defaults.REDIS_URL).port, "Redis's port is the one the code defaults to");
  });

  test('postgres: the password comes from the shell, never from the file; pg_isready over TCP as its user and database', () => {
    const e = env('postgres');
    assert.match(e.POSTGRES_PASSWORD ?? '', /^\$\{POSTGRES_PASSWORD(:?-)?\}$/, 'no password written in the file');
    assert.ok(e.POSTGRES_USER && e.POSTGRES_DB);
    const healthcheck = service('postgres').healthcheck;
    assert.ok(isMap(healthcheck));
    const test = strings(healthcheck.test);
    const flag = (name: string) => test[test.indexOf(name) + 1];
    assert.ok(test.includes('pg_isready'));
    assert.equal(flag('-U'), e.POSTGRES_USER);
    assert.equal(flag('-d'), e.POSTGRES_DB);
    assert.equal(flag('-h'), '127.0.0.1', 'over TCP: the init-time server listens on the socket only');
  });

  test('order-scaled: 2 replicas, DATABASE_URL names the postgres service, its port, user, password and database', () => {
    const order = service('order-scaled');
    assert.ok(isMap(order.deploy) && order.deploy.replicas === 2);
    assert.equal(order.ports, undefined, 'replicas publish no port');
    const e = env('order-scaled');
    const postgres = env('postgres');
    const url = new URL(e.DATABASE_URL ?? '');
    assert.match(url.protocol, /^postgres(ql)?:$/);
    assert.equal(url.hostname, 'postgres');
    assert.equal(url.port, '5432');
    assert.equal(decodeURIComponent(url.username), postgres.POSTGRES_USER);
    assert.equal(decodeURIComponent(url.password), postgres.POSTGRES_PASSWORD, 'the same interpolation as the postgres service');
    assert.equal(url.pathname, `/${postgres.POSTGRES_DB}`);
    assert.deepEqual(dependsOn('order-scaled'), {
      'rocketmq-init-scaled': 'service_completed_successfully',
      postgres: 'service_healthy',
    });
    assert.equal(
      e.QUEUE_TRANSPORT,
      'rocketmq',
      'several order services share one RocketMQ consumer group, not the embedded queue',
    );
    assert.equal(Number(e.ORDER_PORT), defaults.ORDER_PORT);
    assert.equal(e.HOST, '0.0.0.0');
  });

  test('gateway-scaled: 3 replicas behind nginx, admission in Redis, any order service, address limits moved to nginx', () => {
    const gateway = service('gateway-scaled');
    assert.ok(isMap(gateway.deploy) && gateway.deploy.replicas === 3);
    assert.equal(gateway.ports, undefined, 'replicas publish no port: nginx is the way in');
    const e = env('gateway-scaled');
    assert.equal(e.ADMISSION_STORE, 'redis');
    assert.equal(e.ORDER_URL, `http://order-scaled:${env('order-scaled').ORDER_PORT}`);
    assert.equal(e.RATE_LIMIT_PER_IP, '0');
    assert.equal(e.QUERY_RATE_LIMIT_PER_IP, '0');
    assert.equal(Number(e.GATEWAY_PORT), defaults.GATEWAY_PORT);
    assert.equal(e.HOST, '0.0.0.0');
    assert.equal(e.QUEUE_TRANSPORT, 'rocketmq');
    assert.deepEqual(dependsOn('gateway-scaled'), {
      'rocketmq-init-scaled': 'service_completed_successfully',
      redis: 'service_healthy',
      'order-scaled': 'service_started',
    });
    for (const name of ['gateway-scaled', 'order-scaled']) {
      assert.equal(env(name).INTERNAL_TOKEN, env('gateway').INTERNAL_TOKEN, `${name}: the same INTERNAL_TOKEN`);
      assert.equal(env(name).ROCKETMQ_ENDPOINTS, env(name.split('-')[0]!).ROCKETMQ_ENDPOINTS);
      assert.equal(env(name).ROCKETMQ_METRICS_URL, env(name.split('-')[0]!).ROCKETMQ_METRICS_URL);
      assert.deepEqual(service(name).build, service('gateway').build, `${name}: built from this repo`);
    }
  });

  test('the services own config parsers accept the scaled settings as the containers get them', () => {
    const gateway = loadConfig(containerEnv('gateway-scaled'));
    assert.equal(gateway.ADMISSION_STORE, 'redis');
    assert.equal(gateway.REDIS_URL, 'redis://redis:6379');
    assert.equal(gateway.RATE_LIMIT_PER_IP, 0);
    assert.equal(gateway.QUERY_RATE_LIMIT_PER_IP, 0);
    const order = loadConfig(containerEnv('order-scaled'));
    assert.equal(order.DATABASE_URL, `postgres://seckill:${SHELL.POSTGRES_PASSWORD}@postgres:5432/seckill`);
    assert.equal(order.DATABASE_SCHEMA, defaults.DATABASE_SCHEMA);
    for (const name of ['gateway-scaled', 'order-scaled']) {
      const rocketmq = rocketmqConfigFromEnv(containerEnv(name));
      assert.equal(rocketmq.topic, env('rocketmq-init-scaled').ROCKETMQ_TOPIC);
    }
    assert.equal(rocketmqConfigFromEnv(containerEnv('order-scaled')).group, env('rocketmq-init-scaled').ROCKETMQ_GROUP);
  });

  test('nginx: published on 127.0.0.1, spreads over gateway-scaled at GATEWAY_PORT, re-resolving through Docker DNS', () => {
    const listen = /^\s*listen\s+(\d+);/m.exec(nginxConf);
    assert.ok(listen, 'nginx.conf listens on a port');
    const published = ports('nginx');
    assert.equal(published.length, 1);
    assert.equal(published[0]![1], Number(listen[1]), 'the published port is the one nginx listens on');
    assert.ok(!ports('gateway').some(([host]) => host === published[0]![0]), 'not the single gateway port');
    assert.ok((service('nginx').volumes as Json[]).map(String).includes('./infra/nginx/nginx.conf:/etc/nginx/nginx.conf:ro'));

    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(nginxConf);
    assert.ok(upstream, 'an upstream block');
    const servers = [...upstream[2]!.matchAll(/^\s*server\s+([^\s;]+)([^;]*);/gm)];
    assert.deepEqual(
      servers.map((m) => [m[1], m[2]!.trim()]),
      [[`gateway-scaled:${env('gateway-scaled').GATEWAY_PORT}`, 'resolve']],
    );
    assert.match(upstream[2]!, /^\s*zone\s+\w+\s+\w+;/m, '`resolve` needs a shared-memory zone');
    assert.match(upstream[2]!, /^\s*keepalive\s+\d+;/m);
    assert.match(nginxConf, /^\s*resolver\s+127\.0\.0\.11\b/m, "Docker's embedded DNS");
    // keepalive to the upstream needs HTTP/1.1 without `Connection: close`.
    assert.match(nginxConf, /^\s*proxy_http_version\s+1\.1;/m);
    assert.match(nginxConf, /^\s*proxy_set_header\s+Connection\s+"";/m);
    const passes = [...nginxConf.matchAll(/proxy_pass\s+([^;]+);/g)].map((m) => m[1]);
    assert.ok(
      passes.length > 0 && passes.every((target) => target === `http://${upstream[1]}`),
      'every proxy_pass goes to the upstream',
    );
    // A cheap syntax check (nginx itself is not run here): braces balance, directives end with `;`.
    const code = nginxConf.replace(/#.*$/gm, '').replace(/'[^']*'/g, "''");
    assert.equal([...code.matchAll(/\{/g)].length, [...code.matchAll(/\}/g)].length);
    for (const line of code
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean))
      assert.match(line, /[;{}]$/, line);
  });

  test("nginx limits each client address at the gateway's own default rates, refusing with the gateway's envelope", () => {
    const zones = Object.fromEntries(
      [...nginxConf.matchAll(/limit_req_zone\s+\$binary_remote_addr\s+zone=(\w+):\w+\s+rate=(\d+)r\/s;/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    const limited = Object.fromEntries(
      [...nginxConf.matchAll(/location\s+=\s+(\S+)\s*\{([^}]*)\}/g)].flatMap((m) => {
        const limit = /limit_req\s+zone=(\w+)\s+burst=(\d+)/.exec(m[2]!);
        return limit ? [[m[1], { rate: zones[limit[1]!], burst: Number(limit[2]) }]] : [];
      }),
    );
    assert.deepEqual(limited, {
      '/api/charge.do': { rate: defaults.RATE_LIMIT_PER_IP, burst: 2 * defaults.RATE_LIMIT_PER_IP },
      '/api/query.do': { rate: defaults.QUERY_RATE_LIMIT_PER_IP, burst: 2 * defaults.QUERY_RATE_LIMIT_PER_IP },
      '/api/product.do': { rate: defaults.QUERY_RATE_LIMIT_PER_IP, burst: 2 * defaults.QUERY_RATE_LIMIT_PER_IP },
    });
    assert.equal(new Set(Object.keys(zones)).size, 3, 'product.do has a budget of its own, as on the gateway');
    assert.match(nginxConf, /^\s*limit_req_status\s+429;/m);
    const returns = [...nginxConf.matchAll(/return\s+(\d+)\s+'([^']*)';/g)].map((m) => ({
      status: Number(m[1]),
      body: JSON.parse(m[2]!) as unknown,
    }));
    assert.ok(returns.length > 0);
    for (const { status, body } of returns) {
      assert.ok(isMap(body) && typeof body.msg === 'string' && body.data === null, `an envelope: ${JSON.stringify(body)}`);
      assert.ok(Object.values(ResultCode).includes(body.code as ResultCode), `a known code: ${String(body.code)}`);
      assert.equal(httpStatusOf[body.code as ResultCode], status, `${String(body.code)} answers ${status}`);
    }
    assert.ok(returns.some(({ body }) => isMap(body) && body.code === ResultCode.RATE_LIMITED));
  });

  test('Prometheus finds every replica of every scaled service that serves /metrics, under the jobs the dashboards know', () => {
    const config: unknown = parse(read('infra/prometheus/prometheus.docker.yml'));
    assert.ok(isMap(config) && Array.isArray(config.scrape_configs));
    const discovered = config.scrape_configs.flatMap((job) =>
      isMap(job) && Array.isArray(job.dns_sd_configs)
        ? job.dns_sd_configs.flatMap((sd) =>
            isMap(sd) && Array.isArray(sd.names)
              ? sd.names.map((n) => ({ job: job.job_name, name: String(n), type: sd.type, port: sd.port }))
              : [],
          )
        : [],
    );
    assert.deepEqual(discovered, [
      { job: ScrapeJob.GATEWAY, name: 'gateway-scaled', type: 'A', port: Number(env('gateway-scaled').GATEWAY_PORT) },
      { job: ScrapeJob.ORDER, name: 'order-scaled', type: 'A', port: Number(env('order-scaled').ORDER_PORT) },
    ]);
    // Every scaled service built from this repo (the ones with /metrics) is discovered.
    const built = SCALED.filter((name) => service(name).build !== undefined);
    assert.deepEqual(built.sort(), discovered.map((d) => d.name).sort());
    // ...on the port where /metrics is served: no separate metrics port is set on them.
    for (const name of built)
      for (const key of ['GATEWAY_METRICS_PORT', 'ORDER_METRICS_PORT']) assert.equal(env(name)[key], undefined);
  });
});
