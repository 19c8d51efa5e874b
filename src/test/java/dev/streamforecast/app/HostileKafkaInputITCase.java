package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.io.DeadLetterLimits;
import dev.streamforecast.io.EpochUnit;
import dev.streamforecast.io.ForecastCodec;
import dev.streamforecast.io.KafkaIO;
import dev.streamforecast.testutil.HostileInput;
import dev.streamforecast.testutil.HostileTimes;
import dev.streamforecast.testutil.KafkaTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The live job, as {@code run} builds it, against a real broker fed records no producer should send: a
 * record of invalid UTF-8, one whose dead letter would be five times the producer's
 * {@code max.request.size} if written whole, one stamped a century after its record, and keys full of
 * escapes. The job must finish with every valid event forecast (restarts switched off: one failure
 * fails the test), and every bad record must reach the dead-letter topic as valid JSON with its origin,
 * kind, reason and its bytes, cut where they had to be.
 */
class HostileKafkaInputITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_REQUEST = 200_000;

    @Test
    void noBadRecordStopsTheJobAndEachArrivesAsAValidDeadLetterWithItsBytes() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 2);
            kafka.createTopic("forecasts", 2);
            kafka.createTopic("forecasts-dead-letters", 1);
            long now = System.currentTimeMillis();
            byte[] invalidUtf8 = {'{', '"', 'k', 'e', 'y', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}'};
            // 900 KB of NUL bytes: 5.4 MB of JSON escapes if the dead letter kept it whole
            byte[] oversized = new byte[900_000];
            byte[] future = HostileInput.utf8("{\"key\":\"a\",\"ts\":\"2150-01-01T00:00:00Z\",\"value\":1}");
            String oddKey = "back\\slash \"quoted\" \u0001\u001f";
            int valid = 0;
            RecordMetadata[] bad = new RecordMetadata[3];
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int t = 0; t < 50; t++) {
                    for (String key : List.of("a", "b", oddKey)) {
                        String json = "{\"key\":" + jsonString(key) + ",\"ts\":" + (now - 3_600_000L + t * 1000L)
                                + ",\"value\":" + Math.sin(t) + "}";
                        send(producer, key, HostileInput.utf8(json));
                        valid++;
                    }
                    if (t == 10) {
                        bad[0] = send(producer, "a", invalidUtf8);
                        bad[1] = send(producer, "a", oversized);
                        bad[2] = send(producer, "a", future);
                    }
                }
            }
            AppConfig config = AppConfig.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers(),
                    "kafka.starting-offsets", "earliest", "job.parallelism", "2",
                    "job.checkpoint-interval", "200ms", "events.max-out-of-orderness", "0s",
                    "kafka.properties.max.request.size", String.valueOf(MAX_REQUEST),
                    "flink.restart-strategy.type", "none"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            LiveJob.define(env, config, OffsetsInitializer.latest());
            env.execute("hostile-input");

            List<Forecast> forecasts = KafkaTopics.readToEnd(kafka.clientProperties(), "forecasts",
                    "read_committed", TIMEOUT).stream()
                    .map(r -> ForecastCodec.decode(r.value())).collect(Collectors.toList());
            assertEquals(valid, forecasts.size(), "every valid event forecast once");
            assertEquals(50, forecasts.stream().filter(f -> f.key.equals(oddKey)).count());

            List<ConsumerRecord<byte[], byte[]>> records = KafkaTopics.readToEnd(kafka.clientProperties(),
                    "forecasts-dead-letters", "read_committed", TIMEOUT);
            assertEquals(3, records.size(), "one dead letter per bad record");
            int bound = MAX_REQUEST - DeadLetterLimits.RECORD_FRAMING;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                HostileInput.json(r.value());
                assertTrue(r.value().length <= bound, r.value().length + " bytes");
            }
            List<DeadLetter> dead = records.stream().map(r -> DeadLetterCodec.decode(r.value()))
                    .collect(Collectors.toList());

            DeadLetter utf8 = only(dead, d -> Arrays.equals(invalidUtf8, d.payload));
            assertEquals(DeadLetter.MALFORMED, utf8.kind);
            assertEquals("invalid UTF-8 at byte 9 of the record (0xFF)", utf8.reason);
            assertEquals(origin(bad[0]), utf8.origin);
            JsonNode utf8Json = HostileInput.json(records.get(dead.indexOf(utf8)).value());
            assertTrue(utf8Json.has("payload_base64"), utf8Json.toString());

            DeadLetter big = only(dead, d -> d.payloadBytes == oversized.length);
            assertEquals(origin(bad[1]), big.origin);
            assertEquals(DeadLetter.MALFORMED, big.kind);
            assertTrue(big.reason.startsWith("malformed JSON"), big.reason);
            assertTrue(big.payload.length > 10_000 && big.payload.length < bound / 6, big.payload.length + " bytes kept");
            assertArrayEquals(new byte[big.payload.length], big.payload, "a prefix of the record");
            assertTrue(HostileInput.json(records.get(dead.indexOf(big)).value()).get("truncated").booleanValue());

            DeadLetter late = only(dead, d -> DeadLetter.FUTURE.equals(d.kind));
            assertArrayEquals(future, late.payload);
            assertTrue(late.reason.startsWith("event time 2150-01-01T00:00:00Z is more than events.max-future = 1d"
                    + " after the record's Kafka timestamp "), late.reason);
            Instant recordTime = Instant.parse(late.reason.substring(late.reason.lastIndexOf(' ') + 1));
            assertTrue(Math.abs(recordTime.toEpochMilli() - now) < 600_000, late.reason);
            assertEquals(origin(bad[2]), late.origin);
        }
    }

    /**
     * Every hostile integer time, as a JSON number and as digits in a string, each on a key of its own,
     * through the live job under each {@code events.time-unit}: read in the configured unit and forecast,
     * or a dead letter with the reason and the record's bytes; never guessed, and the job never stops.
     */
    @Test
    void integerTimesAreReadInTheConfiguredUnitAndEveryOtherMagnitudeIsADeadLetter() throws Exception {
        List<HostileTimes.Case> cases = HostileTimes.INTEGERS;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            for (EpochUnit unit : EpochUnit.values()) {
                String in = "observations-" + unit.label();
                kafka.createTopic(in, 2);
                kafka.createTopic("forecasts-" + unit.label(), 2);
                kafka.createTopic("dead-letters-" + unit.label(), 1);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    for (int i = 0; i < cases.size(); i++) {
                        long v = cases.get(i).value();
                        send(producer, in, "n" + i, HostileInput.utf8("{\"key\":\"n" + i + "\",\"ts\":" + v
                                + ",\"value\":1}"));
                        send(producer, in, "s" + i, HostileInput.utf8("{\"key\":\"s" + i + "\",\"ts\":\"" + v
                                + "\",\"value\":1}"));
                    }
                }
                AppConfig config = AppConfig.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers(),
                        "kafka.input-topic", in, "kafka.output-topic", "forecasts-" + unit.label(),
                        "kafka.dead-letter-topic", "dead-letters-" + unit.label(), "kafka.starting-offsets", "earliest",
                        "job.parallelism", "2", "job.checkpoint-interval", "200ms", "events.time-unit", unit.label(),
                        "flink.restart-strategy.type", "none"));
                StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
                LiveJob.define(env, config, OffsetsInitializer.latest());
                env.execute("hostile-times-" + unit.label());

                Map<String, Forecast> forecasts = KafkaTopics.readToEnd(kafka.clientProperties(),
                        "forecasts-" + unit.label(), "read_committed", TIMEOUT).stream()
                        .map(r -> ForecastCodec.decode(r.value())).collect(Collectors.toMap(f -> f.key, f -> f));
                Map<String, DeadLetter> dead = KafkaTopics.readToEnd(kafka.clientProperties(),
                        "dead-letters-" + unit.label(), "read_committed", TIMEOUT).stream()
                        .map(r -> DeadLetterCodec.decode(r.value()))
                        .collect(Collectors.toMap(d -> HostileInput.json(d.payload).get("key").asText(), d -> d));
                assertEquals(2 * cases.size(), forecasts.size() + dead.size(), "one outcome per record");
                for (int i = 0; i < cases.size(); i++) {
                    HostileTimes.Case c = cases.get(i);
                    for (String key : List.of("n" + i, "s" + i)) {
                        String what = c.value() + " as " + key + " under " + unit.label();
                        if (c.read(unit) != null) {
                            assertEquals(c.read(unit).toEpochMilli(), forecasts.get(key).ts, what);
                        } else {
                            DeadLetter d = dead.get(key);
                            assertEquals(DeadLetter.MALFORMED, d.kind, what);
                            assertTrue(d.reason.contains(c.under(unit)), what + ": " + d.reason);
                            assertTrue(d.payloadText().contains(Long.toString(c.value())), what);
                        }
                    }
                }
            }
        }
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> producer, String key, byte[] value)
            throws Exception {
        return send(producer, "observations", key, value);
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        return producer.send(new ProducerRecord<>(topic, key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                value)).get();
    }

    private static String origin(RecordMetadata m) {
        return KafkaIO.origin(m.topic(), m.partition(), m.offset());
    }

    private static DeadLetter only(List<DeadLetter> dead, java.util.function.Predicate<DeadLetter> which) {
        List<DeadLetter> found = dead.stream().filter(which).collect(Collectors.toList());
        assertEquals(1, found.size(), () -> "in " + dead);
        return found.get(0);
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
