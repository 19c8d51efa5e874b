package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Parsed;
import dev.streamforecast.event.RawRecord;
import dev.streamforecast.testutil.HostileInput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KafkaIOTest {

    private static Properties client() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", "localhost:9092");
        return p;
    }

    @Test
    void clientPropertiesArePassedThroughIncludingDefaultsAndNonStringValues() {
        Properties defaults = new Properties();
        defaults.setProperty("security.protocol", "SASL_SSL");
        Properties given = new Properties(defaults);
        given.setProperty("bootstrap.servers", "broker:9093");
        given.put("max.poll.records", 50);
        Properties consumer = KafkaIO.consumerProperties(given);
        assertEquals("SASL_SSL", consumer.getProperty("security.protocol"));
        assertEquals("broker:9093", consumer.getProperty("bootstrap.servers"));
        assertEquals(50, consumer.get("max.poll.records"));
    }

    @Test
    void sourcesReadOnlyCommittedRecordsUnlessToldOtherwise() {
        assertEquals("read_committed", KafkaIO.consumerProperties(client()).getProperty("isolation.level"));
        Properties p = client();
        p.setProperty("isolation.level", "read_uncommitted");
        assertEquals("read_uncommitted", KafkaIO.consumerProperties(p).getProperty("isolation.level"));
    }

    @Test
    void exactlyOnceTransactionsTimeOutBelowTheBrokersDefaultMaximumUnlessOverridden() {
        assertEquals("600000", KafkaIO.producerProperties(client(), DeliveryGuarantee.EXACTLY_ONCE)
                .getProperty("transaction.timeout.ms"));
        Properties p = client();
        p.setProperty("transaction.timeout.ms", "120000");
        assertEquals("120000", KafkaIO.producerProperties(p, DeliveryGuarantee.EXACTLY_ONCE)
                .getProperty("transaction.timeout.ms"));
        assertNull(KafkaIO.producerProperties(client(), DeliveryGuarantee.AT_LEAST_ONCE)
                .getProperty("transaction.timeout.ms"));
    }

    @Test
    void theCallersPropertiesAreNotModified() {
        Properties p = client();
        KafkaIO.producerProperties(p, DeliveryGuarantee.EXACTLY_ONCE);
        KafkaIO.consumerProperties(p);
        assertEquals(1, p.size());
    }

    @Test
    void bootstrapServersAreRequired() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaIO.source(new Properties(), "t", "g", OffsetsInitializer.earliest()));
        assertTrue(e.getMessage().contains("bootstrap.servers"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> KafkaIO.forecastSink(new Properties(), "t", DeliveryGuarantee.AT_LEAST_ONCE, null));
    }

    @Test
    void exactlyOnceNeedsATransactionalIdPrefix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaIO.forecastSink(client(), "t", DeliveryGuarantee.EXACTLY_ONCE, " "));
        assertTrue(e.getMessage().contains("prefix"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> KafkaIO.deadLetterSink(client(), "t", DeliveryGuarantee.EXACTLY_ONCE, null));
        KafkaIO.forecastSink(client(), "t", DeliveryGuarantee.EXACTLY_ONCE, "job-forecasts");
        KafkaIO.deadLetterSink(client(), "t", DeliveryGuarantee.NONE, null);
    }

    @Test
    void aSourceWithStoppingOffsetsIsBounded() {
        assertEquals(Boundedness.CONTINUOUS_UNBOUNDED,
                KafkaIO.source(client(), "t", "g", OffsetsInitializer.earliest()).getBoundedness());
        assertEquals(Boundedness.BOUNDED, KafkaIO.source(client(), "t", "g", OffsetsInitializer.earliest(),
                OffsetsInitializer.latest()).getBoundedness());
    }

    @Test
    void recordsBecomeRawRecordsWithTheirOriginWhateverTheirPayload() throws Exception {
        KafkaIO.RawRecordDeserializer d = new KafkaIO.RawRecordDeserializer();
        byte[] garbage = {(byte) 0xff, 0, '{'};
        List<RawRecord> out = new ArrayList<>();
        Collector<RawRecord> collector = new Collector<>() {
            @Override
            public void collect(RawRecord r) {
                out.add(r);
            }

            @Override
            public void close() {}
        };
        d.deserialize(new ConsumerRecord<>("observations", 3, 42L, null, garbage), collector);
        d.deserialize(new ConsumerRecord<>("observations", 0, 7L, new byte[] {1}, null), collector);
        assertEquals("observations-3@42", out.get(0).origin);
        assertArrayEquals(garbage, out.get(0).payload);
        assertEquals("observations-0@7", out.get(1).origin);
        assertNull(out.get(1).payload);
        assertTrue(d.getProducedType() instanceof PojoTypeInfo, "RawRecord is a Flink POJO");
    }

    @Test
    void forecastsAreKeyedBySeriesKeyAndEncodedAsJson() {
        Forecast f = new Forecast("série-9", 1000, 1, 2, 0, 4, 5, 3, "m");
        ProducerRecord<byte[], byte[]> r = new KafkaIO.ForecastSerializer("forecasts", ForecastCodec::encode)
                .serialize(f, null, 77L);
        assertEquals("forecasts", r.topic());
        assertNull(r.partition(), "the producer partitions by key");
        assertArrayEquals("série-9".getBytes(StandardCharsets.UTF_8), r.key());
        assertEquals(f, ForecastCodec.decode(r.value()));
    }

    @Test
    void flaggedEventsAreKeyedBySeriesKeyWithTheForecastAndIntervalMadeForThem() throws Exception {
        Forecast f = new Forecast("série-9", 1000, 9, 2, 0, 4, 5, 3, "m");
        f.anomaly = 0.75;
        f.anomalous = true;
        f.expected = 1.5;
        f.expectedLower = 1;
        f.expectedUpper = 2;
        ProducerRecord<byte[], byte[]> r = new KafkaIO.ForecastSerializer("anomalies", AnomalyCodec::encode)
                .serialize(f, null, 77L);
        assertEquals("anomalies", r.topic());
        assertArrayEquals("série-9".getBytes(StandardCharsets.UTF_8), r.key());
        assertEquals("{\"key\":\"série-9\",\"ts\":\"1970-01-01T00:00:01Z\",\"ts_ms\":1000,\"value\":9.0,"
                + "\"forecast\":1.5,\"lower\":1.0,\"upper\":2.0,\"anomaly\":0.75,\"model\":\"m\"}",
                new String(r.value(), StandardCharsets.UTF_8));
    }

    @Test
    void deadLettersHaveNoKey() {
        DeadLetter d = DeadLetter.ofText("observations-0@1", DeadLetter.MALFORMED, "missing field 'key'", "{}");
        ProducerRecord<byte[], byte[]> r = new KafkaIO.DeadLetterSerializer("dead", DeadLetterLimits.defaults())
                .serialize(d, null, null);
        assertNull(r.key());
        assertEquals(d, DeadLetterCodec.decode(r.value()));
    }

    @Test
    void aDeadLetterNeverExceedsTheProducersMaxRequestSizeWhateverItsPayload() {
        Properties p = client();
        p.setProperty("max.request.size", "20000");
        // escapes make a control character six bytes of JSON: a 64 KB cap alone would give 384 KB
        DeadLetterLimits limits = DeadLetterLimits.of(p, 10_000, 1 << 20);
        KafkaIO.DeadLetterSerializer s = new KafkaIO.DeadLetterSerializer("dead", limits);
        for (byte[] payload : new byte[][] {new byte[500_000], HostileInput.invalidUtf8(500_000)}) {
            byte[] value = s.serialize(new DeadLetter("observations-0@1", DeadLetter.MALFORMED, "r", payload), null, null)
                    .value();
            assertTrue(value.length <= 20_000 - DeadLetterLimits.RECORD_FRAMING, "record of " + value.length);
            DeadLetter back = DeadLetterCodec.decode(value);
            assertEquals(500_000, back.payloadBytes);
            assertArrayEquals(java.util.Arrays.copyOf(payload, back.payload.length), back.payload, "a prefix");
        }
    }

    @Test
    void inconsistentDeadLetterSettingsAreRefusedAtStartNamingThem() {
        Properties p = client();
        p.setProperty("max.request.size", "50000");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeadLetterLimits.of(p, 65_536, 1 << 20));
        assertTrue(e.getMessage().contains("dead-letters.max-payload-bytes = 65536")
                && e.getMessage().contains("kafka.properties.max.request.size = 50000"), e.getMessage());
        assertThrows(UserError.class,
                () -> AppConfig.of(java.util.Map.of("kafka.properties.max.request.size", "50000")));
        assertEquals(34_044, AppConfig.of(java.util.Map.of("kafka.properties.max.request.size", "50000",
                "dead-letters.max-payload-bytes", "34044")).deadLetterLimits().maxPayloadBytes);
    }

    private static List<Parsed> decode(InputSettings settings, long recordTimestamp, byte[] value) {
        List<Parsed> out = new ArrayList<>();
        new KafkaIO.ParsedDeserializer(settings).deserialize(new ConsumerRecord<>("observations", 1, 9L,
                recordTimestamp, TimestampType.CREATE_TIME, -1, value == null ? -1 : value.length, null, value,
                new RecordHeaders(), Optional.empty()), collector(out));
        return out;
    }

    @Test
    void invalidUtf8IsADeadLetterKeepingTheExactBytesAsBase64() {
        byte[] value = "{\"key\":\"a\u00ff\",\"ts\":0,\"value\":1}".getBytes(StandardCharsets.ISO_8859_1);
        DeadLetter d = decode(InputSettings.defaults(List.of()), 0, value).get(0).deadLetter;
        assertEquals("observations-1@9", d.origin);
        assertEquals(DeadLetter.MALFORMED, d.kind);
        assertEquals("invalid UTF-8 at byte 10 of the record (0xFF)", d.reason);
        assertArrayEquals(value, d.payload);
        String json = new String(DeadLetterCodec.encode(d), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"payload_base64\":\"" + java.util.Base64.getEncoder().encodeToString(value)), json);
        assertArrayEquals(value, DeadLetterCodec.decode(json.getBytes(StandardCharsets.UTF_8)).payload);
    }

    @Test
    void anEventTimeTooFarAfterItsRecordsTimestampIsRefusedAsFuture() {
        long recordTime = java.time.Instant.parse("2024-03-01T12:00:00Z").toEpochMilli();
        InputSettings settings = InputSettings.defaults(List.of());
        byte[] ok = "{\"key\":\"k\",\"ts\":\"2024-03-02T11:59:59Z\",\"value\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] far = "{\"key\":\"k\",\"ts\":\"2150-01-01T00:00:00Z\",\"value\":1}".getBytes(StandardCharsets.UTF_8);
        assertEquals("k", decode(settings, recordTime, ok).get(0).observation.key);
        DeadLetter d = decode(settings, recordTime, far).get(0).deadLetter;
        assertEquals(DeadLetter.FUTURE, d.kind);
        assertEquals("event time 2150-01-01T00:00:00Z is more than events.max-future = 1d after the record's Kafka"
                + " timestamp 2024-03-01T12:00:00Z", d.reason);
        assertArrayEquals(far, d.payload);
        assertEquals("k", decode(settings, -1, far).get(0).observation.key, "a record without a timestamp");
        InputSettings off = new InputSettings(List.of(), FutureLimit.none(), 100);
        assertEquals("k", decode(off, recordTime, far).get(0).observation.key, "the rule switched off");
        byte[] beyond = "{\"key\":\"k\",\"ts\":\"2200-01-01T00:00:00Z\",\"value\":1}".getBytes(StandardCharsets.UTF_8);
        d = decode(off, recordTime, beyond).get(0).deadLetter;
        assertEquals(DeadLetter.MALFORMED, d.kind, "the absolute range holds either way");
        assertTrue(d.reason.contains("not before 2200-01-01"), d.reason);
    }

    @Test
    void aDecodedObservationCarriesItsOriginAndBytesAndRefusedPayloadsAreCapped() {
        byte[] ok = "{\"key\":\"k\\\\\\\"\\u0001\",\"ts\":5,\"value\":1,\"extra\":[1]}".getBytes(StandardCharsets.UTF_8);
        Parsed p = decode(InputSettings.defaults(List.of()), 0, ok).get(0);
        assertEquals("k\\\"\u0001", p.observation.key);
        assertEquals("observations-1@9", p.observation.origin);
        assertArrayEquals(ok, p.observation.payload);
        byte[] huge = new byte[300_000];
        java.util.Arrays.fill(huge, (byte) 'x');
        DeadLetter d = decode(new InputSettings(List.of(), FutureLimit.none(), 1000), 0, huge).get(0).deadLetter;
        assertEquals(1000, d.payload.length);
        assertEquals(300_000, d.payloadBytes);
    }

    private static <T> Collector<T> collector(List<T> out) {
        return new Collector<>() {
            @Override
            public void collect(T r) {
                out.add(r);
            }

            @Override
            public void close() {}
        };
    }
}
