package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.io.KafkaProbe;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.io.UserError;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** User mistakes that only a real broker or a real replay can reveal: one clear message, exit code 2. */
class CommandLineITCase {

    private record Outcome(int code, String err) {}

    private static Outcome run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        return new Outcome(cli.execute(args), err.toString());
    }

    @Test
    void runWithoutABrokerReturnsNamingTheServersItTriedAndWhatToCheck() throws Exception {
        int closed = dev.streamforecast.testutil.Ports.free();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
        Outcome o;
        try {
            o = run("run", "--set", "kafka.bootstrap-servers=localhost:" + closed);
        } finally {
            System.setErr(stderr);
        }

        String said = progress.toString(StandardCharsets.UTF_8);
        assertTrue(said.startsWith("run: using the built-in defaults (no --config; configs/ has examples) with --set "
                + "kafka.bootstrap-servers=localhost:" + closed + "\nrun: Kafka at localhost:" + closed
                + ": reading 'observations', writing forecasts to 'forecasts'"), said);
        assertEquals(Main.USAGE, o.code, o.err);
        assertTrue(o.err.startsWith("run: no Kafka broker answered at localhost:" + closed + " within "), o.err);
        assertTrue(o.err.contains("check that it runs"), o.err);
        assertEquals(2, o.err.lines().count(), o.err);
    }

    @Test
    void missingTopicsAreNamedBeforeAJobStarts(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Outcome o = run("run", "--set", "kafka.bootstrap-servers=" + kafka.bootstrapServers());
            assertEquals(Main.USAGE, o.code, o.err);
            assertEquals("run: topic 'observations' does not exist at " + kafka.bootstrapServers() + "; create it "
                    + "(deploy/create-topics.sh) or name another with kafka.input-topic\n", o.err);

            Outcome replay = run("backtest", "--kafka", "--set", "kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                    "--set", "kafka.input-topic=history", "--output", dir.resolve("f.jsonl").toString());
            assertEquals(Main.USAGE, replay.code, replay.err);
            assertTrue(replay.err.startsWith("backtest: topic 'history' does not exist"), replay.err);

            kafka.createTopic("observations", 1);
            KafkaProbe.Answer answer = KafkaProbe.check(kafka.clientProperties(), List.of("observations"),
                    List.of("forecasts"), Duration.ofSeconds(10));
            assertFalse(answer.clusterId().isBlank(), answer.toString());
            assertEquals(List.of("topic(s) [forecasts] do not exist yet: the broker will create them on first write "
                    + "(auto.create.topics.enable=true), with its default partitions and replication"), answer.notes());
        }
    }

    @Test
    void theProbeGivesUpOnAClosedPortWithinItsTimeout() throws Exception {
        int closed = dev.streamforecast.testutil.Ports.free();
        Properties client = new Properties();
        client.setProperty("bootstrap.servers", "127.0.0.1:" + closed);
        UserError e = assertThrows(UserError.class,
                () -> KafkaProbe.check(client, List.of("in"), List.of(), Duration.ofSeconds(2)));
        assertTrue(e.getMessage().startsWith("no Kafka broker answered at 127.0.0.1:" + closed + " within 2 s"),
                e.getMessage());
    }

    @Test
    void exportingASeriesTheReplayDidNotHaveFailsAfterWritingEverythingElse(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("sample.csv");
        SampleData.writeCsv(SampleData.generate(60), input);
        Path output = dir.resolve("f.jsonl");
        Path report = dir.resolve("r.html");
        Path model = dir.resolve("m.json");

        Outcome o = run("backtest", "--input", input.toString(), "--format", "csv-long", "--output", output.toString(),
                "--report", report.toString(), "--export-model", "sensor-tmep=" + model, "--parallelism", "1");

        assertEquals(Main.USAGE, o.code, o.err);
        assertTrue(o.err.startsWith("backtest: --export-model: no series [sensor-tmep] in the replay, so no model "
                + "written for it; the replay's series are price-alpha, price-beta, sensor-load, sensor-temp"), o.err);
        assertEquals(4 * 60, Files.readAllLines(output).size());
        assertTrue(Files.exists(report));
        assertTrue(Files.notExists(model));
    }
}
