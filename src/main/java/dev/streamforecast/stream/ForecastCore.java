package dev.streamforecast.stream;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.ModelJson;
import dev.streamforecast.model.AnomalyScore;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.model.SharedNetwork;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * What the forecaster does with one key's events, whoever drives it and wherever its network's weights
 * live: the DataStream operator ({@link ForecastFunction}) and the SQL function both call this, each
 * through its own state and output, in key scope or (the operator) with a network its keys share.
 *
 * <p>An event the model cannot take (a value or covariate that is not finite, a wrong number of
 * covariates) is refused before anything is stored. {@link KeyOrder} decides from the key's own
 * events alone which event is used when, and which is late or a repeat ({@link Refusals} words the
 * refusal). Each used event goes through {@link #use}: the key's model forecasts the next value,
 * learns (every k1 events, inside the model: never triggered by timers or wall-clock time) and the
 * forecast is emitted. What releases a silent key's waiting events ({@link #flush}) and when a key's
 * state is dropped is the caller's decision: the two callers have different clocks.
 *
 * <p>One instance serves every key of a subtask: its work arrays are sized once, and the key being
 * handled is passed in with its state and output.
 */
public final class ForecastCore {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ForecastCore.class);
    /** Decay of the running forecast-error gauges, per event. */
    private static final double ERROR_DECAY = 0.01;

    /** The current key's keyed state: its record (with its waiting events) and its model's parts. */
    public interface KeyState {
        /** The key's record, or null for a key with no state. */
        KeyRecord record() throws Exception;

        void putRecord(KeyRecord r) throws Exception;

        /** The stored {@link SeriesState.Part#WEIGHTS} or {@link SeriesState.Part#MOMENTS} of the key's model, or null. */
        SeriesState storedPart(SeriesState.Part part) throws Exception;

        /** {@code r}'s model with {@code part} attached from its own state if it does not hold it yet. */
        default SeriesState attach(KeyRecord r, SeriesState.Part part) throws Exception {
            SeriesState s = r.model;
            if (!s.has(part)) {
                SeriesState stored = storedPart(part);
                if (stored == null) {
                    throw new IllegalStateException("key state has no " + part + " part");
                }
                s.adopt(part, stored);
            }
            return s;
        }

        /** Stores the weights and moments of {@code r}'s model (when it is new or has learned). */
        void putModel(KeyRecord r) throws Exception;

        /** Drops the model's weights and moments (the record is the caller's). */
        void clearModel() throws Exception;

        /**
         * The shaping settings the key's model was last stored under, for a store that keeps them (the SQL
         * function's, whose serializers cannot know them); null when the store does not know.
         */
        default StateShape shapeMadeUnder() throws Exception {
            return null;
        }
    }

    /** Where the current key's forecasts and refusals go. */
    public interface Output {
        void forecast(Forecast f) throws Exception;

        /** {@code obs} is refused: {@code letter} says why ({@link DeadLetter#kind}, {@link DeadLetter#reason}). */
        void refused(Observation obs, DeadLetter letter) throws Exception;
    }

    private final JobSettings settings;
    private final OnlineForecaster forecaster;
    private final SeriesState warmStart;
    private final Prediction prediction;
    private final String modelId;
    private final long shape;
    private final KeyOrder order;
    private final Refusals refusals;

    // the key being handled
    private KeyState state;
    private Output out;
    private KeyRecord record;
    private final KeyOrder.Use use = this::use;

    private final Counter eventsIn;
    private final Counter forecastsOut;
    private final Counter updates;
    private final Counter shapeResets;
    private final Counter modelResets;
    private final Counter heldOut;
    /** The network the keys share, or null in key scope; its resets as last logged. */
    private final SharedNetwork network;
    private long networkResets;
    /** A new model for the key being handled: the warm start's copy, or seeded from the key. */
    private final java.util.function.Supplier<SeriesState> fresh;
    private String currentKey;
    private final Histogram updateNanos;
    private long keysCreated;
    private long keysDropped;
    private double errorModel;
    private double errorPersistence;

    /** A core whose keys each have a model of their own (key scope), as the SQL function's. */
    public ForecastCore(JobSettings settings, MetricGroup metrics) {
        this(settings, null, metrics);
    }

    /**
     * @param network the network the keys share ({@code model.scope=shared}), or null for a model per key
     * @param metrics the group the forecaster's metrics are registered in ({@code forecaster})
     */
    public ForecastCore(JobSettings settings, SharedNetwork network, MetricGroup metrics) {
        this.settings = settings;
        this.network = network;
        forecaster = network == null ? new OnlineForecaster(settings.model) : new OnlineForecaster(network);
        prediction = new Prediction(settings.model.horizon);
        modelId = settings.model.id();
        // in shared scope a warm start is the network's, made by the operator before this core
        ModelJson.Model warm = network != null ? null : settings.warmStart();
        warmStart = warm == null ? null : forecaster.newState(warm.state);
        shape = StateShape.of(settings.model).fingerprint();
        refusals = new Refusals(settings.maxOutOfOrderness.toMillis(), settings.maxPayloadBytes, metrics);
        order = new KeyOrder(settings.maxOutOfOrderness.toMillis(), settings.maxFuture,
                (held, reason) -> out.refused(held, refusals.future(held, reason)));
        eventsIn = metrics.counter("eventsIn");
        forecastsOut = metrics.counter("forecastsOut");
        updates = metrics.counter("trainingUpdates");
        shapeResets = metrics.counter("shapeResets");
        modelResets = metrics.counter("modelResets");
        heldOut = metrics.counter("valuesHeldOut");
        fresh = () -> warmStart != null ? warmStart.copy() : forecaster.newState(currentKey);
        metrics.gauge("keysWithState", () -> keysCreated - keysDropped);
        updateNanos = metrics.histogram("updateLatencyNanos", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("ewmaAbsErrorModel", () -> errorModel);
        metrics.gauge("ewmaAbsErrorPersistence", () -> errorPersistence);
        if (network != null) {
            networkResets = network.resets();
            metrics.gauge("networkUpdates", network::updates);
            metrics.gauge("networkResets", network::resets);
            metrics.gauge("windowsWaiting", network::pending);
        }
    }

    /** The settings this core runs under. */
    public JobSettings settings() {
        return settings;
    }

    /**
     * Takes {@code obs} for its key: refuses it (to {@code output}) or accepts it, using it and any
     * events it releases, in time order. Returns the key's record after an accepted event, for the
     * caller to schedule what it needs and then store with {@link KeyState#putRecord}; null after a
     * refusal, when nothing was stored.
     *
     * @param reference the time the event's input checked its time against, or {@link KeyRecord#NONE}
     *     (see {@link KeyOrder#vetted})
     */
    public KeyRecord accept(Observation obs, long reference, KeyState keyState, Output output) throws Exception {
        eventsIn.inc();
        String problem = problem(obs, settings.model.features);
        if (problem != null) {
            output.refused(obs, refusals.refused(obs, problem));
            return null;
        }
        KeyRecord r = keyState.record();
        if (r == null) {
            r = new KeyRecord();
            keysCreated++;
        }
        bind(r, keyState, output);
        switch (order.offer(r, obs, reference, use)) {
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

    /**
     * Refuses {@code obs} for {@code reason} before it reaches its key: for a caller that finds the
     * event unusable before it has one (a NULL field of a SQL row), so that every refusal is counted
     * and worded in one place.
     */
    public void refuse(Observation obs, String reason, Output output) throws Exception {
        eventsIn.inc();
        output.refused(obs, refusals.refused(obs, reason));
    }

    /** Uses the waiting events of the key in {@code r}, in time order; the caller stores {@code r}. */
    public void flush(KeyRecord r, KeyState keyState, Output output) throws Exception {
        bind(r, keyState, output);
        order.flush(r, use);
    }

    /** Uses every event the key in {@code r} keeps, its held one too, in time order; the caller stores {@code r}. */
    public void finish(KeyRecord r, KeyState keyState, Output output) throws Exception {
        bind(r, keyState, output);
        order.finish(r, use);
    }

    /** The caller dropped a key's whole state (for the {@code keysWithState} gauge). */
    public void dropped() {
        keysDropped++;
    }

    /** Forecasts from {@code obs}, learns from it, emits the forecast: one used event. */
    private void use(Observation obs) throws Exception {
        KeyRecord r = record;
        currentKey = obs.key;
        boolean created = r.model == null || !continuable(r, obs.key);
        if (created) {
            r.model = fresh.get();
            r.shape = shape;
        }
        // a key's own weights come from their own state; a shared network's are the network's
        SeriesState s = network == null ? state.attach(r, SeriesState.Part.WEIGHTS) : r.model;
        if (forecaster.trainsNext(s)) {
            state.attach(r, SeriesState.Part.MOMENTS);
        }
        double previousForecast = s.lastForecast;
        double previousValue = s.lastValue;
        boolean hadHistory = s.events > 0;
        long start = System.nanoTime();
        SeriesState now = forecaster.observeOrRestart(s, OnlineForecaster.keyHash(obs.key), obs.ts, obs.value,
                obs.features, prediction, fresh);
        if (prediction.diverged) {
            diverged(obs, s);
            r.model = s = now;
            created = true;
        }
        if (prediction.trained) {
            updates.inc();
            updateNanos.update(System.nanoTime() - start);
            if (network != null && network.resets() != networkResets) {
                networkResets = network.resets();
                LOG.warn("the shared network's {} (reset {} of this subtask, counted in networkResets); it starts "
                        + "afresh from its seed and every key keeps its own state", network.lastReset(), networkResets);
            }
        }
        if (prediction.heldOut) {
            heldOut.inc();
        }
        if (hadHistory && Double.isFinite(previousForecast)) {
            errorModel += ERROR_DECAY * (Math.abs(obs.value - previousForecast) - errorModel);
            errorPersistence += ERROR_DECAY * (Math.abs(obs.value - previousValue) - errorPersistence);
        }
        if (created || prediction.trained) {
            state.putModel(r);
        }
        out.forecast(forecast(obs, s));
        forecastsOut.inc();
    }

    /** The record of the prediction just made for {@code obs}: step 1, and with a horizon every step. */
    private Forecast forecast(Observation obs, SeriesState s) {
        Forecast f = scored(new Forecast(obs.key, obs.ts, obs.value, prediction.forecast, prediction.lower,
                prediction.upper, s.events, s.updates, modelId), prediction, settings.anomalyThreshold);
        if (prediction.horizon() > 1) {
            f.cadence = prediction.cadence;
            f.stepForecasts = prediction.forecasts.clone();
            f.stepLowers = prediction.lowers.clone();
            f.stepUppers = prediction.uppers.clone();
        }
        return f;
    }

    /**
     * {@code f} with the anomaly score of its event from {@code p}, flagged when the score is at or above
     * {@code threshold}: the one rule of every path (both scopes, the SQL function, the backtest).
     */
    static Forecast scored(Forecast f, Prediction p, double threshold) {
        f.anomaly = p.anomaly;
        f.anomalyStatus = p.anomalyStatus == AnomalyScore.Status.SCORED ? null : p.anomalyStatus.label;
        f.anomalous = f.anomalyStatus == null && p.anomaly >= threshold;
        f.expected = p.expected;
        f.expectedLower = p.expectedLower;
        f.expectedUpper = p.expectedUpper;
        return f;
    }

    /**
     * The key's model diverged at {@code obs} and starts afresh (from the warm start or its seed): counted
     * in {@code modelResets}, logged with the reason for the first keys and then for every thousandth.
     */
    private void diverged(Observation obs, SeriesState old) {
        modelResets.inc();
        long n = modelResets.getCount();
        if (n <= 10 || n % 1000 == 0) {
            LOG.warn("key '{}': its model diverged after {} events and starts afresh: {} (reset {} of this "
                    + "subtask, counted in modelResets)", obs.key, old.events, prediction.divergence, n);
        }
    }

    /**
     * Whether the key's model was made under this job's shaping settings. A model of another shape is
     * dropped (the key starts afresh, counted) when {@code model.on-shape-change=reset}; otherwise the
     * job fails, naming the difference. Models restored from before shapes were recorded are compared
     * by the sizes of their arrays.
     */
    private boolean continuable(KeyRecord r, String key) throws Exception {
        if (r.shape == shape) {
            return true;
        }
        String mismatch = r.shape != 0 ? shapeMismatch(r) : legacyMismatch(r);
        if (mismatch == null) {
            r.shape = shape;
            return true;
        }
        if (settings.onShapeChange == JobSettings.ShapeChange.RESET) {
            if (shapeResets.getCount() == 0) {
                LOG.warn("model.on-shape-change=reset: key '{}' starts afresh: {} (further such keys are counted "
                        + "in the shapeResets metric)", key, mismatch);
            }
            shapeResets.inc();
            state.clearModel();
            return false;
        }
        throw new SuppressRestartsException(new IllegalStateException("key '" + key
                + "': the restored model cannot continue under this job's settings: " + mismatch
                + ". Restore with the settings it was made under, or set model.on-shape-change=reset to start "
                + "such keys afresh"));
    }

    /** How the shaping settings of a model with a recorded shape differ from this job's: by name where the store knows them. */
    private String shapeMismatch(KeyRecord r) throws Exception {
        StateShape before = state.shapeMadeUnder();
        List<String> changes = before == null ? List.of() : StateShape.of(settings.model).changesFrom(before);
        return changes.isEmpty() ? "its shaping settings differ (fingerprint " + Long.toHexString(r.shape) + " against "
                + Long.toHexString(shape) + ")" : "its shaping settings differ: " + String.join("; ", changes);
    }

    /** How a model restored from before shapes were recorded differs from this job's, or null. */
    private String legacyMismatch(KeyRecord r) throws Exception {
        state.attach(r, SeriesState.Part.WEIGHTS);
        SeriesState restored = state.attach(r, SeriesState.Part.MOMENTS);
        return StateShape.mismatch(restored, SeriesState.allocate(settings.model));
    }

    /** Why a model with covariates {@code names} cannot take {@code obs}, or null; checked before anything is stored. */
    static String problem(Observation obs, List<String> names) {
        if (!Double.isFinite(obs.value)) {
            return "value must be a finite number, got " + obs.value;
        }
        int n = obs.features == null ? 0 : obs.features.length;
        if (n != names.size()) {
            return "expected " + names.size() + " features " + names + ", got " + n;
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(obs.features[i])) {
                return "feature '" + names.get(i) + "' must be a finite number, got " + obs.features[i];
            }
        }
        return null;
    }

    private void bind(KeyRecord r, KeyState keyState, Output output) {
        record = r;
        state = keyState;
        out = output;
    }
}
