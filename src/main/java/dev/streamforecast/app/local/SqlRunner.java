package dev.streamforecast.app.local;

import com.fasterxml.jackson.core.io.NumberOutput;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.SqlScript;
import dev.streamforecast.io.UserError;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;

/**
 * Runs a SQL script's statements in order on a local Flink mini cluster, as the SQL client would: a
 * statement that defines or sets something takes effect at once; an INSERT (or a statement set)
 * starts a job and the script goes on; a query prints its rows as they arrive until its input ends,
 * each with its kind as the SQL client's tableau mode shows it.
 * When the script is done, the runner waits for the jobs it started.
 *
 * <p>Mistakes in a statement are {@link UserError}s naming the statement's line: the SQL client would
 * show the same message.
 */
final class SqlRunner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqlRunner.class);

    private final String source;
    private final PrintStream out;
    private final StreamTableEnvironment tables;
    private final List<Job> jobs = new ArrayList<>();

    private record Job(SqlScript.Statement statement, CompletableFuture<JobExecutionResult> result) {}

    /** @param source how statements are named in messages (a file name) */
    SqlRunner(String source, PrintStream out) {
        this.source = source;
        this.out = out;
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        tables = StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment(conf));
    }

    /**
     * Runs {@code statements}, then waits for the jobs they started. A query runs until its input
     * ends, or, with {@code stopQuery}, until that says so (checked whenever no row came for a while).
     */
    void run(List<SqlScript.Statement> statements, BooleanSupplier stopQuery) throws Exception {
        for (SqlScript.Statement s : statements) {
            if (set(s)) {
                continue;
            }
            TableResult result;
            try {
                result = tables.executeSql(s.sql());
            } catch (Exception e) {
                java.util.Optional<UserError> mistake = ExceptionUtils.findThrowable(e, UserError.class);
                throw new UserError(where(s) + ": " + (mistake.isPresent() ? mistake.get().getMessage() : whole(e)), e);
            }
            if (isQuery(s.sql())) {
                print(s, result, stopQuery);
            } else if (result.getJobClient().isPresent()) {
                System.err.println("sql: " + where(s) + " runs as job " + result.getJobClient().get().getJobID());
                jobs.add(new Job(s, result.getJobClient().get().getJobExecutionResult()));
            }
        }
        for (Job j : jobs) {
            await(j);
        }
    }

    private static final Pattern SET = Pattern.compile("SET\\s+'((?:[^']|'')*)'\\s*=\\s*'((?:[^']|'')*)'",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern RESET = Pattern.compile("RESET\\s+'((?:[^']|'')*)'",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /**
     * Applies {@code SET 'key' = 'value'} or {@code RESET 'key'} to the session's configuration, as the
     * SQL client does (the Table API leaves these statements to it); false for any other statement.
     */
    private boolean set(SqlScript.Statement s) {
        String sql = withoutComments(s.sql());
        String word = firstWord(sql);
        if (!word.equals("SET") && !word.equals("RESET")) {
            return false;
        }
        Configuration conf = tables.getConfig().getConfiguration();
        Matcher set = SET.matcher(sql);
        Matcher reset = RESET.matcher(sql);
        if (set.matches()) {
            String value = unquote(set.group(2));
            try {
                conf.setString(AppConfig.flinkSetting(unquote(set.group(1)), value, conf.toMap()), value);
            } catch (UserError e) {
                throw new UserError(where(s) + ": " + e.getMessage(), e);
            }
        } else if (reset.matches()) {
            conf.removeKey(unquote(reset.group(1)));
        } else {
            throw new UserError(where(s) + ": write SET 'key' = 'value' or RESET 'key'");
        }
        return true;
    }

    private static String unquote(String quoted) {
        return quoted.replace("''", "'");
    }

    /** Whether every job the script started has ended. */
    boolean jobsEnded() {
        return jobs.stream().allMatch(j -> j.result.isDone());
    }

    private void await(Job j) throws Exception {
        try {
            j.result.get();
        } catch (ExecutionException e) {
            throw failed(j.statement, e.getCause());
        }
    }

    /**
     * Prints a query's rows as the SQL client's tableau mode does in streaming mode: first the row's kind
     * ({@code +I} insert, {@code -U}/{@code +U} the old and new row of an update, {@code -D} delete), then
     * its columns.
     */
    private void print(SqlScript.Statement s, TableResult result, BooleanSupplier stopQuery) throws Exception {
        List<String> columns = result.getResolvedSchema().getColumnNames();
        List<DataType> types = result.getResolvedSchema().getColumnDataTypes();
        LogicalType[] logical = new LogicalType[columns.size()];
        int[] widths = new int[columns.size()];
        boolean[] numbers = new boolean[columns.size()];
        StringBuilder header = new StringBuilder(pad(KIND, KIND.length(), false));
        for (int i = 0; i < widths.length; i++) {
            logical[i] = types.get(i).getLogicalType();
            widths[i] = Math.max(columns.get(i).length(), width(logical[i]));
            numbers[i] = logical[i].is(LogicalTypeFamily.NUMERIC);
            header.append("  ").append(pad(columns.get(i), widths[i], numbers[i]));
        }
        out.println(header.toString().stripTrailing());
        try (CloseableIterator<Row> rows = result.collect()) {
            Stopper stopper = stopQuery == null ? null : new Stopper(rows, stopQuery);
            try {
                while (rows.hasNext()) {
                    out.println(format(rows.next(), logical, widths, numbers));
                    if (stopper != null) {
                        stopper.touched();
                    }
                }
            } catch (RuntimeException e) {
                if (stopper == null || !stopper.stopped) {
                    throw failed(s, e);
                }
            }
        }
    }

    /** Closes a query's rows once {@code stop} says so and no row has come for two seconds. */
    private static final class Stopper extends Thread {
        private static final long QUIET_NANOS = Duration.ofSeconds(2).toNanos();
        private final CloseableIterator<Row> rows;
        private final BooleanSupplier stop;
        private volatile long last = System.nanoTime();
        volatile boolean stopped;

        Stopper(CloseableIterator<Row> rows, BooleanSupplier stop) {
            super("sql-query-stopper");
            this.rows = rows;
            this.stop = stop;
            setDaemon(true);
            start();
        }

        void touched() {
            last = System.nanoTime();
        }

        @Override
        public void run() {
            try {
                while (!stop.getAsBoolean() || System.nanoTime() - last < QUIET_NANOS) {
                    Thread.sleep(200);
                }
                stopped = true;
                rows.close();
            } catch (Exception e) {
                LOG.debug("stopping a query", e);
            }
        }
    }

    /** The header of the row kind's column, as the SQL client names it. */
    private static final String KIND = "op";

    /** A row as a line: its kind, then each value in its column's width, numbers right-aligned. */
    private static String format(Row row, LogicalType[] types, int[] widths, boolean[] numbers) {
        StringBuilder b = new StringBuilder(row.getKind().shortString());
        for (int i = 0; i < row.getArity(); i++) {
            boolean known = i < widths.length;
            String text = known ? value(row.getField(i), types[i]) : String.valueOf(row.getField(i));
            b.append("  ").append(pad(text, known ? widths[i] : 0, known && numbers[i]));
        }
        return b.toString().stripTrailing();
    }

    /**
     * A value as text: NULL, doubles and floats in their shortest form that reads back as the same
     * number, times as ISO-8601, arrays as {@code [a, b]}, rows as {@code (name=a, name=b)} and maps as
     * {@code {k=v}}, their elements alike.
     */
    static String value(Object v, LogicalType type) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof Double) {
            return NumberOutput.toString((Double) v, true);
        }
        if (v instanceof Float) {
            return NumberOutput.toString((Float) v, true);
        }
        if (v instanceof Object[] && type instanceof ArrayType) {
            LogicalType element = ((ArrayType) type).getElementType();
            StringJoiner j = new StringJoiner(", ", "[", "]");
            for (Object e : (Object[]) v) {
                j.add(value(e, element));
            }
            return j.toString();
        }
        if (v instanceof Row && type instanceof RowType) {
            RowType rowType = (RowType) type;
            Row r = (Row) v;
            StringJoiner j = new StringJoiner(", ", "(", ")");
            for (int i = 0; i < r.getArity(); i++) {
                j.add(rowType.getFieldNames().get(i) + "=" + value(r.getField(i), rowType.getTypeAt(i)));
            }
            return j.toString();
        }
        if (v instanceof Map && type instanceof MapType) {
            MapType mapType = (MapType) type;
            StringJoiner j = new StringJoiner(", ", "{", "}");
            ((Map<?, ?>) v).forEach((k, e) -> j.add(value(k, mapType.getKeyType()) + "="
                    + value(e, mapType.getValueType())));
            return j.toString();
        }
        return v.toString();
    }

    /** How wide a column of this type prints, at least. */
    private static int width(LogicalType type) {
        switch (type.getTypeRoot()) {
            case DOUBLE:
            case FLOAT:
            case DECIMAL:
                return 10;
            case BIGINT:
            case INTEGER:
                return 6;
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return 20;
            case VARCHAR:
            case CHAR:
                return 12;
            default:
                return 0;
        }
    }

    private static String pad(String text, int width, boolean right) {
        if (text.length() >= width) {
            return text;
        }
        String space = " ".repeat(width - text.length());
        return right ? space + text : text + space;
    }

    /** A query prints rows; anything else defines, sets or starts a job. */
    static boolean isQuery(String sql) {
        String word = firstWord(sql);
        return word.equals("SELECT") || word.equals("WITH") || word.equals("VALUES") || word.equals("SHOW")
                || word.equals("DESCRIBE") || word.equals("DESC") || word.equals("EXPLAIN");
    }

    private static String firstWord(String sql) {
        String s = withoutComments(sql);
        int end = 0;
        while (end < s.length() && Character.isLetter(s.charAt(end))) {
            end++;
        }
        return s.substring(0, end).toUpperCase(Locale.ROOT);
    }

    /** {@code sql} without the comments and blanks before its first word. */
    private static String withoutComments(String sql) {
        String s = sql;
        while (true) {
            s = s.stripLeading();
            if (s.startsWith("--")) {
                int end = s.indexOf('\n');
                s = end < 0 ? "" : s.substring(end + 1);
            } else if (s.startsWith("/*")) {
                int end = s.indexOf("*/");
                s = end < 0 ? "" : s.substring(end + 2);
            } else {
                return s.strip();
            }
        }
    }

    private String where(SqlScript.Statement s) {
        return source + ", statement at line " + s.line();
    }

    /** A job's failure: the user's mistake it carries, or its root cause in a line (the log has the rest). */
    private UserError failed(SqlScript.Statement s, Throwable e) {
        LOG.error("{} failed", where(s), e);
        java.util.Optional<UserError> mistake = ExceptionUtils.findThrowable(e, UserError.class);
        if (mistake.isPresent()) {
            return new UserError(where(s) + ": " + mistake.get().getMessage(), e);
        }
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            root = t.getMessage() != null && !t.getMessage().isBlank() ? t : root;
        }
        return new UserError(where(s) + ": the job failed: " + message(root) + " (the log file has the details)", e);
    }

    /** The first line of {@code e}'s message, which names the mistake (the rest is Flink's context). */
    private static String message(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        return m.lines().findFirst().orElse(m);
    }

    /**
     * Flink's whole message about a statement on one line: each message of the chain of causes, its lines
     * joined, leaving out one that repeats the message before it. A validation error's first line often
     * only announces the rest ("SQL validation failed. Invalid function call:"); the reason is last.
     */
    static String whole(Throwable e) {
        StringJoiner line = new StringJoiner(": ");
        String previous = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : String.join(" ", t.getMessage().strip().lines()
                    .map(String::strip).filter(l -> !l.isEmpty()).toArray(String[]::new));
            if (m.endsWith(":")) {
                m = m.substring(0, m.length() - 1);
            }
            if (!m.isEmpty() && !previous.contains(m)) {
                line.add(m);
                previous = m;
            }
        }
        return line.length() == 0 ? e.getClass().getSimpleName() : line.toString();
    }
}
