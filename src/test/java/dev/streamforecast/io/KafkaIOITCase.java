package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.event.RawRecord;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job reading JSON from a real broker through {@link KafkaIO#source} and writing through the
 * exactly-once sinks, failed once after it has committed output: every record must come out once.
 */
class KafkaIOITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String INPUT = "observations";
    private static final String OUTPUT = "forecasts";
    private static final String DEAD = "dead-letters";
    private static final int PARTITIONS = 2;
    private static final int KEYS = 4;
    private static final int EVENTS_PER_KEY_AND_PHASE = 10;
    /** Observations from this time on are sent only after the job has committed output. */
    private static final long PHASE_TWO = 1_000_000L;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        kafka.createTopic(INPUT, PARTITIONS);
        kafka.createTopic(OUTPUT, PARTITIONS);
        kafka.createTopic(DEAD, 1);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void everyRecordIsWrittenExactlyOnceAcrossAFailureAfterACommit() throws Exception {
        ObservationCodec codec = new ObservationCodec(List.of());
        List<Observation> expected = new ArrayList<>();
        List<byte[]> badPayloads = new ArrayList<>();
        badPayloads.add("{\"key\": \"k\", \"ts\": 0, \"value\": ".getBytes(StandardCharsets.UTF_8));
        badPayloads.add("{\"ts\": 5, \"value\": 1.5}".getBytes(StandardCharsets.UTF_8));
        badPayloads.add("{\"key\": \"k\", \"ts\": 5, \"value\": \"NaN\"}".getBytes(StandardCharsets.UTF_8));
        badPayloads.add(null);
        Set<DeadLetter> expectedDead = new HashSet<>();

        // Partition ends are known before the job starts, so the bounded source can wait for phase two.
        int perPartition = KEYS / PARTITIONS * EVENTS_PER_KEY_AND_PHASE * 2;
        Map<TopicPartition, Long> stop = Map.of(
                new TopicPartition(INPUT, 0), (long) perPartition + badPayloads.size(),
                new TopicPartition(INPUT, 1), (long) perPartition);

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] bad : badPayloads) {
                long offset = producer.send(new ProducerRecord<>(INPUT, 0, null, bad)).get().offset();
                String text = bad == null ? null : new String(bad, StandardCharsets.UTF_8);
                expectedDead.add(DeadLetter.ofText(KafkaIO.origin(INPUT, 0, offset), DeadLetter.MALFORMED, codec.decode(bad).reason(), text));
            }
            send(producer, codec, 0, expected);

            JobClient job = buildJob(stop).executeAsync("kafka-io-exactly-once");

            // Committed output means a checkpoint holding phase one completed and its transaction committed.
            KafkaTopics.awaitCommitted(kafka.clientProperties(), OUTPUT, 1, TIMEOUT);
            send(producer, codec, PHASE_TWO, expected);

            job.getJobExecutionResult().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }

        List<ConsumerRecord<byte[], byte[]>> records =
                KafkaTopics.readToEnd(kafka.clientProperties(), OUTPUT, "read_committed", TIMEOUT);
        List<Forecast> forecasts = records.stream().map(r -> ForecastCodec.decode(r.value()))
                .collect(Collectors.toList());

        assertEquals(expected.size(), forecasts.size(), "forecasts written: " + forecasts);
        assertEquals(asSet(expected), forecasts.stream().map(KafkaIOITCase::observationOf)
                .collect(Collectors.toSet()));

        Map<String, Integer> partitionOfKey = new HashMap<>();
        Map<String, Long> lastTs = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Forecast f = ForecastCodec.decode(r.value());
            assertArrayEquals(f.key.getBytes(StandardCharsets.UTF_8), r.key(), "the record key is the series key");
            assertEquals(partitionOfKey.computeIfAbsent(f.key, k -> r.partition()), r.partition(),
                    "all forecasts of " + f.key + " in one partition");
            Long previous = lastTs.put(f.key, f.ts);
            assertTrue(previous == null || previous < f.ts, "forecasts of " + f.key + " in event order");
            if (f.ts >= PHASE_TWO) {
                assertNotEquals("attempt-0", f.modelId, "phase two is only ever read after the injected failure");
            }
        }

        List<DeadLetter> dead = KafkaTopics.readToEnd(kafka.clientProperties(), DEAD, "read_committed", TIMEOUT)
                .stream().map(r -> DeadLetterCodec.decode(r.value())).collect(Collectors.toList());
        assertEquals(expectedDead.size(), dead.size(), "dead letters written: " + dead);
        assertEquals(expectedDead, new HashSet<>(dead));
    }

    private static StreamExecutionEnvironment buildJob(Map<TopicPartition, Long> stop) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(200);

        Properties client = kafka.clientProperties();
        SingleOutputStreamOperator<Forecast> forecasts = env
                .fromSource(KafkaIO.source(client, INPUT, "kafka-io-it", OffsetsInitializer.earliest(),
                        OffsetsInitializer.offsets(stop)), WatermarkStrategy.noWatermarks(), "observations")
                .process(new EchoForecast(new ObservationCodec(List.of())))
                .name("decode");
        forecasts.sinkTo(KafkaIO.forecastSink(client, OUTPUT, DeliveryGuarantee.EXACTLY_ONCE, "kafka-io-it-forecasts"))
                .name("forecasts");
        forecasts.getSideOutput(EchoForecast.DEAD_LETTERS)
                .sinkTo(KafkaIO.deadLetterSink(client, DEAD, DeliveryGuarantee.EXACTLY_ONCE, "kafka-io-it-dead"))
                .name("dead letters");
        return env;
    }

    /** Sends one phase: every key's events, each key always to the same partition. */
    private static void send(KafkaProducer<byte[], byte[]> producer, ObservationCodec codec, long start,
            List<Observation> sent) throws Exception {
        for (int e = 0; e < EVENTS_PER_KEY_AND_PHASE; e++) {
            for (int k = 0; k < KEYS; k++) {
                Observation o = new Observation("series-" + k, start + e * 1000L, k * 100 + e * 0.5);
                producer.send(new ProducerRecord<>(INPUT, k % PARTITIONS, null, codec.encode(o)));
                sent.add(o);
            }
        }
        producer.flush();
    }

    private static Observation observationOf(Forecast f) {
        return new Observation(f.key, f.ts, f.value);
    }

    private static Set<Observation> asSet(List<Observation> list) {
        Set<Observation> set = new HashSet<>(list);
        assertEquals(list.size(), set.size());
        return set;
    }

    /**
     * Turns each observation into a forecast of itself, tagged with the attempt that produced it, and
     * fails the first attempt of every subtask as soon as it meets an observation of phase two.
     */
    static final class EchoForecast extends ProcessFunction<RawRecord, Forecast> {
        private static final long serialVersionUID = 1L;
        static final OutputTag<DeadLetter> DEAD_LETTERS =
                new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

        private final ObservationCodec codec;

        EchoForecast(ObservationCodec codec) {
            this.codec = codec;
        }

        @Override
        public void processElement(RawRecord raw, Context ctx, Collector<Forecast> out) {
            ObservationCodec.Result r = codec.decode(raw.payload);
            if (!r.isOk()) {
                ctx.output(DEAD_LETTERS, new DeadLetter(raw.origin, DeadLetter.MALFORMED, r.reason(), raw.payload));
                return;
            }
            Observation o = r.observation();
            int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
            if (attempt == 0 && o.ts >= PHASE_TWO) {
                throw new IllegalStateException("injected failure at " + raw.origin);
            }
            out.collect(new Forecast(o.key, o.ts, o.value, o.value, o.value - 1, o.value + 1, 1, 0,
                    "attempt-" + attempt));
        }
    }
}
