package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.KafkaTopics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code model.scope=shared} in a real job. Stopped with a savepoint and restored with another
 * parallelism, twice (1 -> 2 -> 1), it forecasts every event exactly once, as a run never stopped does,
 * though not the same values: the instances' replicas of the network merge on rescale, and what a
 * shared network learns depends on the order in which the events reach it. A replay of a file at a
 * fixed parallelism repeats itself to the byte. A savepoint of a key-scope job is refused at start.
 */
class SharedScopeITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    private static final int HOURS = 300;

    private static Map<String, String> settings(EmbeddedKafka kafka, String output, int parallelism, String scope) {
        Map<String, String> m = SavepointRuns.settings(kafka, output, parallelism);
        if (scope.equals("shared")) {
            m.put("train.batch", "3"); // how a shared network learns: key scope refuses it
        }
        m.put("model.scope", scope);
        return m;
    }

    /**
     * Each key's forecasts in the order they came out, as the time forecast and the count of the key's
     * events and its windows learned from at that time: what moves with the key's own state.
     */
    private static Map<String, List<String>> counts(Map<String, List<Forecast>> forecasts) {
        return forecasts.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().stream().map(f -> f.ts + " " + f.events + " " + f.updates).collect(Collectors.toList())));
    }

    @Test
    void everyEventIsForecastOnceAcrossSavepointsAndRescaling(@TempDir Path savepoints) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            SavepointRuns.topics(kafka, "rescaled", "straight");
            List<Observation> all = Fixtures.disordered(SampleData.generate(HOURS));
            SavepointRuns.rescaled(kafka, all, p -> settings(kafka, "rescaled", p, "shared"), "rescaled", savepoints);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            LiveJob.define(env, AppConfig.of(settings(kafka, "straight", 2, "shared")), OffsetsInitializer.latest());
            env.execute("straight");

            Map<String, List<Forecast>> rescaled = KafkaTopics.forecastsByKey(kafka.clientProperties(), "rescaled");
            Map<String, List<Forecast>> reference = KafkaTopics.forecastsByKey(kafka.clientProperties(), "straight");
            assertEquals(SavepointRuns.KEYS, reference.size());
            for (List<Forecast> forecasts : reference.values()) {
                assertEquals(HOURS, forecasts.size());
            }
            // the same events forecast, each once and in the key's time order, with the key's counts carried
            // through every restore: nothing lost, nothing repeated
            assertEquals(counts(reference), counts(rescaled));
            for (List<Forecast> forecasts : rescaled.values()) {
                for (Forecast f : forecasts) {
                    // an interval around the forecast, or none while the key's errors give it no scale
                    assertTrue(Double.isFinite(f.forecast) && (Double.isNaN(f.lower) && Double.isNaN(f.upper)
                            || f.lower <= f.forecast && f.forecast <= f.upper), "forecast " + f);
                }
            }
            assertEquals(SavepointRuns.deadLetters(kafka, "dead-straight"), SavepointRuns.deadLetters(kafka, "dead-rescaled"));
            assertEquals(SavepointRuns.KEYS * Fixtures.refusedPerKey(HOURS),
                    SavepointRuns.deadLetters(kafka, "dead-straight").size());
        }
    }

    @Test
    void aKeyScopeSavepointIsRefusedAtStartNamingTheScope(@TempDir Path savepoints) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            SavepointRuns.topics(kafka, "keyed");
            List<Observation> events = SampleData.generate(50);
            KafkaTopics.produce(kafka.clientProperties(), "observations", KafkaTopics.records(events));
            JobClient keyed = SavepointRuns.start(AppConfig.of(settings(kafka, "keyed", 2, "key")), null);
            KafkaTopics.awaitCommitted(kafka.clientProperties(), "keyed", (int) SavepointRuns.used(events) - SavepointRuns.KEYS,
                    Duration.ofSeconds(60));
            String savepoint = keyed.stopWithSavepoint(false, savepoints.toUri().toString(),
                    SavepointFormatType.CANONICAL).get();

            JobClient shared = SavepointRuns.start(AppConfig.of(settings(kafka, "keyed", 2, "shared")), savepoint);
            ExecutionException e = assertThrows(ExecutionException.class, () -> shared.getJobExecutionResult().get());
            String message = ExceptionUtils.stringifyException(e);
            assertTrue(message.contains("made with model.scope=key, which a job with model.scope=shared cannot "
                    + "continue"), message);
        }
    }

    private static void backtest(Path input, Path output, String parallelism, String scope) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute("backtest", "--input", input.toString(), "--output", output.toString(),
                "--parallelism", parallelism, "--set", "model.hidden=8", "--set", "model.scope=" + scope);
        assertEquals(0, rc, "backtest failed: " + err);
    }

    @Test
    void aReplayAtAFixedParallelismRepeatsItselfToTheByte(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("input.csv");
        SampleData.writeCsv(SampleData.generate(HOURS), input);
        for (String p : List.of("1", "2")) {
            backtest(input, dir.resolve("shared" + p + ".jsonl"), p, "shared");
            backtest(input, dir.resolve("shared" + p + "-again.jsonl"), p, "shared");
            byte[] once = Files.readAllBytes(dir.resolve("shared" + p + ".jsonl"));
            assertEquals(SavepointRuns.KEYS * HOURS, Files.readAllLines(dir.resolve("shared" + p + ".jsonl")).size(),
                    "every row forecast at parallelism " + p);
            assertArrayEquals(once, Files.readAllBytes(dir.resolve("shared" + p + "-again.jsonl")),
                    "twice at parallelism " + p + ", the same bytes");
        }
        assertFalse(Files.exists(dir.resolve("shared2.jsonl.dead-letters.jsonl")), "no dead letters");
        backtest(input, dir.resolve("key.jsonl"), "2", "key");
        assertNotEquals(Files.readAllLines(dir.resolve("key.jsonl")), Files.readAllLines(dir.resolve("shared2.jsonl")),
                "the keys share a network: their forecasts are not those of models of their own");
    }
}
