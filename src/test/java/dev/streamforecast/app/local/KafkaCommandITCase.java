package dev.streamforecast.app.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamforecast.testutil.ShellCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Run against your own Kafka" steps, as written, each a process of its own through
 * {@code ./forecaster}: {@code kafka} starts a broker with the topics, {@code run} the job, {@code produce}
 * writes a key's first two events, {@code consume} reads the first one's forecast; then the broker stops
 * on SIGTERM, cleanly. Only the port differs: the configuration the steps name is copied with a free
 * port in place of 9092.
 */
class KafkaCommandITCase {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Pattern SUBCOMMAND = Pattern.compile("\\./forecaster (\\w+)");
    private static final String CONFIG = "configs/local.properties";

    /** The lines of the section's first bash block that run {@code ./forecaster}, in order. */
    static List<String> readmeSteps() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String section = readme.substring(readme.indexOf("## Run against your own Kafka"));
        int start = section.indexOf("```bash\n") + "```bash\n".length();
        String block = section.substring(start, section.indexOf("```", start));
        return block.lines().filter(l -> SUBCOMMAND.matcher(l).find()).collect(Collectors.toList());
    }

    private static String subcommand(String line) {
        Matcher m = SUBCOMMAND.matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }

    @Test
    void theReadmesStepsCarryAnEventToItsForecastThroughTheBrokerCommandWhichStopsCleanly(@TempDir Path dir)
            throws Exception {
        List<String> steps = readmeSteps();
        assertEquals(List.of("kafka", "run", "produce", "consume"),
                steps.stream().map(KafkaCommandITCase::subcommand).collect(Collectors.toList()));
        assertTrue(steps.stream().allMatch(s -> s.contains("--config " + CONFIG)), steps.toString());
        int port = dev.streamforecast.testutil.Ports.free();
        Path config = dir.resolve("local.properties");
        Files.writeString(config, Files.readString(ROOT.resolve(CONFIG)).replace("localhost:9092", "localhost:" + port));
        List<String> lines = steps.stream().map(s -> s.replace(CONFIG, config.toString())).collect(Collectors.toList());
        Duration start = Duration.ofMinutes(2);
        // run keeps its checkpoints in the user's state folder: the test's own, so no earlier run is resumed
        Map<String, String> env = Map.of("XDG_STATE_HOME", dir.resolve("state").toString());

        try (ShellCommand kafka = ShellCommand.start(lines.get(0), ROOT)) {
            kafka.awaitLine(l -> l.startsWith("kafka: broker at localhost:" + port + " (KRaft), topics 'observations' "
                    + "and 'forecasts' (2 partitions each) and 'forecasts-dead-letters' (1)"), start);
            try (ShellCommand run = ShellCommand.start(lines.get(1), ROOT, env);
                    ShellCommand produce = ShellCommand.start(lines.get(2), ROOT)) {
                assertEquals(0, produce.awaitExit(start), String.join("\n", produce.err()));
                assertEquals(List.of("produce: 2 records written to 'observations' at localhost:" + port), produce.err());
                try (ShellCommand consume = ShellCommand.start(lines.get(3), ROOT)) {
                    String forecast;
                    try {
                        forecast = consume.awaitLine(l -> l.startsWith("sensor-7\t"), Duration.ofMinutes(3));
                    } catch (AssertionError e) {
                        throw new AssertionError(e.getMessage() + "\nrun said:\n" + String.join("\n", run.err()), e);
                    }
                    JsonNode f = new ObjectMapper().readTree(forecast.substring(forecast.indexOf('\t') + 1));
                    assertEquals("sensor-7", f.path("key").asText());
                    assertEquals("2024-03-01T12:00:00Z", f.path("ts").asText());
                    assertEquals(21.4, f.path("value").asDouble());
                    assertTrue(Double.isFinite(f.path("forecast").asDouble(Double.NaN)), forecast);
                    consume.stop(start);
                }
                run.stop(start);
            }
            int code = kafka.stop(start);
            assertEquals(128 + 15, code, "ended by SIGTERM: " + kafka.err());
            assertTrue(kafka.err().contains("kafka: stopped; its data is deleted"), kafka.err().toString());
        }
    }
}
