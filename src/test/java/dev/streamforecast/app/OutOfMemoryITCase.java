package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Observation;
import dev.streamforecast.testutil.ChildJvm;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of keys that cannot fit in the heap, as a user meets it: a command in a JVM of its own with a
 * small heap. A backtest of a file, whose keys are known before it starts, is refused at once; one
 * whose size nothing says beforehand (a topic) runs out of memory and ends at once, with one line and
 * exit code 3, never a hang.
 */
class OutOfMemoryITCase {
    private static final List<String> SMALL_HEAP = List.of("-Xmx256m");
    /** A key-scope key holds about 136 KB on the heap: 5,000 of them do not fit in 256 MB. */
    private static final int KEYS = 5_000;

    private static List<Observation> fleet(int keys, int hours) {
        List<Observation> out = new ArrayList<>();
        for (int t = 0; t < hours; t++) {
            for (int k = 0; k < keys; k++) {
                out.add(new Observation("k" + k, 1_704_067_200_000L + 3_600_000L * t, 10 + Math.sin(t + k)));
            }
        }
        return out;
    }

    /** The lines of {@code err} that are not progress. */
    private static List<String> said(String err) {
        return err.lines().filter(l -> !l.matches("backtest: [0-9,]+ (/ [0-9,]+ )?events.*")).toList();
    }

    @Test
    void aFileFleetTooLargeForTheHeapIsRefusedBeforeTheReplayWithTheWaysOut(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("fleet.csv");
        StringBuilder csv = new StringBuilder("ts,key,value\n");
        for (Observation o : fleet(KEYS, 3)) {
            csv.append(o.ts).append(',').append(o.key).append(',').append(o.value).append('\n');
        }
        Files.writeString(input, csv);
        try (ChildJvm backtest = ChildJvm.forecaster(dir, "backtest", SMALL_HEAP, "backtest", "--input",
                input.toString(), "--output", dir.resolve("f.jsonl").toString())) {
            assertEquals(Main.USAGE, backtest.await(Duration.ofMinutes(2)), backtest.err());
            List<String> lines = said(backtest.err());
            String refusal = lines.get(lines.size() - 1);
            assertTrue(refusal.startsWith("backtest: 5,000 keys (model.scope=key, keyed state on the heap) need "
                    + "about "), refusal);
            for (String way : List.of("more than this JVM's heap of 256 MB holds", "use model.scope=shared",
                    "--set flink.state.backend.type=rocksdb", "FORECASTER_JAVA_OPTS=-Xmx")) {
                assertTrue(refusal.contains(way), way + " in " + refusal);
            }
            assertFalse(Files.exists(dir.resolve("f.jsonl")), "nothing replayed");
        }
    }

    @Test
    void runningOutOfMemoryEndsTheProcessAtOnceWithOneLine(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("fleet", 2);
            KafkaTopics.produce(kafka.clientProperties(), "fleet", KafkaTopics.records(fleet(KEYS, 4)));
            try (ChildJvm backtest = ChildJvm.forecaster(dir, "backtest", SMALL_HEAP, "backtest", "--kafka",
                    "--set", "kafka.bootstrap-servers=" + kafka.bootstrapServers(), "--set", "kafka.input-topic=fleet",
                    "--output", dir.resolve("f.jsonl").toString())) {
                // a hang would fail here: the bound is for a loaded machine, the process ends in seconds
                assertEquals(OutOfMemory.EXIT_CODE, backtest.await(Duration.ofMinutes(3)), backtest.err());
                List<String> lines = said(backtest.err());
                assertEquals(1, lines.size(), String.join("\n", lines));
                assertTrue(lines.get(0).startsWith("backtest: out of memory ("), lines.get(0));
                assertTrue(lines.get(0).contains("a heap of 256 MB): give Java a larger heap: "
                        + "FORECASTER_JAVA_OPTS=-Xmx1g ./forecaster backtest ..."), lines.get(0));
            }
        }
    }
}
