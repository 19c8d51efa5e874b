package dev.streamforecast.stream;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.ModelSnapshot;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.ModelJson;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The per-key forecaster: for each event, in event-time order, forecast the key's next value, emit it,
 * then learn.
 *
 * <p>With a positive out-of-orderness bound, events wait in keyed state until the watermark passes
 * them, so the model sees each key's events sorted by time; events the watermark has already passed,
 * and repeats of a timestamp, go to the dead-letter output with the reason. With a zero bound events are
 * used on arrival and anything not newer than the key's last event is late. Learning is triggered only
 * by event counts inside the model, never by timers or wall-clock time, so replaying the same input
 * gives the same forecasts bit for bit. Event-time timers serve only ordering and idle-key expiry.
 *
 * <p>A key's state is kept in three parts that change at different rates: a {@link KeyRecord} (the
 * model's per-event part and the key's event-time bookkeeping) written by every event, the weights
 * read by every event and written when the key learns, and the optimiser moments touched only when it
 * learns. A backend that serialises on access (RocksDB, ForSt) then moves a few kilobytes per event
 * instead of the whole model. On the heap backend the three states hold one object, so an event costs
 * one state lookup; a part missing from the record (after a restore, under a copy-on-write snapshot,
 * or always on RocksDB) is attached from its own state, never from a reference kept elsewhere.
 */
public class ForecastFunction extends KeyedProcessFunction<String, Observation, Forecast> {
    private static final long serialVersionUID = 1L;
    /** Decay of the running forecast-error gauges, per event. */
    private static final double ERROR_DECAY = 0.01;

    /** The timer of the end of a bounded input: the final watermark reaches it, nothing else does. */
    private static final long END_OF_INPUT = Long.MAX_VALUE;

    private final JobSettings settings;
    private final OutputTag<DeadLetter> deadLetters;
    private final OutputTag<ModelSnapshot> models;

    private transient OnlineForecaster forecaster;
    private transient SeriesState warmStart;
    private transient Prediction prediction;
    private transient String modelId;
    private transient ValueState<KeyRecord> records;
    private transient ValueState<SeriesState> weights;
    private transient ValueState<SeriesState> moments;
    private transient MapState<Long, Observation> pending;

    private transient Counter eventsIn;
    private transient Counter forecastsOut;
    private transient Counter late;
    private transient Counter duplicates;
    private transient Counter updates;
    private transient Counter refused;
    private transient long keysCreated;
    private transient long keysExpired;
    private transient Histogram updateNanos;
    private transient double errorModel;
    private transient double errorPersistence;

    public ForecastFunction(JobSettings settings, OutputTag<DeadLetter> deadLetters,
            OutputTag<ModelSnapshot> models) {
        this.settings = settings;
        this.deadLetters = deadLetters;
        this.models = models;
    }

    /** Keyed states per key: the record, the weights and the moments (and events waiting for order). */
    public static final int STATES_PER_KEY = 3;

    @Override
    public void open(OpenContext openContext) {
        forecaster = new OnlineForecaster(settings.model);
        prediction = new Prediction();
        modelId = settings.model.id();
        if (settings.warmStartModelJson != null) {
            ModelJson.Model warm = ModelJson.read(settings.warmStartModelJson);
            warmStart = forecaster.newState(warm.state);
        }
        records = getRuntimeContext().getState(new ValueStateDescriptor<>("series", SeriesStateSerializer.RECORDS));
        weights = getRuntimeContext().getState(new ValueStateDescriptor<>("weights", SeriesStateSerializer.WEIGHTS));
        moments = getRuntimeContext().getState(new ValueStateDescriptor<>("moments", SeriesStateSerializer.MOMENTS));
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                TypeInformation.of(Observation.class)));

        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup("forecaster");
        eventsIn = g.counter("eventsIn");
        forecastsOut = g.counter("forecastsOut");
        late = g.counter("lateEvents");
        duplicates = g.counter("duplicateEvents");
        updates = g.counter("trainingUpdates");
        refused = g.counter("refusedEvents");
        g.gauge("keysWithState", () -> keysCreated - keysExpired);
        updateNanos = g.histogram("updateLatencyNanos", new DescriptiveStatisticsHistogram(1000));
        g.gauge("ewmaAbsErrorModel", () -> errorModel);
        g.gauge("ewmaAbsErrorPersistence", () -> errorPersistence);
    }

    @Override
    public void processElement(Observation obs, Context ctx, Collector<Forecast> out) throws Exception {
        eventsIn.inc();
        KeyRecord record = records.value();
        if (record != null && obs.ts <= record.lastTs) {
            reject(ctx, obs, record.lastTs);
            return;
        }
        if (settings.maxOutOfOrderness.isZero()) {
            process(obs, record, ctx, out);
            return;
        }
        long watermark = ctx.timerService().currentWatermark();
        if (obs.ts <= watermark) {
            late.inc();
            ctx.output(deadLetters, DeadLetter.ofText(obs.origin, DeadLetter.LATE, "event time " + obs.ts + " is behind the watermark "
                    + watermark + " (max out-of-orderness " + settings.maxOutOfOrderness.toMillis() + " ms)",
                    describe(obs)));
            return;
        }
        if (pending.contains(obs.ts)) {
            duplicate(ctx, obs);
            return;
        }
        pending.put(obs.ts, obs);
        ctx.timerService().registerEventTimeTimer(obs.ts);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Forecast> out) throws Exception {
        // read once: RocksDB and ForSt deserialise on every read
        KeyRecord record = records.value();
        if (timestamp == END_OF_INPUT && settings.exportModels && record != null) {
            SeriesState s = attach(attach(record.model, SeriesState.Part.WEIGHTS), SeriesState.Part.MOMENTS);
            ctx.output(models, new ModelSnapshot(ctx.getCurrentKey(),
                    ModelJson.write(settings.model, s, ctx.getCurrentKey())));
        }
        Observation obs = pending.get(timestamp);
        if (obs != null) {
            pending.remove(timestamp);
            record = process(obs, record, ctx, out);
        }
        if (record != null && record.expiryTimer == timestamp) {
            expireIfIdle(record, timestamp, ctx);
        }
    }

    /**
     * The key's expiry timer fired: its state goes if no event came within the retention and none is
     * waiting; otherwise the timer moves to the last event's time plus the retention. One timer per
     * retention period, rather than a delete and a register for every event.
     */
    private void expireIfIdle(KeyRecord record, long timestamp, Context ctx) throws Exception {
        record.expiryTimer = KeyRecord.NO_TIMER;
        long idleAt = record.lastTs + settings.idleStateRetention.toMillis();
        if (idleAt <= timestamp && pending.isEmpty()) {
            records.clear();
            weights.clear();
            moments.clear();
            keysExpired++;
            return;
        }
        if (idleAt > timestamp) {
            record.expiryTimer = idleAt;
            ctx.timerService().registerEventTimeTimer(idleAt);
        }
        // otherwise events are waiting; the next one processed registers a new timer
        records.update(record);
    }

    /** {@code s} with {@code part} attached from its own keyed state if it does not hold it yet. */
    private SeriesState attach(SeriesState s, SeriesState.Part part) throws Exception {
        if (!s.has(part)) {
            SeriesState stored = (part == SeriesState.Part.WEIGHTS ? weights : moments).value();
            if (stored == null) {
                throw new IllegalStateException("key state has no " + part + " part");
            }
            s.adopt(part, stored);
        }
        return s;
    }

    /** Forecasts and learns from {@code obs}; returns the key's record as stored now ({@code existing} if refused). */
    private KeyRecord process(Observation obs, KeyRecord existing, Context ctx, Collector<Forecast> out)
            throws Exception {
        KeyRecord record = existing;
        SeriesState s;
        if (record == null) {
            s = warmStart != null ? warmStart.copy() : forecaster.newState(ctx.getCurrentKey());
            record = new KeyRecord(s);
            if (settings.exportModels) {
                ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
            }
        } else {
            s = attach(record.model, SeriesState.Part.WEIGHTS);
            if (forecaster.trainsNext(s)) {
                attach(s, SeriesState.Part.MOMENTS);
            }
        }
        double previousForecast = s.lastForecast;
        double previousValue = s.lastValue;
        boolean hadHistory = s.events > 0;
        long start = System.nanoTime();
        try {
            forecaster.observe(s, obs.value, obs.features, prediction);
        } catch (IllegalArgumentException e) {
            // the model refused the event and left the state untouched: nothing to store
            refused.inc();
            ctx.output(deadLetters, DeadLetter.ofText(obs.origin, DeadLetter.REFUSED, e.getMessage(), describe(obs)));
            return existing;
        }
        if (prediction.trained) {
            updates.inc();
            updateNanos.update(System.nanoTime() - start);
        }
        if (hadHistory && Double.isFinite(previousForecast)) {
            errorModel += ERROR_DECAY * (Math.abs(obs.value - previousForecast) - errorModel);
            errorPersistence += ERROR_DECAY * (Math.abs(obs.value - previousValue) - errorPersistence);
        }
        record.lastTs = obs.ts;
        if (!settings.idleStateRetention.isZero() && record.expiryTimer == KeyRecord.NO_TIMER) {
            record.expiryTimer = obs.ts + settings.idleStateRetention.toMillis();
            ctx.timerService().registerEventTimeTimer(record.expiryTimer);
        }
        records.update(record);
        if (existing == null || prediction.trained) {
            weights.update(s);
            moments.update(s);
        }
        if (existing == null) {
            keysCreated++;
        }
        out.collect(new Forecast(obs.key, obs.ts, obs.value, prediction.forecast, prediction.lower,
                prediction.upper, s.events, s.updates, modelId));
        forecastsOut.inc();
        return record;
    }

    private void reject(Context ctx, Observation obs, long last) {
        if (obs.ts == last) {
            duplicate(ctx, obs);
        } else {
            late.inc();
            ctx.output(deadLetters, DeadLetter.ofText(obs.origin, DeadLetter.LATE, "event time " + obs.ts
                    + " is not after the key's last processed event " + last, describe(obs)));
        }
    }

    private void duplicate(Context ctx, Observation obs) {
        duplicates.inc();
        ctx.output(deadLetters, DeadLetter.ofText(obs.origin, DeadLetter.DUPLICATE, "an event with key '" + obs.key
                + "' and event time " + obs.ts + " was already taken", describe(obs)));
    }

    private static String describe(Observation obs) {
        StringBuilder b = new StringBuilder("{\"key\":\"").append(obs.key.replace("\"", "\\\""))
                .append("\",\"ts\":").append(obs.ts).append(",\"value\":").append(obs.value);
        if (obs.features != null && obs.features.length > 0) {
            b.append(",\"features\":").append(java.util.Arrays.toString(obs.features));
        }
        return b.append('}').toString();
    }
}
