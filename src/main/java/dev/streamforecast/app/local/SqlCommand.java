package dev.streamforecast.app.local;

import dev.streamforecast.app.Checks;
import dev.streamforecast.app.Logging;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.io.SqlScript;
import dev.streamforecast.io.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sql}: a Flink SQL script with the {@code FORECAST} function, run on a local Flink mini
 * cluster: the user's ({@code --file}), or the bundled demo ({@code --demo}: the sample series through
 * an embedded Kafka broker, forecast into a topic and read back as they are committed).
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run a Flink SQL script with the FORECAST function on a local Flink mini cluster.")
public final class SqlCommand implements Callable<Integer> {
    /** The demo's script; {@code ${bootstrap}} stands for the embedded broker. */
    static final String DEMO_SCRIPT = "demo.sql";

    @ArgGroup(exclusive = true, multiplicity = "1")
    Script script;

    static final class Script {
        @Option(names = "--demo", required = true,
                description = "The bundled sample through an embedded Kafka broker (the script is docs/sql.md's).")
        boolean demo;

        @Option(names = "--file", required = true, paramLabel = "FILE",
                description = "A SQL script: statements separated by semicolons.")
        Path file;
    }

    @Option(names = "--hours", description = "With --demo: hours of sample data per series (default: ${DEFAULT-VALUE}).")
    int hours = 2000;

    @Override
    public Integer call() throws Exception {
        if (hours < 1) {
            throw new UserError("--hours expects a whole number from 1, got " + hours);
        }
        LocalJar.SQL.require("sql");
        if (script.demo) {
            LocalJar.BROKER.require("sql --demo");
        }
        long started = System.nanoTime();
        System.err.println("sql: " + Logging.where());
        if (script.file != null) {
            Checks.readableFile(script.file, "--file");
            List<SqlScript.Statement> statements = statements(Files.readString(script.file), script.file.toString());
            new SqlRunner(script.file.toString(), System.out).run(statements, null);
        } else {
            demo();
        }
        System.err.printf(Locale.ROOT, "sql: done in %.1f s%n", (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private void demo() throws Exception {
        System.err.println("sql: starting an embedded Kafka broker (KRaft)...");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 2);
            kafka.createTopic("forecasts", 2);
            var sample = SampleData.generate(hours);
            int malformed = DemoCommand.produce(kafka, sample);
            System.err.printf(Locale.ROOT, "sql: wrote %d sample events (4 series) and %d malformed records to "
                    + "'observations'; running %s%n", sample.size(), malformed, DEMO_SCRIPT);
            String text = demoScript().replace("${bootstrap}", kafka.bootstrapServers());
            SqlRunner runner = new SqlRunner(DEMO_SCRIPT, System.out);
            // the last query reads the forecasts topic, which never ends: it stops once the INSERT has
            runner.run(statements(text, DEMO_SCRIPT), runner::jobsEnded);
        }
    }

    /** The demo's script as bundled. */
    static String demoScript() throws IOException {
        try (InputStream in = SqlCommand.class.getResourceAsStream(DEMO_SCRIPT)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<SqlScript.Statement> statements(String text, String source) {
        try {
            List<SqlScript.Statement> statements = SqlScript.split(text);
            if (statements.isEmpty()) {
                throw new UserError("holds no statement");
            }
            return statements;
        } catch (UserError e) {
            throw new UserError(source + ": " + e.getMessage(), e);
        }
    }
}
