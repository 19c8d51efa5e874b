package dev.streamforecast.stream;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.BatchTrainer;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.model.SharedForecaster;
import dev.streamforecast.model.SharedNetwork;
import java.util.function.Supplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * What {@link ForecastCore} does with one key's events, for keys that share one network
 * ({@code model.scope=shared}): the same refusals ({@link Refusals}, {@link ForecastCore#problem}), the
 * same per-key order ({@link KeyOrder}), the same forecast record and metrics; the model of a used event
 * is the subtask's {@link SharedForecaster} on the key's own state, and learning happens in the shared
 * network's batches, on event counts only.
 *
 * <p>A key whose own state diverges starts afresh and is counted in {@code modelResets}, as in key
 * scope; shared weights that diverge start afresh from the seed, counted in {@code networkResets} and
 * logged, while every key keeps its own state. A key made under other shaping settings fails the job or,
 * with {@code model.on-shape-change=reset}, starts afresh ({@code shapeResets}).
 */
final class SharedForecastCore implements KeyedForecasting {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SharedForecastCore.class);
    /** Decay of the running forecast-error gauges, per event. */
    private static final double ERROR_DECAY = 0.01;

    private final JobSettings settings;
    private final SharedNetwork network;
    private final SharedForecaster forecaster;
    private final Prediction prediction = new Prediction();
    private final String modelId;
    private final long shape;
    private final KeyOrder order;
    private final Refusals refusals;
    private final Supplier<SeriesState> fresh;

    // the key being handled
    private ForecastCore.Output out;
    private KeyRecord record;
    private final KeyOrder.Use use = this::use;

    private final Counter eventsIn;
    private final Counter forecastsOut;
    private final Counter updates;
    private final Counter shapeResets;
    private final Counter modelResets;
    private final Histogram updateNanos;
    private long networkResets;
    private long keysCreated;
    private long keysDropped;
    private double errorModel;
    private double errorPersistence;

    /** @param metrics the group the forecaster's metrics are registered in ({@code forecaster}) */
    SharedForecastCore(JobSettings settings, SharedNetwork network, BatchTrainer trainer, MetricGroup metrics) {
        this.settings = settings;
        this.network = network;
        this.forecaster = new SharedForecaster(network, trainer);
        this.fresh = forecaster::newState;
        modelId = settings.model.id();
        shape = StateShape.of(settings.model).fingerprint();
        order = new KeyOrder(settings.maxOutOfOrderness.toMillis());
        refusals = new Refusals(settings.maxOutOfOrderness.toMillis(), settings.maxPayloadBytes, metrics);
        eventsIn = metrics.counter("eventsIn");
        forecastsOut = metrics.counter("forecastsOut");
        updates = metrics.counter("trainingUpdates");
        shapeResets = metrics.counter("shapeResets");
        modelResets = metrics.counter("modelResets");
        networkResets = network.resets();
        metrics.gauge("keysWithState", () -> keysCreated - keysDropped);
        updateNanos = metrics.histogram("updateLatencyNanos", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("ewmaAbsErrorModel", () -> errorModel);
        metrics.gauge("ewmaAbsErrorPersistence", () -> errorPersistence);
        metrics.gauge("networkUpdates", network::updates);
        metrics.gauge("networkResets", network::resets);
        metrics.gauge("windowsWaiting", network::pending);
    }

    @Override
    public KeyRecord accept(Observation obs, ForecastCore.KeyState keyState, ForecastCore.Output output)
            throws Exception {
        eventsIn.inc();
        String problem = ForecastCore.problem(obs, settings.model.features);
        if (problem != null) {
            output.refused(obs, refusals.refused(obs, problem));
            return null;
        }
        KeyRecord r = keyState.record();
        if (r == null) {
            r = new KeyRecord();
            keysCreated++;
        }
        bind(r, output);
        switch (order.offer(r, obs, keyState, use)) {
            case LATE:
                output.refused(obs, refusals.late(obs, r.lastTs));
                return null;
            case DUPLICATE:
                output.refused(obs, refusals.duplicate(obs));
                return null;
            default:
                return r;
        }
    }

    @Override
    public void flush(KeyRecord r, ForecastCore.KeyState keyState, ForecastCore.Output output) throws Exception {
        bind(r, output);
        order.flush(r, keyState, use);
    }

    @Override
    public void dropped() {
        keysDropped++;
    }

    /** Forecasts from {@code obs} with the shared network, gives the key's window to its batch, emits. */
    private void use(Observation obs) throws Exception {
        KeyRecord r = record;
        if (r.model == null || !continuable(r, obs.key)) {
            r.model = fresh.get();
            r.shape = shape;
        }
        SeriesState s = r.model;
        double previousForecast = s.lastForecast;
        double previousValue = s.lastValue;
        boolean hadHistory = s.events > 0;
        long start = System.nanoTime();
        SeriesState now = forecaster.observeOrRestart(s, SharedForecaster.keyHash(obs.key), obs.value, obs.features,
                prediction, fresh);
        if (prediction.diverged) {
            modelResets.inc();
            long n = modelResets.getCount();
            if (n <= 10 || n % 1000 == 0) {
                LOG.warn("key '{}': its state diverged after {} events and starts afresh: {} (reset {} of this "
                        + "subtask, counted in modelResets)", obs.key, s.events, prediction.divergence, n);
            }
            r.model = s = now;
        }
        if (prediction.trained) {
            updates.inc();
            updateNanos.update(System.nanoTime() - start);
            if (network.resets() != networkResets) {
                networkResets = network.resets();
                LOG.warn("the shared network's {} (reset {} of this subtask, counted in networkResets); it starts "
                        + "afresh from its seed and every key keeps its own state", network.lastReset(), networkResets);
            }
        }
        if (hadHistory) {
            errorModel += ERROR_DECAY * (Math.abs(obs.value - previousForecast) - errorModel);
            errorPersistence += ERROR_DECAY * (Math.abs(obs.value - previousValue) - errorPersistence);
        }
        out.forecast(ForecastCore.scored(new Forecast(obs.key, obs.ts, obs.value, prediction.forecast,
                prediction.lower, prediction.upper, s.events, s.updates, modelId), prediction, settings.anomalyThreshold));
        forecastsOut.inc();
    }

    /**
     * Whether the key's state was made under this job's shaping settings; one of another shape starts
     * afresh with {@code model.on-shape-change=reset}, and otherwise fails the job naming the difference.
     */
    private boolean continuable(KeyRecord r, String key) {
        if (r.shape == shape) {
            return true;
        }
        if (settings.onShapeChange == JobSettings.ShapeChange.RESET) {
            if (shapeResets.getCount() == 0) {
                LOG.warn("model.on-shape-change=reset: key '{}' starts afresh: its shaping settings differ (further "
                        + "such keys are counted in the shapeResets metric)", key);
            }
            shapeResets.inc();
            return false;
        }
        throw new SuppressRestartsException(new IllegalStateException("key '" + key + "': the restored state "
                + "cannot continue under this job's settings: its shaping settings differ (fingerprint "
                + Long.toHexString(r.shape) + " against " + Long.toHexString(shape) + "). Restore with the settings "
                + "it was made under, or set model.on-shape-change=reset to start such keys afresh"));
    }

    private void bind(KeyRecord r, ForecastCore.Output output) {
        record = r;
        out = output;
    }
}
