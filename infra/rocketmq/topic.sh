#!/usr/bin/env bash
# Creates a topic (and optionally its consumer group) on the running broker: `topic.sh TOPIC [GROUP]`.
# The proxy never creates topics by itself. The test suites give each run its own topic, so that
# what one run left unconsumed never reaches the next.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
topic="${1:?usage: topic.sh TOPIC [GROUP]}"
group="${2:-}"
deadline=$(( $(date +%s) + 60 ))
until out="$(admin updateTopic -c "$ROCKETMQ_CLUSTER" -t "$topic" -r "$ROCKETMQ_QUEUES" -w "$ROCKETMQ_QUEUES" 2>&1)" \
      && grep -q 'create topic to .* success' <<<"$out"; do
  if (( $(date +%s) > deadline )); then echo "$out" >&2; say "could not create topic $topic"; exit 5; fi
  sleep 1
done
say "topic $topic ready ($ROCKETMQ_QUEUES queues)"
if [[ -n "$group" ]]; then
  out="$(admin updateSubGroup -c "$ROCKETMQ_CLUSTER" -g "$group" -q "$ROCKETMQ_MAX_RETRIES" 2>&1)"
  grep -q success <<<"$out" || { echo "$out" >&2; say "could not create consumer group $group"; exit 5; }
  say "consumer group $group ready"
fi
