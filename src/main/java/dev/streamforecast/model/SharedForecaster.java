package dev.streamforecast.model;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The online forecaster of keys that share one network ({@code model.scope=shared}): each key
 * forecasts with the shared weights from its own carried state, statistics and linear part, and every
 * {@code k1} events gives its last {@code k2} steps to the shared network's next batched update.
 *
 * <p>What is a key's own is a {@link SeriesState} that holds only its recurrent part (see
 * {@link SharedKeyState}): carried state and the states saved where its training windows start, its
 * window of raw values, its scaler, change and residual statistics in its own power-of-two units (the
 * same {@link SeriesStatistics} as a key-scope model, so every promise of the numerics holds), its
 * linear part's coefficients and lags, and its counters. What is shared is a {@link SharedNetwork}:
 * the weights, the optimiser's moments, the windows gathered for the next update and the pooled
 * covariance of the linear parts ({@link PooledCovariance}), whose coefficients a new key starts from.
 *
 * <p>Per event the arithmetic is {@link OnlineForecaster}'s: the statistics take the value, the linear
 * part learns it and forecasts the next change, the network steps the carried state with the shared
 * weights and corrects that change within the key's bound, the interval comes from the key's
 * residuals, and the event is scored against the forecast made for it ({@link AnomalyScore}). The carried state is kept rounded to float32, so that a key's state stores it in four
 * bytes. Learning differs: at a key's k1-th event its window (scaled inputs, targets, the carried state
 * saved at its start) is copied into the shared batch, and the batch is applied as one update
 * ({@link BatchTrainer}) when it is full or when a key already in it brings another window: a replay
 * of the same events in the same order repeats every update. One instance serves every key of a
 * subtask; not thread-safe.
 *
 * <p>A key whose state diverges (a non-finite carried state or statistic) starts afresh, as in key
 * scope ({@link #observeOrRestart}); shared weights that diverge start afresh from the seed in the
 * trainer, and the keys carry on.
 */
public final class SharedForecaster {
    private final ModelConfig config;
    private final ParameterLayout layout;
    private final Network network;
    private final BatchTrainer trainer;
    private final SharedNetwork shared;
    private final int inputSize;
    private final int rawSize;
    private final int capacity;
    private final int snapshotSlots;
    private final double z;
    private final boolean levelInput;
    private final boolean deltaInput;
    private final boolean linearInput;
    private final OnlineAutoRegression linear;
    private final SeriesStatistics stats;
    private final AnomalyScore anomalies = new AnomalyScore();

    // Work arrays.
    private final double[] x;
    private final double[] xs;
    private final double[] targets;
    private final double[] start;

    public SharedForecaster(SharedNetwork shared, BatchTrainer trainer) {
        this.shared = shared;
        this.trainer = trainer;
        this.config = shared.config;
        this.layout = shared.layout;
        this.network = new Network(layout, config.k2);
        this.inputSize = config.inputSize();
        this.rawSize = config.rawSize();
        this.capacity = SeriesState.windowCapacity(config);
        this.snapshotSlots = SeriesState.snapshotSlots(config);
        this.z = Gaussian.quantile(0.5 + config.intervalLevel / 2);
        this.linear = shared.pool == null ? null : new OnlineAutoRegression(config.linearOrder, config.linearForgetting,
                OnlineAutoRegression.DEFAULT_DELTA, false, OnlineAutoRegression.DEFAULT_CLIP,
                OnlineAutoRegression.INNOVATION_CLIP, shared.pool);
        this.stats = new SeriesStatistics(config, linear);
        this.levelInput = config.hasInput("level");
        this.deltaInput = config.hasInput("delta");
        this.linearInput = config.hasInput("linear") && linear != null;
        this.x = new double[inputSize];
        this.xs = new double[config.k2 * inputSize];
        this.targets = new double[config.k2];
        this.start = new double[layout.stateSize];
    }

    public ModelConfig config() {
        return config;
    }

    /** The network every key of this forecaster shares. */
    public SharedNetwork shared() {
        return shared;
    }

    /** A fresh state for a new key: nothing seen, its carried state zero, its linear part the pool's. */
    public SeriesState newState() {
        return SharedKeyState.allocate(config);
    }

    /**
     * Takes the key's next event and writes the forecast of the value after it into {@code out}; if
     * this completes one of the key's k1 periods, its window joins the shared batch, and
     * {@code out.trained} says whether the batch was applied at this event. A diverged key is
     * reported as {@link OnlineForecaster#observe} reports it.
     *
     * @param key a 64-bit hash of the key ({@link #keyHash}): a batch holds one window per key
     * @throws IllegalArgumentException for a non-finite value or feature, or a wrong feature count;
     *     the state is left untouched
     */
    public void observe(SeriesState s, long key, double value, double[] features, Prediction out) {
        check(value, features);
        out.diverged = false;
        out.divergence = null;
        out.trained = false;
        long step = s.events;
        double v = stats.observe(s, value, features);
        saveCarriedState(s, step);
        double linearDelta = linear == null ? 0 : learnLinear(s, v, step);
        double forecast = v + change(s, v, linearDelta, step);
        s.events = step + 1;
        s.lastValue = value;
        double sigma = interval(s, forecast, out);
        s.anomaly = anomalies.adapt(s.anomaly);
        anomalies.score(s.anomaly, value, out);
        if (!finite(s, forecast + sigma)) {
            diverge(s, value, out, "non-finite carried state or statistics at event " + s.events);
            return;
        }
        if (s.events % config.k1 == 0) {
            out.trained = gather(s, key);
        }
    }

    /**
     * {@link #observe}, and if the key diverged, {@code observe} of the same event once more on a fresh
     * state from {@code restart}; returns the state that now holds the key, as
     * {@link OnlineForecaster#observeOrRestart} does.
     */
    public SeriesState observeOrRestart(SeriesState s, long key, double value, double[] features, Prediction out,
            Supplier<SeriesState> restart) {
        observe(s, key, value, features, out);
        if (!out.diverged) {
            return s;
        }
        String reason = out.divergence;
        SeriesState fresh = restart.get();
        observe(fresh, key, value, features, out);
        out.divergence = out.diverged ? reason + "; the fresh model diverged too: " + out.divergence : reason;
        out.diverged = true;
        out.anomalyStatus = AnomalyScore.Status.RESET;
        return fresh;
    }

    /** A 64-bit hash of a key (FNV-1a), what {@link #observe} takes to tell keys apart in a batch. */
    public static long keyHash(String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Saves the carried state before the steps where future training windows start. */
    private void saveCarriedState(SeriesState s, long step) {
        if (step == 0 || (step + 1 + config.k2) % config.k1 == 0) {
            System.arraycopy(s.hidden, 0, s.snapshots, s.nextSnapshot * layout.stateSize, layout.stateSize);
            s.snapshotSteps[s.nextSnapshot] = step;
            s.nextSnapshot = (s.nextSnapshot + 1) % snapshotSlots;
        }
    }

    /** The linear part learns the value v and forecasts the next change, which the window keeps. */
    private double learnLinear(SeriesState s, double v, long step) {
        double linearDelta = linear.observe(s.linear, v) - v;
        s.linearWindow[(int) (step % capacity)] = linearDelta;
        return linearDelta;
    }

    /**
     * The forecast change from v: the shared network steps the key's carried state (kept at float32)
     * and corrects the linear part's change (or, without one, forecasts on its own), within the key's
     * bound.
     */
    private double change(SeriesState s, double v, double linearDelta, long step) {
        stats.deviations(s);
        scaleInput(s, step, x, 0);
        double y = clip(network.step(shared.params, s.hidden, x));
        Float32.round(s.hidden);
        double change = linear != null ? linearDelta + y * stats.deltaSd() : unscale(s, v, y) - v;
        double bound = stats.changeBound(s, step);
        return change > bound ? bound : (change < -bound ? -bound : change);
    }

    /** The forecast and its interval, forecast +- z sigma, in the series' units; returns sigma. */
    private double interval(SeriesState s, double forecast, Prediction out) {
        double sigma = Math.sqrt(s.residuals >= 2 ? s.residualVariance : s.deltaVariance);
        int e = s.exponent[0];
        out.forecast = SeriesStatistics.toValue(forecast, e);
        out.lower = SeriesStatistics.toValue(forecast - z * sigma, e);
        out.upper = SeriesStatistics.toValue(forecast + z * sigma, e);
        s.lastForecast = out.forecast;
        return sigma;
    }

    /**
     * The key's window of the last min(k2, events - 1) input/target pairs, from the carried state saved
     * at its start, into the shared batch; returns whether the batch was applied.
     */
    private boolean gather(SeriesState s, long key) {
        long last = s.events - 1;
        int steps = (int) Math.min(config.k2, last);
        if (steps < 1) {
            return false;
        }
        long first = last - steps;
        loadSnapshot(s, first);
        stats.deviations(s);
        for (int t = 0; t < steps; t++) {
            long step = first + t;
            int slot = slot(step);
            int next = slot(step + 1);
            scaleInput(s, step, xs, t * inputSize);
            targets[t] = linear != null
                    // what the linear part got wrong, in deviations of the changes
                    ? clip((s.window[next] - s.window[slot] - s.linearWindow[(int) (step % capacity)]) / stats.deltaSd())
                    : scaleTarget(s, s.window[next], s.window[slot]);
        }
        WindowBatch batch = shared.batch;
        boolean applied = batch.holds(key) && trainer.apply(shared);
        batch.add(key, start, xs, targets, steps);
        s.updates++;
        if (batch.full()) {
            applied |= trainer.apply(shared);
        }
        return applied;
    }

    private void loadSnapshot(SeriesState s, long step) {
        for (int i = 0; i < snapshotSlots; i++) {
            if (s.snapshotSteps[i] == step) {
                System.arraycopy(s.snapshots, i * layout.stateSize, start, 0, layout.stateSize);
                return;
            }
        }
        throw new IllegalStateException("no carried state saved before step " + step + " (saved: "
                + Arrays.toString(s.snapshotSteps) + ")");
    }

    private void check(double value, double[] features) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be a finite number, got " + value);
        }
        int n = features == null ? 0 : features.length;
        if (n != rawSize - 1) {
            throw new IllegalArgumentException("expected " + (rawSize - 1) + " features " + config.features
                    + ", got " + n);
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(features[i])) {
                throw new IllegalArgumentException("feature '" + config.features.get(i)
                        + "' must be a finite number, got " + features[i]);
            }
        }
    }

    private int slot(long step) {
        return (int) (step % capacity) * rawSize;
    }

    private double clip(double v) {
        double c = config.inputClip;
        return v > c ? c : (v < -c ? -c : v);
    }

    /** The network's input at window step {@code step}, as {@link OnlineForecaster} scales it. */
    private void scaleInput(SeriesState s, long step, double[] dst, int dOff) {
        int slot = slot(step);
        double v = s.window[slot];
        int k = dOff;
        if (levelInput) {
            dst[k++] = clip((v - s.mean[0]) / stats.sd(0));
        }
        if (deltaInput) {
            double previous = step == 0 ? v : s.window[slot(step - 1)];
            dst[k++] = clip((v - previous - s.deltaMean) / stats.deltaSd());
        }
        if (linearInput) {
            dst[k++] = clip((s.linearWindow[(int) (step % capacity)] - s.deltaMean) / stats.deltaSd());
        }
        for (int i = 1; i < rawSize; i++) {
            dst[k++] = clip((s.window[slot + i] - s.mean[i]) / stats.sd(i));
        }
    }

    private double scaleTarget(SeriesState s, double next, double current) {
        if (config.target == TargetType.DELTA) {
            return clip((next - current - s.deltaMean) / stats.deltaSd());
        }
        return clip((next - s.mean[0]) / stats.sd(0));
    }

    private double unscale(SeriesState s, double current, double y) {
        if (config.target == TargetType.DELTA) {
            return current + s.deltaMean + y * stats.deltaSd();
        }
        return s.mean[0] + y * stats.sd(0);
    }

    /** Whether every value the event just wrote is finite (a sum of v * 0 is 0 exactly then). */
    private boolean finite(SeriesState s, double also) {
        double acc = also * 0;
        for (double v : s.hidden) {
            acc += v * 0;
        }
        for (int i = 0; i < rawSize; i++) {
            acc += s.mean[i] * 0 + s.variance[i] * 0 + s.magnitude[i] * 0;
        }
        acc += s.deltaMean * 0 + s.deltaVariance * 0 + s.residualVariance * 0 + s.changeLog * 0;
        if (s.linear != null) {
            OnlineAutoRegression.State l = s.linear;
            acc += l.last * 0 + l.meanSquare * 0 + l.innovation * 0;
            for (double v : l.theta) {
                acc += v * 0;
            }
        }
        return acc == 0;
    }

    /** Marks the event as the end of a diverged key: finite values only, persistence, and why. */
    private void diverge(SeriesState s, double value, Prediction out, String reason) {
        s.sanitize();
        s.lastValue = value;
        s.lastForecast = value;
        out.forecast = value;
        out.lower = value;
        out.upper = value;
        out.trained = false;
        out.diverged = true;
        out.divergence = reason;
    }

    /** The per-event network workspace, for tests and benchmarks. */
    public Network network() {
        return network;
    }
}
