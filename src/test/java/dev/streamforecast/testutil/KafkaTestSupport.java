package dev.streamforecast.testutil;

import dev.streamforecast.app.local.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Producing to and reading back from the embedded broker in tests. */
public final class KafkaTestSupport {
    private KafkaTestSupport() {}

    /** Writes (key, payload) pairs in order and waits until the broker has them all. */
    public static void produce(EmbeddedKafka kafka, String topic, List<String[]> keyAndPayload) {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (String[] kv : keyAndPayload) {
                byte[] key = kv[0] == null ? null : kv[0].getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, key, kv[1].getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /**
     * Reads the topic from the start with read_committed until {@code expected} records are in, then
     * keeps reading for {@code settle} to catch any extra (duplicate) record; fails after the deadline.
     */
    public static <T> List<T> readCommitted(EmbeddedKafka kafka, String topic, int expected,
            Duration deadline, Duration settle, Function<byte[], T> decode) {
        Properties p = kafka.clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + topic + "-" + System.nanoTime());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<T> out = new ArrayList<>();
        long end = System.nanoTime() + deadline.toNanos();
        long settleEnd = Long.MAX_VALUE;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (System.nanoTime() < Math.min(end, settleEnd)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(decode.apply(r.value()));
                }
                if (out.size() >= expected && settleEnd == Long.MAX_VALUE) {
                    settleEnd = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return out;
    }
}
