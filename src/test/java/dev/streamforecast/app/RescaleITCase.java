package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
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

    private static Map<String, List<Forecast>> read(EmbeddedKafka kafka, String topic) {
        return KafkaTopics.forecastsByKey(kafka.clientProperties(), topic);
    }

    @Test
    void forecastsContinueBitIdenticalAcrossSavepointsAndRescaling(@TempDir Path savepoints) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            SavepointRuns.topics(kafka, "rescaled", "straight");
            List<Observation> all = Fixtures.disordered(SampleData.generate(HOURS));
            SavepointRuns.rescaled(kafka, all, p -> SavepointRuns.settings(kafka, "rescaled", p), "rescaled", savepoints);

            AppConfig straight = AppConfig.of(SavepointRuns.settings(kafka, "straight", 2));
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
            assertEquals(SavepointRuns.deadLetters(kafka, "dead-straight"), SavepointRuns.deadLetters(kafka, "dead-rescaled"));
            assertEquals(SavepointRuns.KEYS * Fixtures.refusedPerKey(HOURS),
                    SavepointRuns.deadLetters(kafka, "dead-straight").size());
        }
    }
}
