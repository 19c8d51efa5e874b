#!/usr/bin/env bash
# Creates the forecaster's topics with Kafka's own CLI (kafka-topics.sh and kafka-broker-api-versions.sh
# of a Kafka distribution, on the PATH or named by KAFKA_TOPICS and KAFKA_BROKER_API_VERSIONS).
#   BOOTSTRAP=kafka:9092 PARTITIONS=12 deploy/create-topics.sh
# Each topic gets REPLICATION replicas (3), but never more than the cluster has brokers, which it is
# asked for first: on one broker the topics get one replica. COMMAND_CONFIG names a client properties
# file for a secured cluster. Input and forecasts share a partition count so a key's events and
# forecasts scale alike; keep the input partitions >= the job's parallelism. Forecasts are kept 7 days,
# dead letters 30 days.
set -euo pipefail
BOOTSTRAP=${BOOTSTRAP:-localhost:9092}
PARTITIONS=${PARTITIONS:-12}
REPLICATION=${REPLICATION:-3}
INPUT=${INPUT:-observations}
OUTPUT=${OUTPUT:-forecasts}
DEAD=${DEAD:-forecasts-dead-letters}
KAFKA_TOPICS=${KAFKA_TOPICS:-kafka-topics.sh}
KAFKA_BROKER_API_VERSIONS=${KAFKA_BROKER_API_VERSIONS:-kafka-broker-api-versions.sh}
client=(--bootstrap-server "$BOOTSTRAP")
if [ -n "${COMMAND_CONFIG:-}" ]; then
  client+=(--command-config "$COMMAND_CONFIG")
fi

# one line per broker: "host:9092 (id: 1 rack: null isFenced: false) -> ("
if ! versions=$("$KAFKA_BROKER_API_VERSIONS" "${client[@]}" 2>&1); then
  echo "create-topics.sh: no answer from the brokers at $BOOTSTRAP: $(printf '%s\n' "$versions" | tail -n 1)" >&2
  exit 1
fi
brokers=$(printf '%s\n' "$versions" | grep -c ' (id: ' || true)
if [ "$brokers" -lt 1 ]; then
  echo "create-topics.sh: the cluster at $BOOTSTRAP reports no broker" >&2
  exit 1
fi
if [ "$REPLICATION" -gt "$brokers" ]; then
  echo "create-topics.sh: $brokers broker(s) at $BOOTSTRAP, so $brokers replica(s) a partition instead of $REPLICATION" >&2
  REPLICATION=$brokers
fi

create() {
  "$KAFKA_TOPICS" "${client[@]}" --create --if-not-exists --topic "$1" \
    --partitions "$2" --replication-factor "$REPLICATION" --config "retention.ms=$3" \
    --config min.insync.replicas=$(( REPLICATION > 1 ? 2 : 1 ))
}
create "$INPUT" "$PARTITIONS" $((7 * 24 * 3600 * 1000))
create "$OUTPUT" "$PARTITIONS" $((7 * 24 * 3600 * 1000))
create "$DEAD" 3 $((30 * 24 * 3600 * 1000))
