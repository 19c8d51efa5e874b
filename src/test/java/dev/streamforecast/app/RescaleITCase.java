package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Savepoint, stop, and restore with another parallelism, twice (1 -> 2 -> 1), with events out of order,
 * stale and repeated, and each key's newest event waiting in state at every savepoint: every key's
 * forecasts continue bit-identical to a run that was never stopped, and the dead letters are the same,
 * because the model, its optimiser, its window and its waiting events move with the key's state into
 * whichever subtask now owns the key group.
 */
class RescaleITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    private static final int HOURS = 300;

    private static Map<String, String> settings(EmbeddedKafka kafka, String output, int parallelism) {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        m.put("kafka.output-topic", output);
        m.put("kafka.group-id", "g-" + output);
        m.put("kafka.transactional-id-prefix", "tx-" + output);
        m.put("kafka.starting-offsets", "earliest");
        m.put("job.parallelism", Integer.toString(parallelism));
        m.put("job.checkpoint-interval", "200ms");
        m.put("kafka.dead-letter-topic", "dead-" + output);
        // the default 5 s of reordering, and no wall-clock release: each key's newest event waits in state
        m.put("events.max-wait", "1h");
        m.put("model.hidden", "16");
        m.put("train.k1", "4");
        return m;
    }

    private static JobClient start(AppConfig config, String restoreFrom) throws Exception {
        Configuration conf = new Configuration();
        if (restoreFrom != null) {
            conf.setString("execution.state-recovery.path", restoreFrom);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        LiveJob.define(env, config, null);
        return env.executeAsync(config.get("job.name"));
    }

    private static final int KEYS = 4;

    /** Distinct (key, time) pairs among {@code events}: what the forecaster uses of them. */
    private static long used(List<Observation> events) {
        return events.stream().map(o -> o.key + "@" + o.ts).distinct().count();
    }

    private static List<String> deadLetters(EmbeddedKafka kafka, String topic) {
        return KafkaTopics.readToEnd(kafka.clientProperties(), topic, "read_committed", Duration.ofSeconds(60))
                .stream().map(r -> DeadLetterCodec.decode(r.value()))
                .map(d -> d.kind + " " + d.payloadText()).sorted().collect(java.util.stream.Collectors.toList());
    }

    private static Map<String, List<Forecast>> read(EmbeddedKafka kafka, String topic) {
        return KafkaTopics.forecastsByKey(kafka.clientProperties(), topic);
    }

    @Test
    void forecastsContinueBitIdenticalAcrossSavepointsAndRescaling(@TempDir Path savepoints) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 4);
            kafka.createTopic("rescaled", 4);
            kafka.createTopic("straight", 4);
            kafka.createTopic("dead-rescaled", 1);
            kafka.createTopic("dead-straight", 1);
            List<Observation> all = Fixtures.disordered(SampleData.generate(HOURS));
            int third = all.size() / 3;
            String savepoint = null;
            int[] parallelism = {1, 2, 1};
            for (int phase = 0; phase < 3; phase++) {
                int end = phase == 2 ? all.size() : (phase + 1) * third;
                KafkaTopics.produce(kafka.clientProperties(), "observations", KafkaTopics.records(all.subList(phase * third, end)));
                AppConfig config = AppConfig.of(settings(kafka, "rescaled", parallelism[phase]));
                JobClient job = start(config, savepoint);
                // every event so far is used but each key's newest, which waits for the key's clock
                long used = used(all.subList(0, end));
                KafkaTopics.awaitCommitted(kafka.clientProperties(), "rescaled", (int) used - KEYS, Duration.ofSeconds(60));
                // the last phase drains: the end of input uses the waiting events
                savepoint = job.stopWithSavepoint(phase == 2, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
            }

            AppConfig straight = AppConfig.of(settings(kafka, "straight", 2));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            LiveJob.define(env, straight, OffsetsInitializer.latest());
            env.execute("straight");

            Map<String, List<Forecast>> rescaled = read(kafka, "rescaled");
            Map<String, List<Forecast>> reference = read(kafka, "straight");
            assertEquals(reference.keySet(), rescaled.keySet());
            for (String key : reference.keySet()) {
                assertEquals(HOURS, reference.get(key).size());
                assertEquals(reference.get(key), rescaled.get(key), "forecasts of " + key);
            }
            assertEquals(deadLetters(kafka, "dead-straight"), deadLetters(kafka, "dead-rescaled"));
            assertEquals(KEYS * Fixtures.refusedPerKey(HOURS), deadLetters(kafka, "dead-straight").size());
        }
    }
}
