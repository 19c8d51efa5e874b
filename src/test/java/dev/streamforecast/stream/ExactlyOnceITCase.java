package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.LiveJob;
import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Parsed;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.ForecastCodec;
import dev.streamforecast.io.KafkaIO;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live pipeline at parallelism 2 against a real broker, with events out of order, stale and
 * repeated, and the default 5 s of reordering (events waiting in keyed state, with timers): a run that
 * fails once mid-stream and recovers from its checkpoint writes, read with read_committed, exactly the
 * forecasts and dead letters of a run that never failed, none lost, none duplicated, bit for bit.
 */
class ExactlyOnceITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    private static EmbeddedKafka kafka;
    private static final int HOURS = 600;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        kafka.createTopic("in", 2);
        kafka.createTopic("out-clean", 2);
        kafka.createTopic("out-failed", 2);
        kafka.createTopic("dead-clean", 1);
        kafka.createTopic("dead-failed", 1);
        KafkaTopics.produce(kafka.clientProperties(), "in",
                KafkaTopics.records(Fixtures.disordered(SampleData.generate(HOURS))));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /**
     * Throws once, remembered in a marker file: the first time it has passed {@code after} records and
     * a checkpoint has completed, so recovery restores real state rather than starting over. Until that
     * checkpoint it slows each record down, so a short stream cannot finish first.
     */
    static final class FailOnce extends RichMapFunction<Parsed, Parsed> implements CheckpointListener {
        private final String marker;
        private final int after;
        private transient int seen;
        private transient volatile boolean checkpointed;

        FailOnce(String marker, int after) {
            this.marker = marker;
            this.after = after;
        }

        @Override
        public Parsed map(Parsed r) throws Exception {
            if (++seen > after && Files.notExists(Path.of(marker))) {
                if (!checkpointed) {
                    // throttle (never block: the barrier must pass this task for the checkpoint to finish)
                    Thread.sleep(2);
                    return r;
                }
                Files.createFile(Path.of(marker));
                throw new IllegalStateException("injected failure after " + seen + " records");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
        }
    }

    private static void run(String out, String dead, MapFunction<Parsed, Parsed> inject) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        // the default 5 s of reordering: events wait in keyed state, with timers, across the failure
        AppConfig config = AppConfig.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers(),
                "train.k1", "4", "model.hidden", "16"));
        env.configure(LiveJob.flinkConfiguration(config));
        env.setParallelism(2);
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        env.enableCheckpointing(150, CheckpointingMode.EXACTLY_ONCE);
        var settings = LiveJob.settings(config);
        var parsed = env.fromSource(KafkaIO.parsedSource(config.kafkaClientProperties(), "in", "g-" + out,
                        OffsetsInitializer.earliest(), OffsetsInitializer.latest(), List.of()),
                ForecastTopology.sourceWatermarks(settings), "in")
                .map(inject).returns(Parsed.class).name("inject");
        ForecastTopology.Outputs o = ForecastTopology.buildFromParsed(parsed, settings);
        o.forecasts.sinkTo(KafkaIO.forecastSink(config.kafkaClientProperties(), out,
                DeliveryGuarantee.EXACTLY_ONCE, "tx-" + out));
        o.deadLetters.sinkTo(KafkaIO.deadLetterSink(config.kafkaClientProperties(), dead,
                DeliveryGuarantee.EXACTLY_ONCE, "tx-" + dead));
        env.execute(out);
    }

    /** Everything committed to the topic; the jobs have finished, so this is all they will write. */
    private static List<Forecast> read(String topic) {
        return KafkaTopics.readToEnd(kafka.clientProperties(), topic, "read_committed", Duration.ofSeconds(60))
                .stream().map(r -> ForecastCodec.decode(r.value())).collect(Collectors.toList());
    }

    private static List<String> deadLetters(String topic) {
        return KafkaTopics.readToEnd(kafka.clientProperties(), topic, "read_committed", Duration.ofSeconds(60))
                .stream().map(r -> DeadLetterCodec.decode(r.value()))
                .map(d -> d.kind + " " + d.payloadText()).sorted().collect(Collectors.toList());
    }

    private static Map<String, List<Forecast>> byKey(List<Forecast> all) {
        return all.stream().collect(Collectors.groupingBy(f -> f.key, TreeMap::new, Collectors.toList()));
    }

    @Test
    void aFailureMidStreamYieldsExactlyTheForecastsOfAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        run("out-clean", "dead-clean", (MapFunction<Parsed, Parsed>) r -> r);
        Path marker = tmp.resolve("failed-once");
        run("out-failed", "dead-failed", new FailOnce(marker.toString(), 700));
        assertTrue(Files.exists(marker), "the failure was injected");

        int expected = 4 * HOURS;
        List<Forecast> clean = read("out-clean");
        List<Forecast> failed = read("out-failed");
        assertEquals(expected, clean.size());
        assertEquals(expected, failed.size(), "none lost, none duplicated");
        Map<String, List<Forecast>> a = byKey(clean);
        Map<String, List<Forecast>> b = byKey(failed);
        assertEquals(a.keySet(), b.keySet());
        List<String> dead = deadLetters("dead-clean");
        assertEquals(4 * Fixtures.refusedPerKey(HOURS), dead.size(), "every stale and repeated copy refused");
        assertEquals(dead, deadLetters("dead-failed"), "the same dead letters, once each");
        for (String key : a.keySet()) {
            List<Forecast> x = a.get(key);
            List<Forecast> y = b.get(key);
            assertEquals(HOURS, x.size());
            for (int i = 0; i < x.size(); i++) {
                assertEquals(x.get(i), y.get(i), key + " forecast " + i);
                assertEquals(Double.doubleToLongBits(x.get(i).forecast), Double.doubleToLongBits(y.get(i).forecast));
                assertEquals(i + 1, y.get(i).events, "per-key order kept");
                assertTrue(i == 0 || y.get(i).ts > y.get(i - 1).ts, "used in time order");
            }
        }
    }
}
