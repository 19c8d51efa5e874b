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
    private transient ValueState<SeriesState> model;
    private transient MapState<Long, Observation> pending;
    private transient ValueState<Long> lastTs;
    private transient ValueState<Long> expiry;

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

    /** The keyed state descriptor of the model, shared with tests that count state entries. */
    public static ValueStateDescriptor<SeriesState> modelDescriptor() {
        return new ValueStateDescriptor<>("model", SeriesStateSerializer.INSTANCE);
    }

    @Override
    public void open(OpenContext openContext) {
        forecaster = new OnlineForecaster(settings.model);
        prediction = new Prediction();
        modelId = settings.model.id();
        if (settings.warmStartModelJson != null) {
            ModelJson.Model warm = ModelJson.read(settings.warmStartModelJson);
            warmStart = forecaster.newState(warm.state);
        }
        model = getRuntimeContext().getState(modelDescriptor());
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                TypeInformation.of(Observation.class)));
        lastTs = getRuntimeContext().getState(new ValueStateDescriptor<>("last-ts", Types.LONG));
        expiry = getRuntimeContext().getState(new ValueStateDescriptor<>("expiry", Types.LONG));

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
        Long last = lastTs.value();
        if (last != null && obs.ts <= last) {
            reject(ctx, obs, last);
            return;
        }
        if (settings.maxOutOfOrderness.isZero()) {
            process(obs, ctx, out);
            return;
        }
        long watermark = ctx.timerService().currentWatermark();
        if (obs.ts <= watermark) {
            late.inc();
            ctx.output(deadLetters, new DeadLetter("late", "event time " + obs.ts + " is behind the watermark "
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
        if (timestamp == END_OF_INPUT && settings.exportModels) {
            SeriesState s = model.value();
            if (s != null) {
                ctx.output(models, new ModelSnapshot(ctx.getCurrentKey(),
                        ModelJson.write(settings.model, s, ctx.getCurrentKey())));
            }
        }
        Observation obs = pending.get(timestamp);
        if (obs != null) {
            pending.remove(timestamp);
            process(obs, ctx, out);
        }
        Long expiresAt = expiry.value();
        if (expiresAt != null && expiresAt == timestamp && pending.isEmpty()) {
            model.clear();
            lastTs.clear();
            expiry.clear();
            keysExpired++;
        }
    }

    private void process(Observation obs, Context ctx, Collector<Forecast> out) throws Exception {
        SeriesState s = model.value();
        if (s == null) {
            s = warmStart != null ? warmStart.copy() : forecaster.newState(ctx.getCurrentKey());
            keysCreated++;
            if (settings.exportModels) {
                ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
            }
        }
        double previousForecast = s.lastForecast;
        double previousValue = s.lastValue;
        boolean hadHistory = s.events > 0;
        long start = System.nanoTime();
        try {
            forecaster.observe(s, obs.value, obs.features, prediction);
        } catch (IllegalArgumentException e) {
            refused.inc();
            ctx.output(deadLetters, new DeadLetter("model", e.getMessage(), describe(obs)));
            return;
        }
        if (prediction.trained) {
            updates.inc();
            updateNanos.update(System.nanoTime() - start);
        }
        if (hadHistory && Double.isFinite(previousForecast)) {
            errorModel += ERROR_DECAY * (Math.abs(obs.value - previousForecast) - errorModel);
            errorPersistence += ERROR_DECAY * (Math.abs(obs.value - previousValue) - errorPersistence);
        }
        model.update(s);
        lastTs.update(obs.ts);
        if (!settings.idleStateRetention.isZero()) {
            Long old = expiry.value();
            if (old != null) {
                ctx.timerService().deleteEventTimeTimer(old);
            }
            long at = obs.ts + settings.idleStateRetention.toMillis();
            expiry.update(at);
            ctx.timerService().registerEventTimeTimer(at);
        }
        out.collect(new Forecast(obs.key, obs.ts, obs.value, prediction.forecast, prediction.lower,
                prediction.upper, s.events, s.updates, modelId));
        forecastsOut.inc();
    }

    private void reject(Context ctx, Observation obs, long last) {
        if (obs.ts == last) {
            duplicate(ctx, obs);
        } else {
            late.inc();
            ctx.output(deadLetters, new DeadLetter("late", "event time " + obs.ts
                    + " is not after the key's last processed event " + last, describe(obs)));
        }
    }

    private void duplicate(Context ctx, Observation obs) {
        duplicates.inc();
        ctx.output(deadLetters, new DeadLetter("duplicate", "an event with key '" + obs.key
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
