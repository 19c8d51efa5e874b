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
            // columns are padded to their widths, at least two spaces apart: compare their values
            String printed = out.toString(StandardCharsets.UTF_8).lines().map(l -> String.join("  ", l.strip().split("  +")))
                    .collect(Collectors.joining("\n"));
            return new Outcome(code, printed, err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    /** What a script that must succeed prints, line by line. */
    private static List<String> printed(Path file, String script) throws Exception {
        Outcome o = sql(Files.writeString(file, script));
        assertEquals(0, o.code, o.err);
        return o.out.lines().collect(Collectors.toList());
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
        assertEquals(List.of("+I  a  1970-01-01T00:00:01Z  1  NULL", "+I  a  1970-01-01T00:00:02Z  2  NULL",
                "+I  a  1970-01-01T00:00:03Z  NULL  refused", "+I  b  1970-01-01T00:00:01Z  1  NULL",
                "op  series  ts  events  refusal"), lines);
    }

    @Test
    void anUpdatingQueryPrintsEachRowsKindAsTheSqlClientDoes(@TempDir Path dir) throws Exception {
        List<String> lines = printed(dir.resolve("count.sql"), "SET 'parallelism.default' = '1';\n" + FUNCTION + INPUT
                + "SELECT series, COUNT(*) AS forecasts FROM forecast(input => TABLE obs PARTITION BY series, "
                + "time_column => 'ts', value_column => 'reading') WHERE refusal IS NULL GROUP BY series;");
        assertEquals("op  series  forecasts", lines.get(0));
        // a's count is inserted, then updated: the old row retracted (-U) and the new one added (+U)
        assertEquals(List.of("+I  a  1", "-U  a  1", "+U  a  2"),
                lines.stream().filter(l -> l.contains("  a  ")).collect(Collectors.toList()));
        assertEquals(List.of("+I  b  1"), lines.stream().filter(l -> l.contains("  b  ")).collect(Collectors.toList()));
    }

    @Test
    void stepsPrintAsAnArrayOfRowsWithTheirTimesAndBoundsAndDoublesInTheirShortestForm(@TempDir Path dir)
            throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            rows.append(i > 0 ? ", " : "").append("('a', CAST(").append(3_600_000L * i).append(" AS BIGINT), ")
                    .append(1.0 + i % 3).append(")");
        }
        List<String> lines = printed(dir.resolve("steps.sql"), "SET 'parallelism.default' = '1';\n" + FUNCTION
                + "CREATE TEMPORARY VIEW hourly AS SELECT * FROM (VALUES " + rows + ", ('big', CAST(0 AS BIGINT), 1e300)) "
                + "AS t(series, ts, reading);\n"
                + "SELECT series, `value`, steps FROM forecast(input => TABLE hourly PARTITION BY series, "
                + "time_column => 'ts', value_column => 'reading', config => MAP['forecast.horizon', '2', "
                // every row waits for the end of the input, and is used in time order however it arrives
                + "'model.hidden', '4', 'events.max-out-of-orderness', '1d']);");
        assertEquals("op  series  value  steps", lines.get(0));
        assertTrue(lines.contains("+I  big  1.0E300  [(h=1, ts=NULL, forecast=1.0E300, lower=NULL, upper=NULL), "
                + "(h=2, ts=NULL, forecast=1.0E300, lower=NULL, upper=NULL)]"), String.join("\n", lines));
        assertTrue(lines.contains("+I  a  1.0  [(h=1, ts=NULL, forecast=1.0, lower=NULL, upper=NULL), "
                + "(h=2, ts=NULL, forecast=1.0, lower=NULL, upper=NULL)]"), String.join("\n", lines));
        // the last hour: a cadence, so each step's expected time, and an interval around each forecast
        String last = lines.stream().filter(l -> l.startsWith("+I  a  3.0")).reduce((x, y) -> y).orElseThrow();
        String number = "-?[0-9.]+(E-?[0-9]+)?";
        assertTrue(last.matches("\\+I  a  3\\.0  \\[\\(h=1, ts=1970-01-02T00:00:00Z, forecast=" + number + ", lower="
                + number + ", upper=" + number + "\\), \\(h=2, ts=1970-01-02T01:00:00Z, forecast=" + number
                + ", lower=" + number + ", upper=" + number + "\\)\\]"), last);
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
    void aSetOfAKeyOrValueFlinkDoesNotAcceptIsOneLineNamingTheStatement(@TempDir Path dir) throws Exception {
        Path typo = Files.writeString(dir.resolve("typo.sql"), "SET 'table.exec.mini-batch.enabled' = 'true';\n"
                + "SET 'unchecked.sql-client.execution.result-mode' = 'tableau';\n"
                + "SET 'table.exec.mini-batch.alow-latency' = '1s';\n" + INPUT);
        Outcome o = sql(typo);
        assertEquals(Main.USAGE, o.code, o.err);
        assertEquals("sql: " + typo + ", statement at line 3: unknown setting 'table.exec.mini-batch.alow-latency' "
                + "(did you mean table.exec.mini-batch.allow-latency?); Flink defines no such option (one it does not "
                + "define passes as unchecked.table.exec.mini-batch.alow-latency)", o.err.strip());

        Path backend = Files.writeString(dir.resolve("backend.sql"), "SET 'state.backend.type' = 'rocksdbx';\n");
        o = sql(backend);
        assertEquals(Main.USAGE, o.code, o.err);
        assertEquals("sql: " + backend + ", statement at line 1: invalid state.backend.type = rocksdbx: expected hashmap, "
                + "rocksdb or the class name of a StateBackendFactory (Flink: Cannot find configured state backend "
                + "factory class: rocksdbx)", o.err.strip());
    }

    @Test
    void aStatementFlinkRefusesIsOneLineNamingItsLine(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("bad.sql"), FUNCTION + "\n\nSELECT * FROM nowhere;");
        Outcome o = sql(script);
        assertEquals(Main.USAGE, o.code, o.err);
        assertTrue(o.err.startsWith("sql: " + script + ", statement at line 4: "), o.err);
        assertTrue(o.err.contains("nowhere") && o.err.strip().lines().count() == 1, o.err);
    }

    @Test
    void aValidationErrorIsFlinksWholeMessageOnOneLine(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("partition.sql"), FUNCTION + INPUT
                + "SELECT * FROM forecast(input => TABLE obs, time_column => 'ts', value_column => 'reading');");
        Outcome o = sql(script);
        assertEquals(Main.USAGE, o.code, o.err);
        String line = o.err.strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("sql: " + script + ", statement at line 5: SQL validation failed. Invalid function "
                + "call: default_catalog.default_database.forecast("), line);
        assertTrue(line.endsWith(": Table argument 'input' requires a PARTITION BY clause for parallel processing."),
                line);
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
        assertEquals(List.of("+I  a  1", "+I  a  2", "+I  b  1", "op  series  events"),
                o.out.lines().sorted().collect(Collectors.toList()));
    }
}
