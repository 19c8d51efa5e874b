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
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The per-key forecaster: each key's events, put in its own event-time order, are forecast, learned
 * from and emitted.
 *
 * <p>{@link KeyOrder} decides from the key's own events alone which event is used when, and which is
 * late or a repeat ({@link Refusals} turns those into dead letters with the original bytes). Each used
 * event goes through {@link #use}: the key's model forecasts the next value, learns (every k1 events,
 * inside the model: never triggered by timers or wall-clock time) and the forecast is emitted. The
 * key's state lives in {@link KeyStateStore}.
 *
 * <p>Timers: the end of a bounded input (the final watermark) uses every waiting event and may export
 * the models; in a live job, a key silent for {@code events.max-wait} of wall-clock time has its
 * waiting events used, and one silent for {@code events.idle-state-retention} loses its state. Both
 * measure silence from the key's last event or from the operator's start, whichever is later, so a
 * restore gives a key its full wait again. A replay uses neither.
 */
public class ForecastFunction extends KeyedProcessFunction<String, Observation, Forecast> {
    private static final long serialVersionUID = 2L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ForecastFunction.class);
    /** Decay of the running forecast-error gauges, per event. */
    private static final double ERROR_DECAY = 0.01;
    /** The timer of the end of a bounded input: the final watermark reaches it, nothing else does. */
    static final long END_OF_INPUT = Long.MAX_VALUE;
    /** Keyed states per key with a model: the record, the weights and the moments. */
    public static final int STATES_PER_KEY = KeyStateStore.STATES_PER_KEY;

    private final JobSettings settings;
    private final OutputTag<DeadLetter> deadLetters;
    private final OutputTag<ModelSnapshot> models;

    private transient OnlineForecaster forecaster;
    private transient SeriesState warmStart;
    private transient Prediction prediction;
    private transient String modelId;
    private transient long shape;
    private transient KeyStateStore store;
    private transient KeyOrder order;
    private transient KeyOrder.Use use;
    private transient Refusals refusals;
    private transient long maxWait;
    private transient long retention;
    private transient long openedAt;

    // the event or timer being handled
    private transient KeyRecord record;
    private transient Context context;
    private transient Collector<Forecast> out;

    private transient Counter eventsIn;
    private transient Counter forecastsOut;
    private transient Counter updates;
    private transient Counter silentFlushes;
    private transient Counter shapeResets;
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

    @Override
    public void open(OpenContext openContext) {
        forecaster = new OnlineForecaster(settings.model);
        prediction = new Prediction();
        modelId = settings.model.id();
        if (settings.warmStartModelJson != null) {
            warmStart = forecaster.newState(ModelJson.read(settings.warmStartModelJson).state);
        }
        StateShape stateShape = StateShape.of(settings.model);
        shape = stateShape.fingerprint();
        store = new KeyStateStore(getRuntimeContext(), stateShape, settings.onShapeChange);
        order = new KeyOrder(settings.maxOutOfOrderness.toMillis());
        use = this::use;
        maxWait = settings.maxWait.toMillis();
        retention = settings.replay ? 0 : settings.idleStateRetention.toMillis();
        openedAt = KeyRecord.NONE;

        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup("forecaster");
        refusals = new Refusals(settings.maxOutOfOrderness.toMillis(), settings.maxPayloadBytes, g);
        eventsIn = g.counter("eventsIn");
        forecastsOut = g.counter("forecastsOut");
        updates = g.counter("trainingUpdates");
        silentFlushes = g.counter("silentKeyFlushes");
        shapeResets = g.counter("shapeResets");
        g.gauge("keysWithState", () -> keysCreated - keysExpired);
        updateNanos = g.histogram("updateLatencyNanos", new DescriptiveStatisticsHistogram(1000));
        g.gauge("ewmaAbsErrorModel", () -> errorModel);
        g.gauge("ewmaAbsErrorPersistence", () -> errorPersistence);
    }

    @Override
    public void processElement(Observation obs, Context ctx, Collector<Forecast> collector) throws Exception {
        eventsIn.inc();
        String problem = problem(obs);
        if (problem != null) {
            ctx.output(deadLetters, refusals.refused(obs, problem));
            return;
        }
        long now = now(ctx);
        KeyRecord r = store.record();
        if (r == null) {
            r = new KeyRecord();
            keysCreated++;
        }
        bind(r, ctx, collector);
        switch (order.offer(r, obs, store, use)) {
            case LATE:
                ctx.output(deadLetters, refusals.late(obs, r.lastTs));
                return;
            case DUPLICATE:
                ctx.output(deadLetters, refusals.duplicate(obs));
                return;
            default:
                r.lastArrival = now;
                schedule(r, now);
                store.putRecord(r);
        }
    }

    /** Forecasts from {@code obs}, learns from it, emits the forecast: one used event. */
    private void use(Observation obs) throws Exception {
        KeyRecord r = record;
        boolean created = r.model == null || !continuable(r);
        if (created) {
            r.model = warmStart != null ? warmStart.copy() : forecaster.newState(context.getCurrentKey());
            r.shape = shape;
        }
        SeriesState s = store.attach(r, SeriesState.Part.WEIGHTS);
        if (forecaster.trainsNext(s)) {
            store.attach(r, SeriesState.Part.MOMENTS);
        }
        double previousForecast = s.lastForecast;
        double previousValue = s.lastValue;
        boolean hadHistory = s.events > 0;
        long start = System.nanoTime();
        forecaster.observe(s, obs.value, obs.features, prediction);
        if (prediction.trained) {
            updates.inc();
            updateNanos.update(System.nanoTime() - start);
        }
        if (hadHistory && Double.isFinite(previousForecast)) {
            errorModel += ERROR_DECAY * (Math.abs(obs.value - previousForecast) - errorModel);
            errorPersistence += ERROR_DECAY * (Math.abs(obs.value - previousValue) - errorPersistence);
        }
        if (created || prediction.trained) {
            store.putModel(r);
        }
        out.collect(new Forecast(obs.key, obs.ts, obs.value, prediction.forecast, prediction.lower,
                prediction.upper, s.events, s.updates, modelId));
        forecastsOut.inc();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Forecast> collector) throws Exception {
        KeyRecord r = store.record();
        if (r == null) {
            return;
        }
        bind(r, ctx, collector);
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            if (timestamp == END_OF_INPUT) {
                order.flush(r, store, use);
                export(r, ctx);
                store.putRecord(r);
            }
            // any other event-time timer is an earlier format's, with nothing left to do
            return;
        }
        long now = now(ctx);
        long quietSince = Math.max(r.lastArrival, openedAt);
        if (timestamp == r.flushTimer) {
            r.flushTimer = KeyRecord.NONE;
            if (r.pendingCount > 0 && now - quietSince >= maxWait) {
                silentFlushes.inc();
                order.flush(r, store, use);
            }
            schedule(r, now);
        }
        if (timestamp == r.expiryTimer) {
            r.expiryTimer = KeyRecord.NONE;
            if (now - quietSince >= retention) {
                order.flush(r, store, use);
                store.clear();
                keysExpired++;
                return;
            }
            schedule(r, now);
        }
        store.putRecord(r);
    }

    /**
     * Registers what the key needs: the end-of-input timer while events wait, and in a live job the
     * wall-clock timers of a silent key's waiting events and of idle expiry, each once per period.
     */
    private void schedule(KeyRecord r, long now) {
        long quietSince = Math.max(r.lastArrival, openedAt);
        if (r.pendingCount > 0) {
            context.timerService().registerEventTimeTimer(END_OF_INPUT);
            if (!settings.replay && r.flushTimer == KeyRecord.NONE) {
                r.flushTimer = Math.max(now, quietSince + maxWait);
                context.timerService().registerProcessingTimeTimer(r.flushTimer);
            }
        }
        if (retention > 0 && r.expiryTimer == KeyRecord.NONE) {
            r.expiryTimer = Math.max(now, quietSince + retention);
            context.timerService().registerProcessingTimeTimer(r.expiryTimer);
        }
    }

    private void export(KeyRecord r, Context ctx) throws Exception {
        if (settings.exportModels && r.model != null) {
            store.attach(r, SeriesState.Part.WEIGHTS);
            SeriesState s = store.attach(r, SeriesState.Part.MOMENTS);
            ctx.output(models, new ModelSnapshot(ctx.getCurrentKey(),
                    ModelJson.write(settings.model, s, ctx.getCurrentKey())));
        }
        if (settings.exportModels && r.model == null) {
            LOG.debug("key {} has no model to export", ctx.getCurrentKey());
        }
    }

    /**
     * Whether the key's model was made under this job's shaping settings. A model of another shape is
     * dropped (the key starts afresh, counted) when {@code model.on-shape-change=reset}; otherwise the
     * job fails, naming the difference. Models restored from before shapes were recorded are compared
     * by the sizes of their arrays.
     */
    private boolean continuable(KeyRecord r) throws Exception {
        if (r.shape == shape) {
            return true;
        }
        String mismatch = r.shape != 0 ? "its shaping settings differ (fingerprint " + Long.toHexString(r.shape)
                + " against " + Long.toHexString(shape) + ")" : legacyMismatch(r);
        if (mismatch == null) {
            r.shape = shape;
            return true;
        }
        if (settings.onShapeChange == JobSettings.ShapeChange.RESET) {
            if (shapeResets.getCount() == 0) {
                LOG.warn("model.on-shape-change=reset: key '{}' starts afresh: {} (further such keys are counted "
                        + "in the shapeResets metric)", context.getCurrentKey(), mismatch);
            }
            shapeResets.inc();
            store.clearModel();
            return false;
        }
        throw new SuppressRestartsException(new IllegalStateException("key '" + context.getCurrentKey()
                + "': the restored model cannot continue under this job's settings: " + mismatch
                + ". Restore with the settings it was made under, or set model.on-shape-change=reset to start "
                + "such keys afresh"));
    }

    /** How a model restored from before shapes were recorded differs from this job's, or null. */
    private String legacyMismatch(KeyRecord r) throws Exception {
        store.attach(r, SeriesState.Part.WEIGHTS);
        SeriesState restored = store.attach(r, SeriesState.Part.MOMENTS);
        return StateShape.mismatch(restored, SeriesState.allocate(settings.model));
    }

    /** Why the model cannot take {@code obs}, or null; checked before anything is stored. */
    private String problem(Observation obs) {
        if (!Double.isFinite(obs.value)) {
            return "value must be a finite number, got " + obs.value;
        }
        int n = obs.features == null ? 0 : obs.features.length;
        if (n != settings.model.features.size()) {
            return "expected " + settings.model.features.size() + " features " + settings.model.features + ", got " + n;
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(obs.features[i])) {
                return "feature '" + settings.model.features.get(i) + "' must be a finite number, got " + obs.features[i];
            }
        }
        return null;
    }

    private long now(Context ctx) {
        long now = ctx.timerService().currentProcessingTime();
        if (openedAt == KeyRecord.NONE) {
            openedAt = now;
        }
        return now;
    }

    private void bind(KeyRecord r, Context ctx, Collector<Forecast> collector) {
        record = r;
        context = ctx;
        out = collector;
    }
}
