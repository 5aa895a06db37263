#!/bin/sh
# One-shot container of docker-compose.yml: creates the order topic and consumer group once the broker
# has registered with the name server (bounded: 60 tries, 2 s apart), then verifies the route.
set -eu
NS="${NAMESRV_ADDR:-namesrv:9876}"
TOPIC="${ROCKETMQ_TOPIC:-seckill-orders}"
GROUP="${ROCKETMQ_GROUP:-seckill-order-service}"
QUEUES="${ROCKETMQ_QUEUES:-4}"
i=0
until sh mqadmin updateTopic -n "$NS" -c DefaultCluster -t "$TOPIC" -r "$QUEUES" -w "$QUEUES" | grep -q success; do
  i=$((i + 1))
  [ "$i" -lt 60 ] || { echo "[rocketmq-init] broker not registered after 120 s"; exit 1; }
  sleep 2
done
echo "[rocketmq-init] topic $TOPIC ready"
sh mqadmin updateSubGroup -n "$NS" -c DefaultCluster -g "$GROUP" -q 16 | grep -q success
echo "[rocketmq-init] consumer group $GROUP ready"
sh mqadmin topicRoute -n "$NS" -t "$TOPIC" | grep -q broker-a
echo "[rocketmq-init] route of $TOPIC verified"
