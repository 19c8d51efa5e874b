package dev.streamforecast.app.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code forecaster sql --file}: a script's rows on stdout; a mistake as one line naming its statement, exit 2. */
class SqlCommandITCase {
    private record Outcome(int code, String out, String err) {}

    private static Outcome sql(Path script) {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = cli.execute("sql", "--file", script.toString());
            // columns are padded to their widths: compare their values
            String printed = out.toString(StandardCharsets.UTF_8).lines().map(l -> String.join("  ", l.strip().split(" +")))
                    .collect(Collectors.joining("\n"));
            return new Outcome(code, printed, err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    private static final String FUNCTION = "CREATE FUNCTION forecast AS 'dev.streamforecast.sql.ForecastTableFunction';\n";
    private static final String INPUT = "CREATE TEMPORARY VIEW obs AS SELECT * FROM (VALUES\n"
            + "  ('a', CAST(1000 AS BIGINT), 1.0), ('a', CAST(2000 AS BIGINT), 2.0), ('b', CAST(1000 AS BIGINT), 5.0),\n"
            + "  ('a', CAST(3000 AS BIGINT), CAST(NULL AS DOUBLE))) AS t(series, ts, reading);\n";

    @Test
    void aScriptsQueryPrintsItsRowsWithTheirColumnNames(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("ok.sql"), "-- a comment; with a semicolon\n"
                + "SET 'parallelism.default' = '1';\n" + FUNCTION + INPUT
                + "SELECT series, ts, events, refusal FROM forecast(input => TABLE obs PARTITION BY series, "
                + "time_column => 'ts', value_column => 'reading', config => MAP['model.hidden', '4']);");
        Outcome o = sql(script);
        assertEquals(0, o.code, o.err);
        List<String> lines = o.out.lines().sorted().collect(Collectors.toList());
        assertEquals(List.of("a  1970-01-01T00:00:01Z  1  NULL", "a  1970-01-01T00:00:02Z  2  NULL",
                "a  1970-01-01T00:00:03Z  NULL  refused", "b  1970-01-01T00:00:01Z  1  NULL",
                "series  ts  events  refusal"), lines);
    }

    @Test
    void aBadSettingInTheCallIsOneLineNamingTheStatementAndTheKey(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("typo.sql"), FUNCTION + INPUT + "\n"
                + "SELECT * FROM forecast(input => TABLE obs PARTITION BY series, time_column => 'ts',\n"
                + "  value_column => 'reading', config => MAP['model.hiden', '4']);");
        Outcome o = sql(script);
        assertEquals(Main.USAGE, o.code, o.err);
        assertEquals("sql: " + script + ", statement at line 6: FORECAST config: unknown setting 'model.hiden' "
                + "(did you mean model.hidden?); docs/configuration.md lists every setting", o.err.strip());
    }

    @Test
    void aStatementFlinkRefusesIsOneLineNamingItsLine(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("bad.sql"), FUNCTION + "\n\nSELECT * FROM nowhere;");
        Outcome o = sql(script);
        assertEquals(Main.USAGE, o.code, o.err);
        assertTrue(o.err.startsWith("sql: " + script + ", statement at line 4: "), o.err);
        assertTrue(o.err.contains("nowhere") && o.err.strip().lines().count() == 1, o.err);
    }

    /** As the SQL client declares it: the function from the cluster job jar, {@code USING JAR}. */
    @Test
    void theFunctionComesFromTheJobJarUsingJar(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target/forecaster-job.jar").toAbsolutePath();
        assertTrue(Files.exists(jar), "run after mvn package: " + jar);
        Path script = Files.writeString(dir.resolve("jar.sql"), "CREATE FUNCTION forecast AS "
                + "'dev.streamforecast.sql.ForecastTableFunction' USING JAR '" + jar + "';\n" + INPUT
                + "SELECT series, events FROM forecast(input => TABLE obs PARTITION BY series, time_column => 'ts', "
                + "value_column => 'reading') WHERE refusal IS NULL;");
        Outcome o = sql(script);
        assertEquals(0, o.code, o.err);
        assertEquals(List.of("a  1", "a  2", "b  1", "series  events"), o.out.lines().sorted().collect(Collectors.toList()));
    }
}
