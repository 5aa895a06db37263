#!/usr/bin/env bash
# Starts Apache RocketMQ 5 without Docker: a name server, and a proxy in local mode (the broker runs
# inside the proxy's JVM), all on 127.0.0.1, then creates the order topic and consumer group.
# Idempotent: when both processes already run, it says so and exits 0. Stop with infra/rocketmq/stop.sh.
# Settings (env, with defaults) are in infra/rocketmq/env.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

port_open() { (exec 3<>"/dev/tcp/$ROCKETMQ_HOST/$1") 2>/dev/null; }

# --- 1. the jars (Maven Central, cached) -------------------------------------------------------------
if [[ ! -f "$ROCKETMQ_LIB_DIR/rocketmq-proxy-$ROCKETMQ_VERSION.jar" ]]; then
  command -v java >/dev/null || { say "java not found"; exit 2; }
  command -v mvn >/dev/null || { say "mvn not found"; exit 2; }
  say "fetching RocketMQ $ROCKETMQ_VERSION jars from Maven Central into $ROCKETMQ_LIB_DIR"
  rm -rf "$ROCKETMQ_LIB_DIR.tmp"
  mvn -q -B -f "$ROOT_DIR/infra/rocketmq/pom.xml" -Drocketmq.version="$ROCKETMQ_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$ROCKETMQ_LIB_DIR.tmp"
  mv "$ROCKETMQ_LIB_DIR.tmp" "$ROCKETMQ_LIB_DIR"  # only a complete download becomes the cache
else
  say "using cached jars in $ROCKETMQ_LIB_DIR"
fi

mkdir -p "$RUN_DIR" "$LOG_DIR" "$ROCKETMQ_DATA_DIR/conf" "$ROCKETMQ_DATA_DIR/store"
namesrv_pid="$(alive_pid "$RUN_DIR/namesrv.pid" "$NAMESRV_CLASS" || true)"
proxy_pid="$(alive_pid "$RUN_DIR/proxy.pid" "$PROXY_CLASS" || true)"
if [[ -n "$namesrv_pid" && -n "$proxy_pid" ]]; then
  say "already running (namesrv pid $namesrv_pid, proxy+broker pid $proxy_pid); nothing to do"
  exit 0
fi

# --- 2. configs ----------------------------------------------------------------------------------------
cat >"$ROCKETMQ_DATA_DIR/conf/namesrv.properties" <<EOF
listenPort=$ROCKETMQ_NAMESRV_PORT
bindAddress=$ROCKETMQ_HOST
EOF

cat >"$ROCKETMQ_DATA_DIR/conf/broker.conf" <<EOF
brokerClusterName=$ROCKETMQ_CLUSTER
brokerName=broker-a
brokerId=0
brokerIP1=$ROCKETMQ_HOST
bindAddress=$ROCKETMQ_HOST
listenPort=$ROCKETMQ_BROKER_PORT
haListenPort=$((ROCKETMQ_BROKER_PORT + 1))
namesrvAddr=$ROCKETMQ_HOST:$ROCKETMQ_NAMESRV_PORT
storePathRootDir=$ROCKETMQ_DATA_DIR/store
storePathCommitLog=$ROCKETMQ_DATA_DIR/store/commitlog
# 64 MiB commit-log files instead of 1 GiB; consume-queue files of 20,000 entries (20 bytes each).
mappedFileSizeCommitLog=67108864
mappedFileSizeConsumeQueue=400000
mappedFileSizeTimerLog=8388608
flushDiskType=$ROCKETMQ_FLUSH
enablePopBufferMerge=$ROCKETMQ_POP_BUFFER_MERGE
enablePopBatchAck=$ROCKETMQ_POP_BUFFER_MERGE
# Topics are created here by the admin tool; consumer groups may appear on first use.
autoCreateTopicEnable=false
autoCreateSubscriptionGroup=true
diskMaxUsedSpaceRatio=90
metricsExporterType=PROM
metricsPromExporterHost=$ROCKETMQ_HOST
metricsPromExporterPort=$ROCKETMQ_METRICS_PORT
$ROCKETMQ_BROKER_CONF_EXTRA
EOF

cat >"$ROCKETMQ_DATA_DIR/conf/rmq-proxy.json" <<EOF
{
  "rocketMQClusterName": "$ROCKETMQ_CLUSTER",
  "namesrvAddr": "$ROCKETMQ_HOST:$ROCKETMQ_NAMESRV_PORT",
  "localServeAddr": "$ROCKETMQ_HOST",
  "grpcServerPort": $ROCKETMQ_PROXY_PORT,
  "remotingListenPort": $ROCKETMQ_PROXY_REMOTING_PORT,
  "grpcThreadPoolNums": $ROCKETMQ_PROXY_THREADS,
  "grpcClientConsumerLongPollingBatchSize": $ROCKETMQ_RECEIVE_BATCH,
  "enableBatchAck": $ROCKETMQ_POP_BUFFER_MERGE${ROCKETMQ_PROXY_JSON_EXTRA:+,
  $ROCKETMQ_PROXY_JSON_EXTRA}
}
EOF

# --- 3. JVM options ------------------------------------------------------------------------------------
# user.home = data dir: the logback files shipped in the jars write to ${user.home}/logs/rocketmqlogs.
JAVA_COMMON=(
  -server -XX:-OmitStackTraceInFastThrow -XX:-UseLargePages
  -Duser.home="$ROCKETMQ_DATA_DIR" -Drocketmq.home.dir="$ROCKETMQ_DATA_DIR"
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  -cp "$ROCKETMQ_LIB_DIR/*"
)
export ROCKETMQ_HOME="$ROCKETMQ_DATA_DIR"

# Starts CLASS detached (own session, so a Ctrl-C in the caller's terminal does not reach it).
launch() {
  local name="$1"; shift
  setsid java "$@" >>"$LOG_DIR/$name.out" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
  say "started $name (pid $!), output in $LOG_DIR/$name.out"
}

check_port_free() {
  if port_open "$1"; then
    say "port $1 ($2) is already taken by another process; stop it or set the port env (see env.sh)"
    exit 3
  fi
}

started_at=$(date +%s)
if [[ -z "$namesrv_pid" ]]; then
  check_port_free "$ROCKETMQ_NAMESRV_PORT" "name server"
  launch namesrv "${JAVA_COMMON[@]}" -XX:+UseG1GC -Xms128m -Xmx128m -XX:MaxDirectMemorySize=64m \
    -Drmq.logback.configurationFile=rmq.namesrv.logback.xml \
    "$NAMESRV_CLASS" -c "$ROCKETMQ_DATA_DIR/conf/namesrv.properties"
else
  say "name server already running (pid $namesrv_pid)"
fi
if [[ -z "$proxy_pid" ]]; then
  check_port_free "$ROCKETMQ_PROXY_PORT" "proxy gRPC"
  check_port_free "$ROCKETMQ_BROKER_PORT" "broker"
  check_port_free "$ROCKETMQ_METRICS_PORT" "broker metrics"
  launch proxy "${JAVA_COMMON[@]}" $ROCKETMQ_GC -Xms"$ROCKETMQ_HEAP" -Xmx"$ROCKETMQ_HEAP" -XX:MaxDirectMemorySize=256m \
    -Drmq.logback.configurationFile=rmq.proxy.logback.xml \
    "$PROXY_CLASS" -pm local -n "$ROCKETMQ_HOST:$ROCKETMQ_NAMESRV_PORT" \
    -bc "$ROCKETMQ_DATA_DIR/conf/broker.conf" -pc "$ROCKETMQ_DATA_DIR/conf/rmq-proxy.json"
else
  say "proxy+broker already running (pid $proxy_pid)"
fi

# --- 4. wait (bounded) -----------------------------------------------------------------------------------
wait_port() {
  local port="$1" what="$2" pidfile="$3" class="$4"
  until port_open "$port"; do
    if ! alive_pid "$pidfile" "$class" >/dev/null; then
      say "$what died during startup; last lines of $LOG_DIR:"; tail -n 30 "$LOG_DIR"/*.out >&2 || true
      exit 4
    fi
    if (( $(date +%s) - started_at > ROCKETMQ_START_TIMEOUT )); then
      say "$what did not open port $port within ${ROCKETMQ_START_TIMEOUT}s; see $LOG_DIR"; exit 4
    fi
    sleep 0.5
  done
  say "$what answers on $ROCKETMQ_HOST:$port after $(( $(date +%s) - started_at ))s"
}
wait_port "$ROCKETMQ_NAMESRV_PORT" "name server" "$RUN_DIR/namesrv.pid" "$NAMESRV_CLASS"
wait_port "$ROCKETMQ_PROXY_PORT" "proxy gRPC" "$RUN_DIR/proxy.pid" "$PROXY_CLASS"

# --- 5. topic + consumer group ------------------------------------------------------------------------------
# The broker registers with the name server shortly after its port opens: retry until the cluster is known.
until out="$(admin updateTopic -c "$ROCKETMQ_CLUSTER" -t "$ROCKETMQ_TOPIC" -r "$ROCKETMQ_QUEUES" -w "$ROCKETMQ_QUEUES" 2>&1)" \
      && grep -q 'create topic to .* success' <<<"$out"; do
  if (( $(date +%s) - started_at > ROCKETMQ_START_TIMEOUT )); then
    say "could not create topic $ROCKETMQ_TOPIC within ${ROCKETMQ_START_TIMEOUT}s:"; echo "$out" >&2; exit 5
  fi
  sleep 1
done
say "topic $ROCKETMQ_TOPIC ready ($ROCKETMQ_QUEUES queues)"
# Each admin run costs ~4 s (JVM start + client shutdown): the group and the route check run side by side.
admin updateSubGroup -c "$ROCKETMQ_CLUSTER" -g "$ROCKETMQ_GROUP" -q "$ROCKETMQ_MAX_RETRIES" >"$LOG_DIR/admin-group.out" 2>&1 &
group_job=$!
admin topicRoute -t "$ROCKETMQ_TOPIC" >"$LOG_DIR/admin-route.out" 2>&1 &
route_job=$!
if ! wait "$group_job" || ! grep -q 'success' "$LOG_DIR/admin-group.out"; then
  cat "$LOG_DIR/admin-group.out" >&2; say "could not create consumer group $ROCKETMQ_GROUP"; exit 5
fi
say "consumer group $ROCKETMQ_GROUP ready (broker retries before its DLQ: $ROCKETMQ_MAX_RETRIES)"
if ! wait "$route_job" || ! tr -d ' \n\t' <"$LOG_DIR/admin-route.out" | grep -q '"brokerName":"broker-a"'; then
  cat "$LOG_DIR/admin-route.out" >&2; say "topic route of $ROCKETMQ_TOPIC does not name broker-a"; exit 5
fi
say "topic route verified: $ROCKETMQ_TOPIC served by broker-a at $ROCKETMQ_HOST:$ROCKETMQ_BROKER_PORT"

say "ready in $(( $(date +%s) - started_at ))s: endpoints $ROCKETMQ_HOST:$ROCKETMQ_PROXY_PORT," \
  "metrics http://$ROCKETMQ_HOST:$ROCKETMQ_METRICS_PORT/metrics, data $ROCKETMQ_DATA_DIR"
