package dev.streamforecast.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.EpochUnit;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.HostileTimes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code FORECAST} from SQL on a mini cluster at parallelism 2, against the DataStream operator on the
 * same events in the same per-key order: the same forecasts to the last bit, the same refusals; and
 * what becomes of rows the model cannot take.
 */
class ForecastTableFunctionITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    /** A small model, so that the comparison runs in seconds; the default 5 s of reordering. */
    private static final Map<String, String> CONFIG = Map.of("model.hidden", "8", "train.k1", "4",
            "train.k2", "12", "model.linear-order", "6");

    private static String sqlMap(Map<String, String> m) {
        return m.entrySet().stream().map(e -> "'" + e.getKey() + "', '" + e.getValue() + "'")
                .collect(Collectors.joining(", ", "MAP[", "]"));
    }

    private static StreamExecutionEnvironment env() {
        return env(2);
    }

    private static StreamExecutionEnvironment env(int parallelism) {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false"); // a silent fallback to Kryo fails loudly
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        return env;
    }

    /** {@code rows} (series, ts, reading) as the view {@code observations}, read in this order by one source task. */
    private static StreamTableEnvironment tables(StreamExecutionEnvironment env, List<Row> rows, String watermark) {
        StreamTableEnvironment t = StreamTableEnvironment.create(env);
        DataStream<Row> in = env.fromData(rows, new RowTypeInfo(Types.STRING, Types.INSTANT, Types.DOUBLE));
        Schema.Builder schema = Schema.newBuilder().column("f0", "STRING").column("f1", "TIMESTAMP_LTZ(3)")
                .column("f2", "DOUBLE");
        if (watermark != null) {
            schema.watermark("f1", watermark);
        }
        t.createTemporaryView("observations", t.fromDataStream(in, schema.build()).as("series", "ts", "reading"));
        t.createTemporarySystemFunction("forecast", ForecastTableFunction.class);
        return t;
    }

    private static List<Row> rows(List<Observation> events) {
        return events.stream().map(o -> Row.of(o.key, Instant.ofEpochMilli(o.ts), o.value))
                .collect(Collectors.toList());
    }

    private static List<Row> collect(StreamTableEnvironment t, String sql) throws Exception {
        List<Row> out = new ArrayList<>();
        try (CloseableIterator<Row> it = t.executeSql(sql).collect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private static Forecast forecastOf(Row r) {
        Forecast f = new Forecast(r.getFieldAs("series"), r.<Instant>getFieldAs("ts").toEpochMilli(),
                r.getFieldAs("value"), r.getFieldAs("forecast"), bound(r, "lower"), bound(r, "upper"),
                r.<Long>getFieldAs("events"), r.<Long>getFieldAs("updates"), r.getFieldAs("model"));
        f.anomaly = r.getFieldAs("anomaly");
        f.anomalous = r.getFieldAs("anomalous");
        f.anomalyStatus = r.getFieldAs("anomaly_status");
        return f;
    }

    /** A bound column as the DataStream operator's double: NULL (no interval yet) is NaN. */
    private static double bound(Row r, String column) {
        Double v = r.getFieldAs(column);
        return v == null ? Double.NaN : v;
    }

    private static Map<String, List<Forecast>> byKey(List<Forecast> forecasts) {
        Map<String, List<Forecast>> m = new TreeMap<>();
        forecasts.forEach(f -> m.computeIfAbsent(f.key, k -> new ArrayList<>()).add(f));
        return m;
    }

    private static final String CALL = "SELECT * FROM forecast(input => TABLE observations PARTITION BY series, "
            + "time_column => 'ts', value_column => 'reading', config => " + sqlMap(CONFIG) + ")";

    @Test
    void forecastsAndRefusalsEqualTheDataStreamOperatorsBitForBit() throws Exception {
        // out of order within the bound, late and repeated events, and a value the model cannot take
        List<Observation> events = new ArrayList<>(Fixtures.disordered(SampleData.generate(300)));
        events.add(500, new Observation("sensor-load", events.get(499).ts + 1, Double.NaN));

        StreamExecutionEnvironment direct = env();
        JobSettings settings = FunctionSettings.of(CONFIG).forReplay();
        ForecastTopology.Outputs out = ForecastTopology.build(direct.fromData(events), settings);
        List<Forecast> expected = new ArrayList<>();
        try (CloseableIterator<Forecast> it = out.forecasts.executeAndCollect("datastream")) {
            it.forEachRemaining(expected::add);
        }
        List<String> expectedRefusals = new ArrayList<>();
        StreamExecutionEnvironment again = env();
        ForecastTopology.Outputs out2 = ForecastTopology.build(again.fromData(events), settings);
        try (CloseableIterator<String> it = out2.deadLetters.map(d -> d.kind + "\t" + d.reason).returns(Types.STRING)
                .executeAndCollect("datastream refusals")) {
            it.forEachRemaining(expectedRefusals::add);
        }

        List<Row> rows = collect(tables(env(), rows(events), null), CALL);
        List<Forecast> forecasts = rows.stream().filter(r -> r.getField("refusal") == null)
                .map(ForecastTableFunctionITCase::forecastOf).collect(Collectors.toList());
        List<String> refusals = rows.stream().filter(r -> r.getField("refusal") != null)
                .map(r -> r.getField("refusal") + "\t" + r.getField("reason")).sorted().collect(Collectors.toList());

        assertEquals(4 * 300, expected.size());
        assertTrue(expected.stream().anyMatch(f -> f.anomalyStatus == null && f.anomaly > 0), "events scored");
        assertEquals(byKey(expected), byKey(forecasts));
        expectedRefusals.sort(null);
        assertEquals(4 * Fixtures.refusedPerKey(300) + 1, expectedRefusals.size());
        assertEquals(expectedRefusals, refusals);
    }

    @Test
    void withAHorizonTheStepsColumnHoldsEachStepsTimeForecastAndBoundsAsTheDataStreamOperatorsRecord()
            throws Exception {
        Map<String, String> config = new java.util.HashMap<>(CONFIG);
        config.put("forecast.horizon", "3");
        List<Observation> events = SampleData.generate(120);
        ForecastTopology.Outputs out = ForecastTopology.build(env().fromData(events),
                FunctionSettings.of(config).forReplay());
        Map<String, List<List<Object>>> expected = new TreeMap<>();
        try (CloseableIterator<Forecast> it = out.forecasts.executeAndCollect("datastream")) {
            it.forEachRemaining(f -> {
                List<List<Object>> steps = new ArrayList<>();
                for (int h = 1; h <= f.horizon(); h++) {
                    Long at = f.stepTime(h);
                    steps.add(java.util.Arrays.asList(h, at == null ? null : Instant.ofEpochMilli(at),
                            f.stepForecasts[h - 1], nullIfNaN(f.stepLowers[h - 1]), nullIfNaN(f.stepUppers[h - 1])));
                }
                expected.put(f.key + "@" + f.ts, steps);
            });
        }
        String call = "SELECT * FROM forecast(input => TABLE observations PARTITION BY series, "
                + "time_column => 'ts', value_column => 'reading', config => " + sqlMap(config) + ")";
        Map<String, List<List<Object>>> steps = new TreeMap<>();
        for (Row r : collect(tables(env(), rows(events), null), call)) {
            Row[] s = r.getFieldAs("steps");
            List<List<Object>> fields = new ArrayList<>();
            for (Row step : s) {
                assertEquals(List.of("h", "ts", "forecast", "lower", "upper"), List.copyOf(step.getFieldNames(true)));
                fields.add(java.util.Arrays.asList(step.getField("h"), step.getField("ts"), step.getField("forecast"),
                        step.getField("lower"), step.getField("upper")));
            }
            steps.put(r.getField("series") + "@" + r.<Instant>getFieldAs("ts").toEpochMilli(), fields);
            assertEquals(r.<Double>getFieldAs("forecast"), s[0].getField("forecast"));
            assertEquals(r.<Double>getFieldAs("lower"), s[0].getField("lower"));
        }
        assertEquals(4 * 120, expected.size());
        assertEquals(expected, steps);
        String first = events.get(0).key + "@" + events.get(0).ts;
        assertNull(steps.get(first).get(0).get(3), "no interval at a series' first row: " + steps.get(first));
        assertTrue(steps.values().stream().anyMatch(l -> l.get(2).get(1) != null), "times once there is a cadence");
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    @Test
    void nullNaNLateAndRepeatedRowsComeOutAsRefusalRowsWithTheirReasons() throws Exception {
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            in.add(Row.of("a", Instant.ofEpochMilli(10_000L * i), 1.0 + i % 3));
        }
        in.add(3, Row.of("a", Instant.ofEpochMilli(25_000), null));
        in.add(5, Row.of("a", Instant.ofEpochMilli(35_000), Double.NaN));
        in.add(12, Row.of("a", Instant.ofEpochMilli(10_000), 9.0)); // long after its time: late
        in.add(14, Row.of("a", Instant.ofEpochMilli(110_000), 9.0)); // a second row at 110 s
        in.add(Row.of(null, Instant.ofEpochMilli(5_000), 1.0));
        List<Row> out = collect(tables(env(), in, null), CALL);

        Map<String, Row> refusals = new TreeMap<>();
        for (Row r : out) {
            if (r.getField("refusal") != null) {
                refusals.put(r.getField("refusal") + " " + r.<Instant>getFieldAs("ts").toEpochMilli(), r);
                for (String column : List.of("forecast", "lower", "upper", "events", "updates", "model", "steps",
                        "anomaly", "anomalous", "anomaly_status")) {
                    assertNull(r.getField(column), column + " of a refusal");
                }
            }
        }
        assertEquals(List.of("duplicate 110000", "late 10000", "refused 25000", "refused 35000", "refused 5000"),
                new ArrayList<>(refusals.keySet()));
        assertEquals("the value column 'reading' is NULL", refusals.get("refused 25000").getField("reason"));
        assertNull(refusals.get("refused 25000").getField("value"));
        assertEquals("value must be a finite number, got NaN", refusals.get("refused 35000").getField("reason"));
        assertTrue(Double.isNaN(refusals.get("refused 35000").getFieldAs("value")));
        assertTrue(refusals.get("late 10000").<String>getFieldAs("reason")
                .startsWith("event time 10000 is before the key's last used event"));
        assertEquals("the series key (PARTITION BY) is NULL", refusals.get("refused 5000").getField("reason"));
        List<Row> forecasts = out.stream().filter(r -> r.getField("refusal") == null).collect(Collectors.toList());
        assertEquals(20, forecasts.size(), "every usable row is forecast from, once");
        assertEquals(20L, forecasts.get(19).<Long>getFieldAs("events"));
        assertEquals(List.of("series", "ts", "value", "forecast", "lower", "upper", "events", "updates", "model",
                "refusal", "reason", "steps", "anomaly", "anomalous", "anomaly_status"),
                List.of(out.get(0).getFieldNames(true).toArray()));
    }

    /**
     * With {@code on_time} the output gains Flink's {@code rowtime}, and a row at or behind the
     * watermark never reaches the function in Flink 2.2 (docs/sql.md, Time): where {@code time_column}
     * refuses it as late, it is simply gone. When a later Flink passes such rows on (FLINK-39436), this
     * test fails: the function then refuses them as late, and docs/sql.md should say so.
     */
    @Test
    void withOnTimeTheOutputHasRowtimeAndRowsBehindTheWatermarkNeverArrive() throws Exception {
        long hour = 3_600_000L;
        List<Row> in = new ArrayList<>();
        in.add(Row.of("quiet", Instant.ofEpochMilli(0), 1.0));
        for (int i = 0; i <= 30; i++) {
            in.add(Row.of("busy", Instant.ofEpochMilli(i * hour), Math.sin(i / 3.0)));
        }
        in.add(Row.of("busy", Instant.ofEpochMilli(2 * hour), 9.0)); // 28 hours behind the watermark
        String call = "SELECT * FROM forecast(input => TABLE observations PARTITION BY series, %s, "
                + "value_column => 'reading', config => " + sqlMap(CONFIG) + ")";

        List<Row> byTime = collect(tables(env(), in, null), String.format(call, "time_column => 'ts'"));
        // one task per operator: the watermark reaches the function on one channel, in order with the rows
        List<Row> onTime = collect(tables(env(1), in, "f1"), String.format(call, "on_time => DESCRIPTOR(ts)"));

        assertEquals(List.of("late"), byTime.stream().filter(r -> r.getField("refusal") != null)
                .map(r -> r.getField("refusal")).collect(Collectors.toList()));
        assertTrue(onTime.stream().allMatch(r -> r.getField("refusal") == null), "the late row never arrived");
        assertTrue(onTime.get(0).getFieldNames(true).contains("rowtime"));
        List<Forecast> expected = byTime.stream().filter(r -> r.getField("refusal") == null)
                .map(ForecastTableFunctionITCase::forecastOf).collect(Collectors.toList());
        assertEquals(byKey(expected), byKey(onTime.stream().map(ForecastTableFunctionITCase::forecastOf)
                .collect(Collectors.toList())), "the same forecasts, the quiet series' included");
    }

    private static final long T0 = 1_700_000_000_000L; // 2023-11-14T22:13:20Z
    private static final long HOUR = 3_600_000L;
    private static final long Y2150 = 5_680_281_600_000L;

    /** {@code rows} (series, ts as BIGINT, reading) as the view {@code observations}. */
    private static StreamTableEnvironment bigintTables(StreamExecutionEnvironment env, List<Row> rows) {
        StreamTableEnvironment t = StreamTableEnvironment.create(env);
        DataStream<Row> in = env.fromData(rows, new RowTypeInfo(Types.STRING, Types.LONG, Types.DOUBLE));
        t.createTemporaryView("observations", t.fromDataStream(in, Schema.newBuilder().column("f0", "STRING")
                .column("f1", "BIGINT").column("f2", "DOUBLE").build()).as("series", "ts", "reading"));
        t.createTemporarySystemFunction("forecast", ForecastTableFunction.class);
        return t;
    }

    private static String call(Map<String, String> extra) {
        Map<String, String> config = new TreeMap<>(CONFIG);
        config.putAll(extra);
        return "SELECT * FROM forecast(input => TABLE observations PARTITION BY series, time_column => 'ts', "
                + "value_column => 'reading', config => " + sqlMap(config) + ")";
    }

    private static Map<String, Row> refusalsByReading(List<Row> out) {
        Map<String, Row> m = new TreeMap<>();
        out.stream().filter(r -> r.getField("refusal") != null).forEach(r -> m.put(r.getField("series") + " "
                + r.getField("value"), r));
        return m;
    }

    private static Map<String, List<Forecast>> forecastsByKey(List<Row> out) {
        return byKey(out.stream().filter(r -> r.getField("refusal") == null)
                .map(ForecastTableFunctionITCase::forecastOf).collect(Collectors.toList()));
    }

    /**
     * One series per hostile BIGINT time, each a single row, under each events.time-unit: read in the
     * configured unit, or refused with the reason every input path gives, never guessed.
     */
    @Test
    void bigintTimesAreReadInTheConfiguredUnitAndEveryOtherMagnitudeIsARefusedRow() throws Exception {
        List<HostileTimes.Case> cases = HostileTimes.INTEGERS;
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            in.add(Row.of("t" + i, cases.get(i).value(), (double) i));
        }
        for (EpochUnit unit : EpochUnit.values()) {
            List<Row> out = collect(bigintTables(env(), in), call(Map.of("events.time-unit", unit.label())));
            assertEquals(cases.size(), out.size(), "one row out per row in, under " + unit.label());
            for (Row r : out) {
                HostileTimes.Case c = cases.get(Integer.parseInt(r.<String>getFieldAs("series").substring(1)));
                String what = c.value() + " under " + unit.label() + ": " + r;
                if (c.read(unit) != null) {
                    assertNull(r.getField("refusal"), what);
                    assertEquals(c.read(unit), r.getField("ts"), what);
                } else {
                    assertEquals("refused", r.getField("refusal"), what);
                    assertTrue(r.<String>getFieldAs("reason").contains(c.under(unit)), what);
                    assertNull(r.getField("ts"), "a refused time is not made up: " + what);
                }
            }
        }
    }

    /** Series a: hourly, with a microsecond time (year 55969) and a time in 2150 among its rows; c starts in 2150. */
    private static List<Row> hostileSeries(boolean hostile) {
        List<Row> in = new ArrayList<>();
        if (hostile) {
            in.add(Row.of("c", Y2150, -1.0));
        }
        for (int i = 0; i < 40; i++) {
            for (String key : List.of("a", "b", "c")) {
                in.add(Row.of(key, T0 + i * HOUR, key.length() * 10 + Math.sin(i / 3.0)));
            }
            if (hostile && i == 10) {
                in.add(Row.of("a", (T0 + 11 * HOUR) * 1000, -2.0));
            }
            if (hostile && i == 20) {
                in.add(Row.of("a", Y2150, -3.0));
            }
        }
        return in;
    }

    /**
     * The issue's case: a bad time among a series' rows no longer ends the series. The microsecond time
     * is refused by the range, the time in 2150 by the far-future rule once the series' next row does
     * not follow it, a series whose first row is in 2150 recovers the same way, and every series'
     * forecasts are those of the input without the bad rows, bit for bit, with or without reordering.
     */
    @Test
    void aBadTimeAmongASeriesRowsIsRefusedAndTheRowsAfterItForecastAsIfItHadNeverCome() throws Exception {
        for (String bound : List.of("0s", "5s")) {
            Map<String, String> config = Map.of("events.max-out-of-orderness", bound);
            List<Row> clean = collect(bigintTables(env(), hostileSeries(false)), call(config));
            List<Row> hostile = collect(bigintTables(env(), hostileSeries(true)), call(config));
            assertEquals(3 * 40, forecastsByKey(clean).values().stream().mapToInt(List::size).sum());
            assertEquals(forecastsByKey(clean), forecastsByKey(hostile), "bound " + bound);
            Map<String, Row> refused = refusalsByReading(hostile);
            assertEquals(List.of("a -2.0", "a -3.0", "c -1.0"), new ArrayList<>(refused.keySet()));
            assertEquals("refused", refused.get("a -2.0").getField("refusal"));
            assertTrue(refused.get("a -2.0").<String>getFieldAs("reason").startsWith("timestamp out of range: "
                    + (T0 + 11 * HOUR) * 1000 + " (epoch milliseconds, +55"), refused.get("a -2.0").toString());
            assertEquals("future", refused.get("a -3.0").getField("refusal"));
            assertEquals(Instant.ofEpochMilli(Y2150), refused.get("a -3.0").getField("ts"));
            assertEquals("event time 2150-01-01T00:00:00Z is more than events.max-future = 1d after the key's newest "
                    + "event time 2023-11-15T18:13:20Z, and the key's next event, at 2023-11-15T19:13:20Z, did not "
                    + "follow it", refused.get("a -3.0").getField("reason"));
            assertEquals("future", refused.get("c -1.0").getField("refusal"));
            assertTrue(refused.get("c -1.0").<String>getFieldAs("reason").endsWith("(it was the key's first event)"));
        }
    }

    /** A sensor off for a week, weekly data, weekdays only: nothing refused, every forecast as with the rule off. */
    @Test
    void legitimateGapsAreNeverRefused() throws Exception {
        long day = 24 * HOUR;
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            in.add(Row.of("week-off", T0 + i * HOUR + (i >= 15 ? 7 * day : 0), Math.sin(i / 2.0)));
            in.add(Row.of("weekly", T0 + i * 7 * day, Math.cos(i / 2.0)));
            if (i % 7 < 5) {
                in.add(Row.of("weekdays", T0 + i * day, 5 + Math.sin(i)));
            }
        }
        List<Row> ruled = collect(bigintTables(env(), in), call(Map.of("events.max-out-of-orderness", "0s")));
        List<Row> off = collect(bigintTables(env(), in), call(Map.of("events.max-out-of-orderness", "0s",
                "events.max-future", "none")));
        assertEquals(Map.of(), refusalsByReading(ruled));
        assertEquals(in.size(), ruled.size());
        assertEquals(forecastsByKey(off), forecastsByKey(ruled));
    }
}
