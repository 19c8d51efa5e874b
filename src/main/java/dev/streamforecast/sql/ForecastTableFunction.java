package dev.streamforecast.sql;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.EpochUnit;
import dev.streamforecast.io.Timestamps;
import dev.streamforecast.io.UserError;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.stream.ForecastCore;
import dev.streamforecast.stream.KeyRecord;
import dev.streamforecast.stream.SeriesStateSerializer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.dataview.MapView;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ProcessTableFunction;
import org.apache.flink.table.functions.TableSemantics;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.StateTypeStrategy;
import org.apache.flink.table.types.inference.StaticArgument;
import org.apache.flink.table.types.inference.StaticArgumentTrait;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.table.types.inference.TypeStrategies;
import org.apache.flink.types.Row;

/**
 * {@code FORECAST}: the forecaster as a SQL process table function. Each partition (one series) is
 * one key of the DataStream job: the same {@link ForecastCore} orders its rows by the series' own
 * clock, forecasts the next value, learns and emits, with its state in the same serialized form.
 *
 * <pre>{@code
 * SELECT * FROM FORECAST(
 *     input => TABLE observations PARTITION BY series,
 *     time_column => 'ts',                       -- or on_time => DESCRIPTOR(ts), for a watermarked column
 *     value_column => 'reading',
 *     config => MAP['model.hidden', '16'],
 *     uid => 'forecast-v1')
 * }</pre>
 *
 * <p>Output, after the PARTITION BY columns that Flink puts first: {@code ts} (the event time of the
 * row the forecast follows), {@code value}, {@code forecast} (the series' next value), {@code lower},
 * {@code upper}, {@code events}, {@code updates}, {@code model}; a row the forecaster refuses comes out
 * as a row of its own, with its {@code ts} and {@code value}, the forecast columns NULL and
 * {@code refusal} (late, duplicate, future, refused) and {@code reason} set; a held row the series' next
 * row refutes ({@link dev.streamforecast.stream.KeyOrder}) comes out so when that next row arrives.
 * {@code lower} and {@code upper} are NULL while the series' interval has no scale. {@code steps} holds
 * steps 1..H with {@code forecast.horizon} H above 1, each a row {@code (h, ts, forecast, lower, upper)} as
 * in the forecast JSON (step 1's forecast is {@code forecast}), NULL with one step.
 * {@code anomaly} scores the row's value against the forecast made for it, {@code anomalous} flags it at
 * {@code anomaly.threshold} and {@code anomaly_status} says why a score of 0 is none ({@code warming-up},
 * {@code reset}; NULL when scored), all three NULL in a refusal. With {@code on_time}, Flink adds
 * {@code rowtime}.
 *
 * <p>Time: only event-time timers exist here. A series' waiting rows are used when its own newer rows
 * move its clock past them (as in the DataStream job), when the input's watermark is
 * {@code events.max-wait} past the series' newest row (where the DataStream job counts wall-clock
 * silence), and at the end of a bounded input. docs/sql.md compares the two.
 */
public class ForecastTableFunction extends ProcessTableFunction<Row> {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ForecastTableFunction.class);

    /** The arguments, by the names a call uses. */
    static final String INPUT = "input";
    static final String TIME_COLUMN = "time_column";
    static final String VALUE_COLUMN = "value_column";
    static final String CONFIG = "config";
    /** The column read as the value when a call names none. */
    static final String DEFAULT_VALUE_COLUMN = "value";
    /** The event-time timer that releases a silent series' waiting rows. */
    static final String RELEASE = "release";

    private transient MetricGroup metrics;
    private transient TableKeyState keyState;
    private transient Map<String, String> coreConfig;
    private transient ForecastCore core;
    /** How the call's integer times are read ({@code events.time-unit} of its config). */
    private transient EpochUnit timeUnit;
    private transient Columns columns;
    private transient ForecastCore.Output output;
    /** The row being handled, for its refusal: its event, its time (NULL if refused) and value as given. */
    private transient Observation row;
    private transient Instant rowTime;
    private transient Object rowValue;

    @Override
    public void open(FunctionContext context) {
        metrics = context.getMetricGroup().addGroup("forecaster");
        keyState = new TableKeyState();
        output = new Rows();
    }

    /** Takes one row of a series: refuses it, or orders, forecasts, learns and emits. */
    public void eval(Context ctx, MapView<Integer, KeyRecord> series, MapView<Integer, SeriesState> weights,
            MapView<Integer, SeriesState> moments, MapView<Long, Observation> pending,
            MapView<Integer, String> settings, Row input, String timeColumn, String valueColumn,
            Map<String, String> config) throws Exception {
        ForecastCore c = core(config);
        Columns cols = columns(ctx.tableSemanticsFor(INPUT), timeColumn, valueColumn, c);
        TimeContext<Long> time = ctx.timeContext(Long.class);
        Long ts;
        String badTime = null;
        try {
            ts = cols.time < 0 ? (Long) Timestamps.checkRange(time.time()) : millis(input.getField(cols.time), timeUnit);
        } catch (IllegalArgumentException e) {
            ts = null;
            badTime = e.getMessage();
        }
        rowTime = ts == null ? null : Instant.ofEpochMilli(ts);
        rowValue = input.getField(cols.value);
        Observation obs = new Observation(cols.key(input), ts == null ? 0 : ts, number(rowValue),
                new double[cols.features.length]);
        row = obs;
        String missing = badTime != null ? badTime : cols.missing(input, obs, ts);
        if (missing != null) {
            c.refuse(obs, missing, output);
            return;
        }
        keyState.bind(series, weights, moments, pending, settings);
        // nothing vets a row's time (the rowtime is its own): the series' first row waits for its second
        KeyRecord r = c.accept(obs, KeyRecord.NONE, keyState, output);
        if (r == null) {
            return;
        }
        schedule(r, time, c);
        keyState.putRecord(r);
    }

    /** The {@link #RELEASE} timer: the watermark says the series has been silent for a while, or the input ended. */
    public void onTimer(OnTimerContext ctx, MapView<Integer, KeyRecord> series,
            MapView<Integer, SeriesState> weights, MapView<Integer, SeriesState> moments,
            MapView<Long, Observation> pending, MapView<Integer, String> settings) throws Exception {
        keyState.bind(series, weights, moments, pending, settings);
        KeyRecord r = keyState.record();
        if (r == null) {
            return;
        }
        // after a restore, a timer can fire before this subtask has seen a row and with it the call's config
        Map<String, String> stored = core == null ? keyState.madeUnder() : null;
        ForecastCore c = core != null ? core : core(stored == null ? Map.of() : stored);
        TimeContext<Long> time = ctx.timeContext(Long.class);
        r.flushTimer = KeyRecord.NONE;
        Long watermark = time.currentWatermark();
        if (watermark != null && watermark == Long.MAX_VALUE) {
            c.finish(r, keyState, output);
        } else if (r.waitingCount() > 0 && watermark != null && watermark >= releaseTime(r, c)) {
            c.flush(r, keyState, output);
        }
        schedule(r, time, c);
        keyState.putRecord(r);
    }

    /**
     * Registers the key's {@link #RELEASE} timer, once per wait: while rows wait, at their release time;
     * while only a held row is kept, at the end of the input (silence decides nothing about it).
     */
    private static void schedule(KeyRecord r, TimeContext<Long> time, ForecastCore c) {
        if (r.waitingCount() == 0 && r.held == null) {
            return;
        }
        long due = r.waitingCount() > 0 ? releaseTime(r, c) : Long.MAX_VALUE;
        if (r.flushTimer == KeyRecord.NONE || r.flushTimer == Long.MAX_VALUE && due != Long.MAX_VALUE) {
            r.flushTimer = due;
            time.registerOnTime(RELEASE, due);
        }
    }

    /** When the watermark says the key has been silent for {@code events.max-wait}: its clock plus the wait. */
    private static long releaseTime(KeyRecord r, ForecastCore c) {
        long wait = c.settings().maxWait.toMillis();
        return r.clock > Long.MAX_VALUE - wait ? Long.MAX_VALUE : r.clock + wait;
    }

    /**
     * Steps 1..H after {@code f} as rows of {@link #STEP}, as the forecast JSON's {@code steps}: each step's
     * expected time (NULL without a cadence), forecast and bounds; null with one step (forecast.horizon).
     */
    private static Row[] steps(Forecast f) {
        if (f.stepForecasts == null) {
            return null;
        }
        Row[] out = new Row[f.stepForecasts.length];
        for (int h = 1; h <= out.length; h++) {
            Long at = f.stepTime(h);
            out[h - 1] = Row.of(h, at == null ? null : Instant.ofEpochMilli(at), f.stepForecasts[h - 1],
                    bound(f.stepLowers[h - 1]), bound(f.stepUppers[h - 1]));
        }
        return out;
    }

    /** An interval's bound, NULL while the key's interval has no scale (NaN). */
    private static Double bound(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** Forecasts and refusals as rows of {@link #OUTPUT}. */
    private final class Rows implements ForecastCore.Output {
        @Override
        public void forecast(Forecast f) {
            collect(Row.of(Instant.ofEpochMilli(f.ts), f.value, f.forecast, bound(f.lower), bound(f.upper), f.events,
                    f.updates, f.modelId, null, null, steps(f), f.anomaly, f.anomalous, f.anomalyStatus));
        }

        /** {@code obs} is the row being handled, or a held row its successor refuted: that row's time and value. */
        @Override
        public void refused(Observation obs, DeadLetter letter) {
            boolean current = obs == row;
            collect(Row.of(current ? rowTime : Instant.ofEpochMilli(obs.ts),
                    current && rowValue == null ? null : obs.value, null, null, null, null, null, null,
                    letter.kind, letter.reason, null, null, null, null));
        }
    }

    /** The core for a call's config, made again only if the config changes. */
    private ForecastCore core(Map<String, String> config) {
        Map<String, String> given = config == null ? Map.of() : config;
        if (core == null || !given.equals(coreConfig)) {
            ForecastCore c = new ForecastCore(FunctionSettings.of(given), metrics);
            if (core != null) {
                LOG.info("FORECAST: the config changed; settings now {}", given);
            }
            core = c;
            timeUnit = FunctionSettings.timeUnit(given);
            coreConfig = new HashMap<>(given);
            keyState.storeUnder(TableKeyState.text(given));
            columns = null;
        }
        return core;
    }

    private Columns columns(TableSemantics table, String timeColumn, String valueColumn, ForecastCore c) {
        String name = valueColumn == null ? DEFAULT_VALUE_COLUMN : valueColumn;
        if (columns == null || !columns.valueName.equals(name) || !Objects.equals(columns.timeName, timeColumn)) {
            columns = new Columns(table, timeColumn, name, c.settings().model.features);
        }
        return columns;
    }

    /**
     * Epoch milliseconds of a time column's value (TIMESTAMP_LTZ, TIMESTAMP read as UTC, or BIGINT in
     * {@code unit}), or null; a time the inputs' rules refuse ({@link Timestamps}) throws, saying why.
     */
    private static Long millis(Object t, EpochUnit unit) {
        if (t instanceof Instant) {
            return Timestamps.checkRange(((Instant) t).toEpochMilli());
        }
        if (t instanceof LocalDateTime) {
            return Timestamps.checkRange(((LocalDateTime) t).toInstant(ZoneOffset.UTC).toEpochMilli());
        }
        return t == null ? null : Timestamps.fromEpoch(((Number) t).longValue(), unit);
    }

    private static double number(Object v) {
        return v instanceof Number ? ((Number) v).doubleValue() : Double.NaN;
    }

    /** Where a row's key, value and covariates are: found once by name in the input's columns. */
    private static final class Columns {
        final String timeName;
        final String valueName;
        /** The time column's position, or -1 when the time is the call's on_time. */
        final int time;
        final int value;
        final int[] key;
        final int[] features;
        final List<String> featureNames;

        Columns(TableSemantics table, String timeName, String valueName, List<String> featureNames) {
            List<String> names = DataType.getFieldNames(table.dataType());
            List<DataType> types = DataType.getFieldDataTypes(table.dataType());
            this.timeName = timeName;
            this.time = time(table, names, types, timeName);
            this.valueName = valueName;
            this.featureNames = featureNames;
            this.value = numeric(names, types, valueName, VALUE_COLUMN);
            this.key = table.partitionByColumns();
            this.features = new int[featureNames.size()];
            for (int i = 0; i < features.length; i++) {
                features[i] = numeric(names, types, featureNames.get(i), "model.features");
            }
        }

        private static int time(TableSemantics table, List<String> names, List<DataType> types, String name) {
            if (table.timeColumn() >= 0) {
                if (name != null && !name.equals(names.get(table.timeColumn()))) {
                    throw new UserError("FORECAST: on_time is '" + names.get(table.timeColumn()) + "' but "
                            + TIME_COLUMN + " is '" + name + "'; give one of them");
                }
                return -1;
            }
            if (name == null) {
                throw new UserError("FORECAST needs the rows' event time: give " + TIME_COLUMN + " => 'ts' (any "
                        + "TIMESTAMP_LTZ, TIMESTAMP or BIGINT column), or on_time => DESCRIPTOR(ts) for a column "
                        + "with a watermark (see docs/sql.md)");
            }
            int i = names.indexOf(name);
            Class<?> c = i < 0 ? null : types.get(i).getConversionClass();
            if (c != Instant.class && c != LocalDateTime.class && c != Long.class) {
                throw new UserError("FORECAST: " + TIME_COLUMN + " '" + name + "' " + (i < 0
                        ? "is not a column of the input; its columns are " + names
                        : "is " + types.get(i) + "; it must be TIMESTAMP_LTZ, TIMESTAMP or BIGINT (epoch milliseconds, or "
                        + "seconds with events.time-unit=s)"));
            }
            return i;
        }

        private static int numeric(List<String> names, List<DataType> types, String name, String where) {
            int i = names.indexOf(name);
            if (i < 0) {
                throw new UserError("FORECAST: the input has no column '" + name + "' (named by " + where
                        + "); its columns are " + names);
            }
            Class<?> c = types.get(i).getConversionClass();
            if (!Number.class.isAssignableFrom(c)) {
                throw new UserError("FORECAST: column '" + name + "' (named by " + where + ") is "
                        + types.get(i) + "; it must be numeric, such as DOUBLE");
            }
            return i;
        }

        /** The series key: the PARTITION BY column's text, or the columns' joined by '/'. */
        String key(Row row) {
            if (key.length == 1) {
                Object k = row.getField(key[0]);
                return k == null ? null : k.toString();
            }
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < key.length; i++) {
                Object k = row.getField(key[i]);
                if (k == null) {
                    return null;
                }
                b.append(i > 0 ? "/" : "").append(k);
            }
            return b.toString();
        }

        /** Fills {@code obs}'s covariates and says which field the model cannot do without, or null. */
        String missing(Row row, Observation obs, Long ts) {
            if (obs.key == null) {
                return "the series key (PARTITION BY) is NULL";
            }
            if (ts == null) {
                return "the time column '" + timeName + "' is NULL";
            }
            if (row.getField(value) == null) {
                return "the value column '" + valueName + "' is NULL";
            }
            for (int i = 0; i < features.length; i++) {
                Object f = row.getField(features[i]);
                if (f == null) {
                    return "the covariate column '" + featureNames.get(i) + "' is NULL";
                }
                obs.features[i] = number(f);
            }
            return null;
        }
    }

    @Override
    public TypeInference getTypeInference(DataTypeFactory typeFactory) {
        LinkedHashMap<String, StateTypeStrategy> state = new LinkedHashMap<>();
        state.put("series", kept(MapView.newMapViewDataType(DataTypes.INT().notNull(),
                DataTypes.RAW(KeyRecord.class, new SeriesStateSerializer.UnshapedRecords()))));
        state.put("weights", kept(MapView.newMapViewDataType(DataTypes.INT().notNull(),
                DataTypes.RAW(SeriesState.class, new SeriesStateSerializer.Weights()))));
        state.put("moments", kept(MapView.newMapViewDataType(DataTypes.INT().notNull(),
                DataTypes.RAW(SeriesState.class, new SeriesStateSerializer.Moments()))));
        TypeSerializer<Observation> events = TypeInformation.of(Observation.class)
                .createSerializer(new SerializerConfigImpl());
        state.put("pending", kept(MapView.newMapViewDataType(DataTypes.BIGINT().notNull(),
                DataTypes.RAW(Observation.class, events))));
        state.put("settings", kept(MapView.newMapViewDataType(DataTypes.INT().notNull(), DataTypes.STRING())));
        return TypeInference.newBuilder()
                .staticArguments(
                        StaticArgument.table(INPUT, Row.class, false,
                                EnumSet.of(StaticArgumentTrait.SET_SEMANTIC_TABLE)),
                        StaticArgument.scalar(TIME_COLUMN, DataTypes.STRING(), true),
                        StaticArgument.scalar(VALUE_COLUMN, DataTypes.STRING(), true),
                        StaticArgument.scalar(CONFIG, DataTypes.MAP(DataTypes.STRING(), DataTypes.STRING()), true))
                .stateTypeStrategies(state)
                .outputTypeStrategy(TypeStrategies.explicit(OUTPUT))
                .build();
    }

    /** A state entry without time-to-live, whatever {@code table.exec.state.ttl} says: a model must not lose a part. */
    private static StateTypeStrategy kept(DataType type) {
        return StateTypeStrategy.of(TypeStrategies.explicit(type), Duration.ZERO);
    }

    /** One step of the {@code steps} column: the forecast JSON's step, its time as a timestamp. */
    static final DataType STEP = DataTypes.ROW(
            DataTypes.FIELD("h", DataTypes.INT()),
            DataTypes.FIELD("ts", DataTypes.TIMESTAMP_LTZ(3)),
            DataTypes.FIELD("forecast", DataTypes.DOUBLE()),
            DataTypes.FIELD("lower", DataTypes.DOUBLE()),
            DataTypes.FIELD("upper", DataTypes.DOUBLE()));

    /** The function's own columns, in order. */
    static final DataType OUTPUT = DataTypes.ROW(
            DataTypes.FIELD("ts", DataTypes.TIMESTAMP_LTZ(3)),
            DataTypes.FIELD("value", DataTypes.DOUBLE()),
            DataTypes.FIELD("forecast", DataTypes.DOUBLE()),
            DataTypes.FIELD("lower", DataTypes.DOUBLE()),
            DataTypes.FIELD("upper", DataTypes.DOUBLE()),
            DataTypes.FIELD("events", DataTypes.BIGINT()),
            DataTypes.FIELD("updates", DataTypes.BIGINT()),
            DataTypes.FIELD("model", DataTypes.STRING()),
            DataTypes.FIELD("refusal", DataTypes.STRING()),
            DataTypes.FIELD("reason", DataTypes.STRING()),
            DataTypes.FIELD("steps", DataTypes.ARRAY(STEP)),
            DataTypes.FIELD("anomaly", DataTypes.DOUBLE()),
            DataTypes.FIELD("anomalous", DataTypes.BOOLEAN()),
            DataTypes.FIELD("anomaly_status", DataTypes.STRING()));
}
