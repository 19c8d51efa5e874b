package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.ModelJson;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.testutil.KafkaTopics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The backtest command end to end: a file replay is deterministic to the byte, follows the output
 * contract, exports a model the live job accepts, and a replay of the same events from a Kafka topic
 * gives the same forecasts as the file.
 */
class BacktestITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static int backtest(String... args) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute(args);
        assertEquals(0, rc, "backtest failed: " + err);
        return rc;
    }

    @Test
    void fileReplaysAreByteIdenticalFollowTheContractAndExportAWarmStartModel(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("sample.csv");
        SampleData.writeCsv(SampleData.generate(400), input);
        Files.writeString(input, "2024-02-01T00:00:00Z,sensor-temp,not-a-number\n",
                java.nio.file.StandardOpenOption.APPEND);
        Path a = dir.resolve("a.jsonl");
        Path b = dir.resolve("b.jsonl");
        Path model = dir.resolve("temp-model.json");
        Path report = dir.resolve("report.html");
        backtest("backtest", "--input", input.toString(), "--format", "csv-long", "--output", a.toString(),
                "--report", report.toString(), "--export-model", "sensor-temp=" + model, "--set", "train.k1=4");
        backtest("backtest", "--input", input.toString(), "--format", "csv-long", "--output", b.toString(),
                "--set", "train.k1=4", "--parallelism", "1");

        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same input, same bytes, any parallelism");
        List<String> lines = Files.readAllLines(a);
        assertEquals(4 * 400, lines.size(), "one record per valid input event");
        String previousKey = "";
        long previousTs = Long.MIN_VALUE;
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            for (String field : List.of("key", "ts", "value", "forecast", "lower", "upper")) {
                assertTrue(n.has(field), field + " in " + line);
            }
            assertTrue(n.get("ts").asText().endsWith("Z"), "ISO-8601 UTC: " + line);
            long ts = n.get("ts_ms").asLong();
            if (n.get("key").asText().equals(previousKey)) {
                assertTrue(ts > previousTs, "per key in event-time order");
            }
            previousKey = n.get("key").asText();
            previousTs = ts;
        }
        List<String> dead = Files.readAllLines(dir.resolve("a.jsonl.dead-letters.jsonl"));
        assertEquals(1, dead.size());
        assertTrue(dead.get(0).contains("not-a-number"), dead.get(0));

        ModelJson.Model exported = ModelJson.readFile(model);
        assertEquals("sensor-temp", exported.key);
        assertEquals(400, exported.state.events);
        String html = Files.readString(report);
        assertTrue(html.contains("sensor-temp") && html.contains("persistence") && html.contains("ar(24) rls"));
    }

    @Test
    void aSharedNetworkIsExportedWithItsPooledLinearPartAndStartsAnotherReplay(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("sample.csv");
        SampleData.writeCsv(SampleData.generate(400), input);
        Path model = dir.resolve("shared-model.json");
        backtest("backtest", "--input", input.toString(), "--format", "csv-long", "--output",
                dir.resolve("a.jsonl").toString(), "--export-model", "sensor-temp=" + model, "--set", "model.scope=shared",
                "--set", "forecast.horizon=4");

        ModelJson.Model exported = ModelJson.readFile(model);
        assertEquals("sensor-temp", exported.key);
        assertEquals(400, exported.state.events);
        assertTrue(exported.pool != null && exported.pool.rows() > 0, "the network's pooled linear part comes along");
        Path cold = dir.resolve("cold.jsonl");
        Path warm = dir.resolve("warm.jsonl");
        backtest("backtest", "--input", input.toString(), "--format", "csv-long", "--output", cold.toString(),
                "--set", "model.scope=shared", "--set", "forecast.horizon=4");
        backtest("backtest", "--input", input.toString(), "--format", "csv-long", "--output", warm.toString(),
                "--set", "model.scope=shared", "--set", "forecast.horizon=4", "--set", "model.warm-start=" + model);
        List<String> coldLines = Files.readAllLines(cold);
        List<String> warmLines = Files.readAllLines(warm);
        assertEquals(coldLines.size(), warmLines.size());
        assertTrue(!coldLines.get(coldLines.size() - 1).equals(warmLines.get(warmLines.size() - 1)),
                "a network started from the export forecasts otherwise than one started from the seed");
    }

    @Test
    void aReplayWithAHorizonWritesEveryStepAndScoresEachOne(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("sample.csv");
        SampleData.writeCsv(SampleData.generate(400), input);
        Path out = dir.resolve("steps.jsonl");
        Path report = dir.resolve("report.html");
        String printed = backtestPrinting("backtest", "--input", input.toString(), "--format", "csv-long", "--output",
                out.toString(), "--report", report.toString(), "--horizon", "4", "--fan", "sensor-temp", "--set",
                "train.k1=4");
        List<String> lines = Files.readAllLines(out);
        assertEquals(4 * 400, lines.size());
        JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
        JsonNode steps = last.get("steps");
        assertEquals(4, steps.size());
        assertEquals(last.get("forecast").asDouble(), steps.get(0).get("forecast").asDouble());
        long interval = steps.get(1).get("ts_ms").asLong() - steps.get(0).get("ts_ms").asLong();
        assertTrue(interval > 0, "the sample's keys have a regular cadence: " + steps);
        assertEquals(last.get("ts_ms").asLong() + interval, steps.get(0).get("ts_ms").asLong());
        assertEquals(java.time.Instant.ofEpochMilli(steps.get(0).get("ts_ms").asLong()).toString(),
                steps.get(0).get("ts").asText(), "every time in one form: ISO-8601 beside epoch ms");
        for (JsonNode step : steps) {
            assertTrue(step.get("lower").asDouble() <= step.get("forecast").asDouble()
                    && step.get("forecast").asDouble() <= step.get("upper").asDouble(), step.toString());
        }
        assertTrue(printed.contains("by step") && printed.contains("ar(24) direct") && printed.contains(" mean "),
                printed);
        String html = Files.readString(report);
        assertTrue(html.contains("<h2>Steps ahead</h2>") && html.contains("<td>mean 1..4</td>")
                && html.contains("fan of steps 1..4"));
    }

    /**
     * 200 random walks 24 steps ahead, as the fleet-size report was first tried on: the console prints its
     * summary before any key and then three keys; no table holds a figure of a diverging baseline; the
     * report draws five keys' charts and the fan, and stays small.
     */
    @Test
    void aFleetOf200KeysPrintsItsSummaryFirstThenAFewKeysAndItsReportStaysSmall(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("walks.csv");
        java.util.Random rnd = new java.util.Random(7);
        StringBuilder csv = new StringBuilder("ts,key,value\n");
        for (int k = 0; k < 200; k++) {
            double y = 100 * rnd.nextGaussian();
            for (int t = 0; t < 150; t++) {
                y += rnd.nextGaussian();
                csv.append(java.time.Instant.ofEpochSecond(1_704_067_200L + 3_600L * t)).append(",walk-")
                        .append(String.format(java.util.Locale.ROOT, "%03d", k)).append(',').append(y).append('\n');
            }
        }
        Files.writeString(input, csv);
        Path report = dir.resolve("report.html");
        String printed = stdout(() -> backtest("backtest", "--input", input.toString(), "--output",
                dir.resolve("walks.jsonl").toString(), "--report", report.toString(), "--horizon", "24"));

        int summary = printed.indexOf("200 keys: the model's MSE over each baseline's, per key");
        java.util.regex.Matcher key = java.util.regex.Pattern.compile("(?m)^(walk-\\d{3}) ").matcher(printed);
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        int first = -1;
        while (key.find()) {
            first = first < 0 ? key.start() : first;
            keys.add(key.group(1));
        }
        assertTrue(summary > 0 && summary < first, printed);
        assertEquals(3, keys.size(), "the best, the median and the worst: " + keys);
        assertTrue(!printed.contains("e+"), "every figure below a million: " + printed);
        String html = Files.readString(report);
        assertTrue(html.contains("<h2>Fleet</h2>") && html.contains("<h2>Steps ahead</h2>"));
        assertEquals(6, html.split("<section id=").length - 1, "five keys' charts and the fan");
        assertTrue(Files.size(report) < 600_000, Files.size(report) + " bytes");
    }

    /** What {@code run} prints on stdout. */
    private static String stdout(Runnable run) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setOut(stdout);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@link #backtest}, returning what it printed on stdout (its tables). */
    private static String backtestPrinting(String... args) {
        java.io.ByteArrayOutputStream table = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(table, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            backtest(args);
        } finally {
            System.setOut(stdout);
        }
        return table.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A file of {@code timestamp,value} rows a minute apart: noise around a sine, shifted by {@code shift} from {@code from} on. */
    private static Path series(Path file, long seed, int from, double shift) throws java.io.IOException {
        java.util.Random r = new java.util.Random(seed);
        StringBuilder b = new StringBuilder("timestamp,value\n");
        for (int t = 0; t < 1500; t++) {
            double v = 50 + 10 * Math.sin(2 * Math.PI * t / 60) + r.nextGaussian() + (t >= from ? shift : 0);
            b.append(java.time.Instant.ofEpochMilli(1_700_000_000_000L + 60_000L * t)).append(',').append(v).append('\n');
        }
        return Files.writeString(file, b);
    }

    @Test
    void severalFilesAreReplayedAsOneKeyEachAndTheirScoresJudgedAgainstLabelledWindows(@TempDir Path dir)
            throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        series(data.resolve("quiet.csv"), 1, Integer.MAX_VALUE, 0);
        series(data.resolve("shifted.csv"), 2, 1200, 40);
        Path labels = Files.writeString(dir.resolve("labels.json"), "{\"quiet.csv\": [], \"shifted.csv\": "
                + "[[\"" + java.time.Instant.ofEpochMilli(1_700_000_000_000L + 60_000L * 1150) + "\", "
                + "\"2023-11-15 19:03:20.000000\"]], \"elsewhere.csv\": []}");
        Path out = dir.resolve("f.jsonl");
        Path report = dir.resolve("report.html");
        String printed = backtestPrinting("backtest", "--input", data.toString(), "--output", out.toString(), "--labels",
                labels.toString(), "--report", report.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals(3000, lines.size());
        assertEquals(List.of("quiet.csv", "shifted.csv"), lines.stream().map(l -> json(l).get("key").asText()).distinct()
                .collect(java.util.stream.Collectors.toList()), "one key per file, named by the file");
        String shifted = printed.lines().filter(l -> l.startsWith("shifted.csv") && l.contains(" found ")).findFirst()
                .orElse(printed);
        assertTrue(shifted.matches("shifted\\.csv +1 +1 found +0 FP .*"), "the shift's window found: " + printed);
        assertTrue(printed.contains("all (normalised"), printed);
        assertTrue(printed.contains("1 of 1 windows flagged: recall 1.000"), printed);

        List<String> flagged = Files.readAllLines(dir.resolve("f.jsonl.anomalies.jsonl"));
        JsonNode shift = flagged.stream().map(BacktestITCase::json).filter(n -> n.get("key").asText().equals("shifted.csv"))
                .findFirst().orElseThrow();
        assertEquals(1_700_000_000_000L + 60_000L * 1200, shift.get("ts_ms").asLong(), "the shift, flagged as it came");
        assertTrue(shift.get("value").asDouble() > shift.get("upper").asDouble(), shift.toString());
        assertTrue(shift.get("anomaly").asDouble() >= 0.5, shift.toString());
        String html = Files.readString(report);
        assertTrue(html.contains("\"windows\":[[" + (1_700_000_000_000L + 60_000L * 1150)) && html.contains("\"flagged\":[")
                && html.contains("labelled anomaly window"), "the report marks the window and the flags");
    }

    @Test
    void aKafkaReplayGivesTheSameForecastsAsTheFile(@TempDir Path dir) throws Exception {
        List<Observation> sample = SampleData.generate(300);
        Path input = dir.resolve("sample.csv");
        SampleData.writeCsv(sample, input);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("history", 3);
            KafkaTopics.produce(kafka.clientProperties(), "history", KafkaTopics.records(sample));
            Path fromFile = dir.resolve("file.jsonl");
            Path fromKafka = dir.resolve("kafka.jsonl");
            backtest("backtest", "--input", input.toString(), "--format", "csv-long", "--output", fromFile.toString());
            backtest("backtest", "--kafka", "--output", fromKafka.toString(),
                    "--set", "kafka.bootstrap-servers=" + kafka.bootstrapServers(), "--set", "kafka.input-topic=history");
            assertEquals(Files.readAllLines(fromFile), Files.readAllLines(fromKafka));
        }
    }
}
