package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
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
        ProducerRecord<byte[], byte[]> r = new KafkaIO.ForecastSerializer("forecasts").serialize(f, null, 77L);
        assertEquals("forecasts", r.topic());
        assertNull(r.partition(), "the producer partitions by key");
        assertArrayEquals("série-9".getBytes(StandardCharsets.UTF_8), r.key());
        assertEquals(f, ForecastCodec.decode(r.value()));
    }

    @Test
    void deadLettersHaveNoKey() {
        DeadLetter d = DeadLetter.ofText("observations-0@1", DeadLetter.MALFORMED, "missing field 'key'", "{}");
        ProducerRecord<byte[], byte[]> r = new KafkaIO.DeadLetterSerializer("dead").serialize(d, null, null);
        assertNull(r.key());
        assertEquals(d, DeadLetterCodec.decode(r.value()));
    }
}
