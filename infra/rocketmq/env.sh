# Shared settings of start.sh / stop.sh (sourced, not run). Every value can be overridden by env.
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

ROCKETMQ_VERSION="${ROCKETMQ_VERSION:-5.3.3}"
# Jars fetched once by Maven from the published artifacts (never built from source), reused when present.
ROCKETMQ_CACHE_DIR="${ROCKETMQ_CACHE_DIR:-$HOME/.cache/seckill-bench/rocketmq/$ROCKETMQ_VERSION}"
ROCKETMQ_LIB_DIR="$ROCKETMQ_CACHE_DIR/lib"
# Store, configs, logs and PID files (git-ignored).
ROCKETMQ_DATA_DIR="${ROCKETMQ_DATA_DIR:-$ROOT_DIR/.rocketmq}"

ROCKETMQ_HOST=127.0.0.1
ROCKETMQ_NAMESRV_PORT="${ROCKETMQ_NAMESRV_PORT:-9876}"
ROCKETMQ_PROXY_PORT="${ROCKETMQ_PROXY_PORT:-8081}"                    # gRPC, what the Node client talks to
ROCKETMQ_PROXY_REMOTING_PORT="${ROCKETMQ_PROXY_REMOTING_PORT:-8080}"  # remoting protocol of the proxy
ROCKETMQ_BROKER_PORT="${ROCKETMQ_BROKER_PORT:-10911}"                 # HA port is this + 1
ROCKETMQ_METRICS_PORT="${ROCKETMQ_METRICS_PORT:-5557}"                # broker Prometheus exporter

ROCKETMQ_TOPIC="${ROCKETMQ_TOPIC:-seckill-orders}"
ROCKETMQ_GROUP="${ROCKETMQ_GROUP:-seckill-order-service}"
ROCKETMQ_QUEUES="${ROCKETMQ_QUEUES:-4}"
# Broker-side redeliveries before the broker moves a message to %DLQ%<group>. Kept above the order
# service's own dead-letter limit, so that the service (not the broker) decides.
ROCKETMQ_MAX_RETRIES="${ROCKETMQ_MAX_RETRIES:-16}"
# --- Broker settings that matter on a small machine (README "RocketMQ": what each keeps, what it costs) --
# Proxy + broker JVM: heap (-Xms = -Xmx) and collector.
ROCKETMQ_HEAP="${ROCKETMQ_HEAP:-256m}"
ROCKETMQ_GC="${ROCKETMQ_GC:--XX:+UseG1GC}"
# ASYNC_FLUSH: a confirmed message is in the page cache, on disk within ~0.5 s: it survives the broker
# process dying, not the machine (power, kernel). SYNC_FLUSH: on disk before the send is confirmed.
ROCKETMQ_FLUSH="${ROCKETMQ_FLUSH:-ASYNC_FLUSH}"
# true: receive checkpoints and acks settled in the broker's memory (enablePopBufferMerge +
# enablePopBatchAck, and the proxy's enableBatchAck) instead of a record each in the revive log; a
# broker that dies then never redelivers what was received and not acked. Measured: no cheaper here.
ROCKETMQ_POP_BUFFER_MERGE="${ROCKETMQ_POP_BUFFER_MERGE:-false}"
# Most messages the proxy answers to one receive (grpcClientConsumerLongPollingBatchSize); the order
# service asks for as many (same variable, same default). Measured: 128 no cheaper than 32.
ROCKETMQ_RECEIVE_BATCH="${ROCKETMQ_RECEIVE_BATCH:-32}"
# Threads of the proxy's gRPC request pool (grpcThreadPoolNums; 20 is the proxy's own default on 2 cores).
ROCKETMQ_PROXY_THREADS="${ROCKETMQ_PROXY_THREADS:-20}"
# The timer wheel stays on: it costs CPU even idle, but in 5.3.3 the broker's revive service (which
# redelivers a message whose receiver never acked it) does not run without it.
# Free-form extras for experiments: lines appended to broker.conf, JSON members to rmq-proxy.json.
ROCKETMQ_BROKER_CONF_EXTRA="${ROCKETMQ_BROKER_CONF_EXTRA:-}"
ROCKETMQ_PROXY_JSON_EXTRA="${ROCKETMQ_PROXY_JSON_EXTRA:-}"
ROCKETMQ_START_TIMEOUT="${ROCKETMQ_START_TIMEOUT:-120}"  # seconds
ROCKETMQ_STOP_TIMEOUT="${ROCKETMQ_STOP_TIMEOUT:-45}"     # seconds before KILL

ROCKETMQ_CLUSTER=DefaultCluster
RUN_DIR="$ROCKETMQ_DATA_DIR/run"
LOG_DIR="$ROCKETMQ_DATA_DIR/logs"

say() { printf '[rocketmq] %s\n' "$*"; }

# PID from FILE if that process is alive and is still our Java main class (guards against PID reuse).
alive_pid() {
  local file="$1" class="$2" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$class" || return 1
  echo "$pid"
}

NAMESRV_CLASS=org.apache.rocketmq.namesrv.NamesrvStartup
PROXY_CLASS=org.apache.rocketmq.proxy.ProxyStartup
ADMIN_CLASS=org.apache.rocketmq.tools.command.MQAdminStartup

# The admin tool (MQAdminStartup) against our name server; each run costs ~4 s of JVM start.
admin() {
  java -Xmx128m -Duser.home="$ROCKETMQ_DATA_DIR" -Drocketmq.home.dir="$ROCKETMQ_DATA_DIR" \
    -Drmq.logback.configurationFile=rmq.tools.logback.xml -cp "$ROCKETMQ_LIB_DIR/*" \
    "$ADMIN_CLASS" "$@" -n "$ROCKETMQ_HOST:$ROCKETMQ_NAMESRV_PORT"
}
