package dev.streamforecast.testutil;

import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads whole topics back in tests, with deadlines instead of sleeps. */
public final class KafkaTopics {

    private KafkaTopics() {}

    /** Observations as (series key, JSON payload) pairs, the input format of the live job. */
    public static List<String[]> records(List<dev.streamforecast.event.Observation> observations) {
        dev.streamforecast.io.ObservationCodec codec = new dev.streamforecast.io.ObservationCodec(List.of());
        List<String[]> out = new ArrayList<>();
        for (dev.streamforecast.event.Observation o : observations) {
            out.add(new String[] {o.key, new String(codec.encode(o), StandardCharsets.UTF_8)});
        }
        return out;
    }

    /** Every committed forecast of a topic, grouped by key in the order they were written. */
    public static java.util.Map<String, List<dev.streamforecast.event.Forecast>> forecastsByKey(Properties client,
            String topic) {
        return readToEnd(client, topic, "read_committed", Duration.ofSeconds(60)).stream()
                .map(r -> dev.streamforecast.io.ForecastCodec.decode(r.value()))
                .collect(Collectors.groupingBy(f -> f.key, java.util.TreeMap::new, Collectors.toList()));
    }

    /** Writes (key, payload) pairs in order, a null key for none, and waits until the broker has them. */
    public static void produce(Properties client, String topic, List<String[]> keyAndPayload) {
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String[] kv : keyAndPayload) {
                byte[] key = kv[0] == null ? null : kv[0].getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, key, kv[1].getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /**
     * Every record of every partition from the beginning up to the end offsets as of the call (for
     * {@code read_committed}, the last stable offsets), partition by partition in offset order.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readToEnd(Properties client, String topic,
            String isolationLevel, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(client, isolationLevel)) {
            List<TopicPartition> partitions = assignAll(consumer, topic);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("did not reach the end offsets " + end + " of " + topic
                            + " within " + timeout);
                }
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    /** Waits until {@code read_committed} consumers can see at least {@code count} records of the topic. */
    public static void awaitCommitted(Properties client, String topic, int count, Duration timeout) {
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(client, "read_committed")) {
            assignAll(consumer, topic);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + seen + " of " + count + " committed records in "
                            + topic + " within " + timeout);
                }
                seen += consumer.poll(Duration.ofMillis(100)).count();
            }
        }
    }

    /**
     * Waits until consumer group {@code group} has committed the end offsets of every partition of
     * {@code topic}: all of it read and acknowledged. The broker says nothing when a group commits, so
     * this asks every 100 ms until the deadline.
     */
    public static void awaitGroupAtEnd(Properties client, String group, String topic, Duration timeout)
            throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client);
                KafkaConsumer<byte[], byte[]> consumer = consumer(client, "read_uncommitted")) {
            List<TopicPartition> partitions = assignAll(consumer, topic);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                if (partitions.stream().allMatch(tp -> committed.get(tp) != null
                        && committed.get(tp).offset() >= end.get(tp))) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("group " + group + " committed " + committed + " of " + topic
                            + ", not its end " + end + ", within " + timeout);
                }
                Thread.sleep(100);
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Properties client, String isolationLevel) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> assignAll(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return partitions;
    }
}
