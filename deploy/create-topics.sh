#!/usr/bin/env bash
# Creates the forecaster's topics with Kafka's own CLI (kafka-topics.sh from a Kafka distribution).
#   BOOTSTRAP=kafka:9092 PARTITIONS=12 REPLICATION=3 deploy/create-topics.sh
# Input and forecasts share a partition count so a key's events and forecasts scale alike; keep the
# input partitions >= the job's parallelism. Forecasts are kept 7 days, dead letters 30 days.
set -euo pipefail
BOOTSTRAP=${BOOTSTRAP:-localhost:9092}
PARTITIONS=${PARTITIONS:-12}
REPLICATION=${REPLICATION:-3}
INPUT=${INPUT:-observations}
OUTPUT=${OUTPUT:-forecasts}
DEAD=${DEAD:-forecasts-dead-letters}
KAFKA_TOPICS=${KAFKA_TOPICS:-kafka-topics.sh}

create() {
  "$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$1" \
    --partitions "$2" --replication-factor "$REPLICATION" --config "retention.ms=$3" \
    --config min.insync.replicas=$(( REPLICATION > 1 ? 2 : 1 ))
}
create "$INPUT" "$PARTITIONS" $((7 * 24 * 3600 * 1000))
create "$OUTPUT" "$PARTITIONS" $((7 * 24 * 3600 * 1000))
create "$DEAD" 3 $((30 * 24 * 3600 * 1000))
