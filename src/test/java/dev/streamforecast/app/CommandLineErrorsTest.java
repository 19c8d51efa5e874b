package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.io.ModelJson;
import dev.streamforecast.io.UserError;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Every kind of user mistake on the command line is one or two lines saying what is wrong and what to do,
 * exit code 2 and no stack trace, found before anything expensive starts; a defect says so, with its trace.
 */
class CommandLineErrorsTest {
    private static final Pattern STACK_FRAME = Pattern.compile("^\\s+at ", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private record Outcome(int code, String err) {}

    private static Outcome run(CommandLine cli, String... args) {
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return new Outcome(cli.execute(args), err.toString());
    }

    /** The message a user sees for {@code args}, checked to be a user mistake's: exit 2, one or two lines. */
    private static String mistake(String... args) {
        Outcome o = run(Main.commandLine(), args);
        assertEquals(Main.USAGE, o.code, o.err);
        long lines = o.err.lines().count();
        assertTrue(lines >= 1 && lines <= 2, "one or two lines: " + o.err);
        assertFalse(o.err.contains("Exception"), o.err);
        assertFalse(STACK_FRAME.matcher(o.err).find(), o.err);
        return o.err;
    }

    private String sample() throws IOException {
        Path f = dir.resolve("history.csv");
        Files.writeString(f, "ts,key,value\n2024-01-01T00:00:00Z,a,1\n");
        return f.toString();
    }

    private String out() {
        return dir.resolve("out.jsonl").toString();
    }

    @Test
    void aMissingInputSaysWhatToGive() {
        assertTrue(mistake("backtest", "--output", out()).startsWith("backtest: give the history to replay: --input FILE"));
        assertTrue(mistake("backtest", "--input", "x.csv").startsWith("backtest: give --output FILE"));
    }

    @Test
    void anInputFileThatIsNotThereIsNamedWithWhereItWasLookedFor() {
        String m = mistake("backtest", "--input", "nope.csv", "--output", out());
        assertTrue(m.startsWith("backtest: --input nope.csv: no such file in " + Path.of("").toAbsolutePath()), m);
        assertTrue(mistake("backtest", "--input", dir.toString(), "--output", out())
                .contains("is a folder without history files (.csv, .jsonl)"));
    }

    @Test
    void labelsThatAreNotNabsFormAreRefusedNamingWhatIsWrong() throws Exception {
        Path labels = dir.resolve("labels.json");
        Files.writeString(labels, "{\"sample.csv\": [[\"2024-01-02\", \"2024-01-01\"]]}");
        assertEquals("backtest: --labels " + labels + ", 'sample.csv': window [\"2024-01-02\",\"2024-01-01\"] ends "
                + "before it starts\n", mistake("backtest", "--input", sample(), "--output", out(), "--labels",
                        labels.toString()));
        Files.writeString(labels, "[]");
        assertTrue(mistake("backtest", "--input", sample(), "--output", out(), "--labels", labels.toString())
                .contains("expected an object of names"));
    }

    @Test
    void anUnknownFormatListsTheFormats() throws IOException {
        assertEquals("backtest: --format csv-tall is not a format: expected one of auto, csv-wide, csv-long, jsonl\n",
                mistake("backtest", "--input", sample(), "--format", "csv-tall", "--output", out()));
    }

    @Test
    void badSettingsNameTheKeyAndWhatItAcceptsWhereverTheyAreGiven() throws IOException {
        assertEquals("backtest: invalid model.hidden = -1: expected an integer in [1, 4096]\n",
                mistake("backtest", "--input", sample(), "--output", out(), "--set", "model.hidden=-1"));
        assertEquals("run: unknown setting 'trian.k1' (did you mean train.k1?); docs/configuration.md lists every "
                + "setting\n", mistake("run", "--set", "trian.k1=4"));
        assertTrue(mistake("accuracy", "--set", "train.k1").startsWith("accuracy: --set expects key=value"));
        Path config = Files.writeString(dir.resolve("job.properties"), "job.checkpoint-interval=often\n");
        assertEquals("config: " + config + ": invalid job.checkpoint-interval = often: expected a duration such as "
                + "250ms, 5s, 10min, 7d\n", mistake("config", "--config", config.toString()));
    }

    @Test
    void anUnknownFlinkKeyIsRefusedNamingTheNearestOneFlinkDefinesAndTheEscape() throws IOException {
        assertEquals("run: unknown setting 'flink.state.backend.typ' (did you mean flink.state.backend.type?); Flink "
                + "defines no such option (one it does not define passes as flink.unchecked.state.backend.typ)\n",
                mistake("run", "--set", "flink.state.backend.typ=rocksdb"));
        assertTrue(mistake("backtest", "--input", sample(), "--output", out(), "--set",
                "flink.execution.checkpointing.intervall=5s").startsWith("backtest: unknown setting "
                + "'flink.execution.checkpointing.intervall' (did you mean flink.execution.checkpointing.interval?)"));
        Path config = Files.writeString(dir.resolve("job.properties"), "flink.parallelism.defualt=2\n");
        assertTrue(mistake("config", "--config", config.toString()).startsWith("config: " + config
                + ": unknown setting 'flink.parallelism.defualt' (did you mean flink.parallelism.default?)"));
    }

    @Test
    void aBadFlinkValueIsRefusedNamingTheKeyTheValueAndWhatFlinkAccepts() throws IOException {
        assertEquals("backtest: invalid flink.state.backend.type = rocksdbx: expected hashmap, rocksdb or the class "
                + "name of a StateBackendFactory (Flink: Cannot find configured state backend factory class: rocksdbx)\n",
                mistake("backtest", "--input", sample(), "--output", out(), "--set", "flink.state.backend.type=rocksdbx"));
        assertEquals("run: invalid flink.execution.runtime-mode = streamin: expected one of STREAMING, BATCH, AUTOMATIC\n",
                mistake("run", "--set", "flink.execution.runtime-mode=streamin"));
        assertEquals("accuracy: invalid flink.execution.checkpointing.interval = often: expected a duration such as "
                + "250ms, 5s, 10min, 7d\n", mistake("accuracy", "--set", "flink.execution.checkpointing.interval=often"));
        assertEquals("demo: invalid flink.taskmanager.memory.managed.size = lots: expected a memory size such as 64kb, "
                + "256mb, 2gb\n", mistake("demo", "--set", "flink.taskmanager.memory.managed.size=lots"));
        Path config = Files.writeString(dir.resolve("job.properties"), "flink.restart-strategy.type=sometimes\n");
        assertEquals("config: " + config + ": invalid flink.restart-strategy.type = sometimes: expected one of disable, "
                + "off, none, fixed-delay, fixeddelay, failure-rate, failurerate, exponential-delay, exponentialdelay "
                + "(Flink: sometimes is an unknown value of RestartStrategyType.)\n",
                mistake("config", "--config", config.toString()));
        assertTrue(mistake("run", "--set", "flink.execution.checkpointing.storage=filesystem").contains(
                "does not specify the checkpoint directory 'execution.checkpointing.dir'"));
    }

    @Test
    void flinkKeysFlinkDefinesInAnySpellingAndUncheckedOnesPass() throws IOException {
        List<String> settings = List.of("flink.state.backend.type=rocksdb",
                "flink.state.backend.rocksdb.compression.per.level=NO_COMPRESSION;LZ4_COMPRESSION",
                "flink.execution.checkpointing.storage=filesystem", "flink.execution.checkpointing.dir=file:///tmp/c",
                "flink.restart-strategy=fixed-delay", // a deprecated spelling Flink still reads
                "flink.metrics.reporter.prom.factory.class=org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
                "flink.metrics.reporter.prom.port=9250-9260", "flink.pipeline.global-job-parameters.site=eu-1",
                "flink.unchecked.s3.endpoint=http://minio:9000");
        List<String> args = new java.util.ArrayList<>(List.of("config"));
        settings.forEach(s -> args.addAll(List.of("--set", s)));
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        Outcome o;
        try {
            o = run(Main.commandLine(), args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, o.code, o.err);
        List<String> lines = printed.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        for (String s : settings) {
            assertTrue(lines.contains(s), s + " in " + lines);
        }
    }

    @Test
    void theBrokerCommandChecksItsPortBeforeStarting() throws IOException {
        assertEquals("kafka: kafka.bootstrap-servers is kafka-1:9092, but this broker listens on localhost: give "
                + "--port, or a configuration whose kafka.bootstrap-servers is localhost:PORT\n",
                mistake("kafka", "--set", "kafka.bootstrap-servers=kafka-1:9092"));
        assertEquals("kafka: --port 70000: expected an integer from 1 to 65535\n", mistake("kafka", "--port", "70000"));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("localhost"))) {
            assertEquals("kafka: port " + taken.getLocalPort() + " of localhost is taken (a broker running already?): "
                    + "stop what listens there or choose another port with --port\n",
                    mistake("kafka", "--port", Integer.toString(taken.getLocalPort())));
        }
        assertEquals("consume: --max 0: expected an integer from 1 to 2147483647\n", mistake("consume", "--max", "0"));
    }

    @Test
    void theDemoChecksItsSettingsBeforeStartingKafka() {
        // the message is the whole output: nothing was started or written before it
        assertEquals("demo: invalid model.hidden = -1: expected an integer in [1, 4096]\n",
                mistake("demo", "--set", "model.hidden=-1"));
        assertTrue(mistake("demo", "--hours", "0").startsWith("demo: --hours and --every"));
    }

    @Test
    void aMissingConfigFileSaysWhatToGive() {
        assertEquals("run: no configuration file nope.properties; give the path of a properties file (configs/ has "
                + "examples)\n", mistake("run", "--config", "nope.properties"));
    }

    @Test
    void outputPathsAreCheckedBeforeTheReplay() throws IOException {
        String in = sample();
        assertEquals("backtest: --report /no/such/dir/r.html: folder /no/such/dir does not exist; create it or write "
                + "somewhere else\n", mistake("backtest", "--input", in, "--output", out(), "--report", "/no/such/dir/r.html"));
        assertTrue(mistake("backtest", "--input", in, "--output", dir.toString()).contains("is a folder: give a file name"));
        assertTrue(mistake("backtest", "--input", in, "--output", "/no/such/dir/o.jsonl").contains("does not exist"));
        assertTrue(mistake("backtest", "--input", in, "--output", out(), "--export-model", "a=/no/such/dir/m.json")
                .startsWith("backtest: --export-model /no/such/dir/m.json: folder /no/such/dir does not exist"));
    }

    @Test
    void aBadExportSpecShowsTheExpectedForm() throws IOException {
        assertEquals("backtest: --export-model expects KEY=FILE (a series key and the file to write its model to), "
                + "got 'nokey'\n", mistake("backtest", "--input", sample(), "--output", out(), "--export-model", "nokey"));
    }

    @Test
    void protocolsAndTimesAreCheckedBeforeTheReplay() throws IOException {
        String in = sample();
        assertTrue(mistake("backtest", "--input", in, "--output", out(), "--protocol", "m4")
                .startsWith("backtest: --protocol m4 is not a protocol"));
        assertTrue(mistake("backtest", "--input", in, "--output", out(), "--rows", "10")
                .startsWith("backtest: a custom protocol needs --rows, --standardise-rows, --score-from and --score-to"));
        assertTrue(mistake("backtest", "--input", in, "--output", out(), "--rows", "10", "--standardise-rows", "20",
                "--score-from", "1", "--score-to", "5").startsWith("backtest: custom protocol: need"));
        assertTrue(mistake("backtest", "--kafka", "--from", "yesterday", "--output", out())
                .startsWith("backtest: --from yesterday: unparseable timestamp"));
        assertTrue(mistake("backtest", "--input", in, "--output", out(), "--to", "2024-01-01")
                .startsWith("backtest: --from and --to select records of a topic"));
    }

    @Test
    void aWarmStartModelThatIsNotThereIsNamed() throws IOException {
        assertTrue(mistake("backtest", "--input", sample(), "--output", out(), "--set", "model.warm-start=m.json")
                .startsWith("backtest: model.warm-start m.json: no such file"));
        Path notAModel = Files.writeString(dir.resolve("m.json"), "{\"format\": \"something else\"}");
        assertTrue(mistake("backtest", "--input", sample(), "--output", out(), "--set", "model.warm-start=" + notAModel)
                .contains("not a model file"));
    }

    @Test
    void aWarmStartModelOfAnotherShapeIsRefusedNamingWhatDiffersBeforeAnythingStarts() throws IOException {
        ModelConfig made = ModelConfig.fromMap(Map.of("forecast.horizon", "24"));
        Path file = dir.resolve("h24.json");
        ModelJson.writeFile(file, made, new OnlineForecaster(made).newState("k"), "k");
        String expected = ": model.warm-start " + file + ": the model was made under other shaping settings (the "
                + "model's -> this job's): forecast.horizon: 24 -> 1; give a model that backtest --export-model wrote "
                + "under this job's model settings, or run under the model's\n";
        assertEquals("backtest" + expected, mistake("backtest", "--input", sample(), "--output", out(), "--set",
                "model.warm-start=" + file));
        // run checks it before it asks Kafka anything: no broker listens here
        assertEquals("run" + expected, mistake("run", "--set", "kafka.bootstrap-servers=localhost:1", "--set",
                "model.warm-start=" + file));
    }

    @Test
    void theDemoRefusesACheckpointFolderSinceItKeepsNone() {
        assertEquals("demo: job.checkpoint-dir is where run keeps checkpoints to resume from; the demo starts afresh "
                + "on a broker of its own every time and keeps none\n", mistake("demo", "--set",
                "job.checkpoint-dir=" + dir));
    }

    @Test
    void usageErrorsAreTwoLinesWithASuggestion() throws IOException {
        assertEquals("backtest: Unknown options: '--inptu', 'x'\nDid you mean --input? Try 'forecaster backtest --help' "
                + "for the options.\n", mistake("backtest", "--inptu", "x"));
        assertTrue(mistake("backtest", "--parallelism", "two").startsWith("backtest: Invalid value for option "
                + "'--parallelism': 'two' is not an int"));
        assertTrue(mistake("bakctest").contains("Did you mean backtest?"));
        assertTrue(mistake("backtest", "--input", sample(), "--output", out(), "--parallelism", "0")
                .startsWith("backtest: --parallelism 0: expected an integer from 1 to 10000"));
    }

    @Test
    void missingDataSaysWhereToGetIt() {
        String m = mistake("accuracy", "--data", dir.toString());
        assertTrue(m.startsWith("accuracy: none of the data files is in " + dir), m);
        for (String hint : List.of("docs/data.md", "ETDataset", "CC BY-ND 4.0", "numenta/NAB", "AGPL-3.0", "--data DIR")) {
            assertTrue(m.contains(hint), hint + " in " + m);
        }
    }

    /** A command that fails with {@code failure}. */
    @Command
    static final class Failing implements Callable<Integer> {
        private final RuntimeException failure;

        Failing(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public Integer call() {
            throw failure;
        }
    }

    @Test
    void aDefectSaysItIsOneAndShowsItsTrace() {
        CommandLine cli = Main.commandLine();
        cli.addSubcommand("broken", new Failing(new IllegalStateException("an invariant does not hold")));
        Outcome o = run(cli, "broken");
        assertEquals(Main.INTERNAL, o.code);
        assertTrue(o.err.startsWith("broken: internal error, please report it with what follows: "
                + "java.lang.IllegalStateException: an invariant does not hold"), o.err);
        assertTrue(STACK_FRAME.matcher(o.err).find(), o.err);
    }

    @Test
    void runningOutOfMemoryIsOneLineWithTheWayOutAndExitCode3() {
        CommandLine cli = Main.commandLine();
        cli.addSubcommand("fleet", new Failing(new IllegalStateException("job failed",
                new OutOfMemoryError("Java heap space"))));
        Outcome o = run(cli, "fleet");
        assertEquals(OutOfMemory.EXIT_CODE, o.code);
        assertEquals(1, o.err.lines().count(), o.err);
        assertTrue(o.err.startsWith("fleet: out of memory (Java heap space; a heap of "), o.err);
        assertTrue(o.err.contains("give Java a larger heap: FORECASTER_JAVA_OPTS=-Xmx"), o.err);
    }

    @Test
    void aUserErrorInsideAFailedJobIsStillTheUsersMistake() {
        Exception wrapped = new RuntimeException("job failed", new IllegalStateException("task failed",
                new UserError("model.warm-start m.json: does not fit")));
        assertEquals("model.warm-start m.json: does not fit", Main.userMistake(wrapped));
        assertEquals("permission denied: /x", Main.userMistake(new java.nio.file.AccessDeniedException("/x")));
        assertNull(Main.userMistake(new IllegalArgumentException("a bug")));
    }
}
