package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.testutil.ChildJvm;
import dev.streamforecast.testutil.KafkaTopics;
import dev.streamforecast.testutil.Uninterrupted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} as a user runs it, in a process of its own against a real broker: stopped with SIGTERM
 * and started again, its keys continue where they were, their forecasts equal to a run that was never
 * stopped; a checkpoint it cannot restore is named with the way out; {@code --fresh} starts over.
 */
class RunRestartITCase {
    private static final int HOURS = 400;
    private static final Duration START = Duration.ofMinutes(3);
    private static final Duration STOP = Duration.ofMinutes(1);

    private static Map<String, String> settings(EmbeddedKafka kafka, Path checkpoints) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        m.put("job.checkpoint-dir", checkpoints.toString());
        m.put("job.checkpoint-interval", "500ms");
        m.put("job.parallelism", "2");
        m.put("events.max-out-of-orderness", "0s");
        return m;
    }

    /** {@code run} with {@code settings} and {@code extra} arguments, in a child JVM. */
    private static ChildJvm run(Path dir, String name, Map<String, String> settings, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("run"));
        settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        args.addAll(List.of(extra));
        return ChildJvm.forecaster(dir, name, List.of("-Xmx768m"), args.toArray(String[]::new));
    }

    /** What run refuses as a user's mistake: exit code 2, its one line on stderr after what run said as it started. */
    private static String refusal(Path dir, String name, Map<String, String> settings, String... extra)
            throws Exception {
        try (ChildJvm child = run(dir, name, settings, extra)) {
            assertEquals(Main.USAGE, child.await(START), child.err());
            List<String> lines = child.err().lines().toList();
            return lines.get(lines.size() - 1);
        }
    }

    private static Map<String, List<Forecast>> forecasts(EmbeddedKafka kafka, String topic) {
        return KafkaTopics.forecastsByKey(kafka.clientProperties(), topic);
    }

    @Test
    void aStoppedRunResumesFromItsNewestCheckpointAndItsKeysContinueAsIfNeverStopped(@TempDir Path dir)
            throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            for (String topic : List.of("observations", "forecasts", "reference-out", "other")) {
                kafka.createTopic(topic, 2);
            }
            kafka.createTopic("forecasts-dead-letters", 1);
            List<Observation> sample = SampleData.generate(HOURS + 3);
            List<String[]> records = KafkaTopics.records(sample.stream().filter(o -> o.ts < SampleData.START
                    + HOURS * SampleData.HOUR).toList());
            int half = records.size() / 2;
            Map<String, String> settings = settings(kafka, checkpoints);

            KafkaTopics.produce(kafka.clientProperties(), "observations", records.subList(0, half));
            try (ChildJvm first = run(dir, "run-1", settings)) {
                first.awaitLine("run: no checkpoint in " + checkpoints.resolve("forecaster") + ": every model starts "
                        + "afresh", START);
                // committed output means a completed checkpoint holds the models that made it
                KafkaTopics.awaitCommitted(kafka.clientProperties(), "forecasts", half, START);
                int code = first.stop(STOP);
                assertTrue(first.err().contains("run: stopped; the next run resumes from checkpoint "),
                        "exit " + code + ": " + first.err());
            }

            KafkaTopics.produce(kafka.clientProperties(), "observations", records.subList(half, records.size()));
            try (ChildJvm second = run(dir, "run-2", settings)) {
                String resuming = second.awaitLine("run: resuming from checkpoint ", START);
                assertTrue(resuming.contains(" in " + checkpoints.resolve("forecaster")), resuming);
                KafkaTopics.awaitCommitted(kafka.clientProperties(), "forecasts", records.size(), START);
                // what --fresh reads on from, below
                KafkaTopics.awaitGroupAtEnd(kafka.clientProperties(), "forecaster", "observations", START);
                second.stop(STOP);
            }

            // the same input in one uninterrupted run
            Map<String, String> reference = new LinkedHashMap<>(settings);
            reference.remove("job.checkpoint-dir");
            reference.putAll(Map.of("kafka.group-id", "reference", "kafka.starting-offsets", "earliest"));
            Map<String, List<Forecast>> actual = forecasts(kafka, "forecasts");
            Uninterrupted.assertSameForecasts(Uninterrupted.forecasts(kafka, reference, "reference-out"), actual, HOURS);
            for (Map.Entry<String, List<Forecast>> key : actual.entrySet()) {
                assertEquals(Stream.iterate(1L, e -> e + 1).limit(HOURS).toList(),
                        key.getValue().stream().map(f -> f.events).toList(), key.getKey() + "'s events count on");
            }

            // a checkpoint made under other shaping settings: named, with the ways out; it stays for the next run
            String shape = refusal(dir, "run-hidden", settings, "--set", "model.hidden=16");
            assertTrue(shape.startsWith("run: checkpoint ") && shape.contains(" cannot be restored: "), shape);
            for (String part : List.of("model.hidden: 32 -> 16", "model.on-shape-change=reset", "--fresh")) {
                assertTrue(shape.contains(part), part + " in " + shape);
            }
            // one of another topic's offsets
            String topic = refusal(dir, "run-other", settings, "--set", "kafka.input-topic=other");
            assertTrue(topic.contains("was taken reading topic 'observations', this run reads 'other'"), topic);
            assertTrue(topic.contains("--fresh"), topic);
            // a damaged one
            Path metadata;
            try (Stream<Path> files = Files.walk(checkpoints)) {
                metadata = files.filter(p -> p.getFileName().toString().equals("_metadata")).findFirst().orElseThrow();
            }
            byte[] intact = Files.readAllBytes(metadata);
            Files.write(metadata, java.util.Arrays.copyOf(intact, intact.length / 2));
            String damaged = refusal(dir, "run-damaged", settings);
            assertTrue(damaged.startsWith("run: checkpoint ") && damaged.contains(" cannot be restored: its metadata "
                    + "cannot be read") && damaged.contains("--fresh"), damaged);

            // --fresh: the checkpoints set aside, every key cold, the input read on from the committed offsets
            KafkaTopics.produce(kafka.clientProperties(), "observations", KafkaTopics.records(sample.stream()
                    .filter(o -> o.ts >= SampleData.START + HOURS * SampleData.HOUR).toList()));
            try (ChildJvm fresh = run(dir, "run-fresh", settings, "--fresh")) {
                String aside = fresh.awaitLine("run: --fresh: the checkpoints of earlier runs are set aside in ", START);
                assertTrue(Files.isDirectory(Path.of(aside.substring(aside.indexOf(" in ") + 4, aside.indexOf("; ")))),
                        aside);
                KafkaTopics.awaitCommitted(kafka.clientProperties(), "forecasts", sample.size(), START);
                fresh.stop(STOP);
            }
            for (List<Forecast> key : forecasts(kafka, "forecasts").values()) {
                assertEquals(List.of(1L, 2L, 3L), key.subList(HOURS, key.size()).stream().map(f -> f.events).toList());
            }
        }
    }
}
