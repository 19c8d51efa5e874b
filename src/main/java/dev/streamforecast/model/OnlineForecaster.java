package dev.streamforecast.model;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The online forecaster of one configuration: forecast each key's next value, then learn.
 *
 * <p>Holds only the configuration, work arrays (sized once) and, with {@code model.scope=shared}, the
 * network its keys share; each key's own model lives in its {@link SeriesState}, so one instance
 * serves every key of a Flink subtask. Not thread-safe. What happens to an event is the same in both
 * scopes; the scope decides only where the network's parameters and moments live and how a window's
 * gradient is applied ({@link ParameterHome}): in the key's state at once, or in the shared network's
 * batch, from the windows its budget picks. In shared scope the linear part learns with the pooled
 * covariance of the network's keys ({@link PooledCovariance}) in place of one of each key's own, and
 * the carried state is kept at float32, as the key's stored form holds it.
 *
 * <p>On each event {@link #observe}: updates the key's residual and scaling statistics, appends the
 * input to the window, advances the carried state by one step and forecasts the next value, and scores
 * the event against the forecast made for it ({@link AnomalyScore}); then,
 * every {@code k1} events, runs truncated BPTT over the last {@code k2} steps of the window from the
 * carried state saved at the window's start, clips the gradient's global norm, and applies the
 * optimiser. Everything depends only on the events and their order, so replays are bit-identical.
 *
 * <p>Numerics for any finite double: the key's values and statistics are held in units of a power
 * of two chosen from its own magnitude and seeded robustly ({@link SeriesStatistics}), so no square
 * overflows, no floor is absolute, and a series multiplied by 2^k gets exactly 2^k times the forecasts.
 * The network's output is clipped to the range of its targets, and the forecast's change from the
 * last value is bounded by a multiple of the key's typical recent change. If the model diverges anyway
 * (a non-finite value in its carried state or statistics, or weights that are non-finite or whose
 * norm is beyond {@value #WEIGHT_LIMIT}), {@code observe} leaves only finite values in the state, forecasts
 * persistence and says so in {@link Prediction#diverged}: the caller then starts the key afresh
 * ({@link #observeOrRestart} does it in one call).
 *
 * <p>Steps ahead ({@code forecast.horizon} H): the linear part forecasts every step directly and the
 * network has one output per step, correcting the linear part's forecast of that step; both learn each
 * step's error only when its target arrives (the network's truncated window scores an output only once
 * its target is in the window). Each step's forecast combines the candidates by their recent errors and
 * its interval follows that step's errors ({@link Horizon}). With {@code model.calendar} the linear part
 * also sees the standardised level, a constant and the event time's calendar inputs ({@link Calendar}).
 */
public final class OnlineForecaster {
    /** Weights whose norm is beyond this mean the model has diverged (Adam moves each by at most lr a step). */
    static final double WEIGHT_LIMIT = 1e6;

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final ParameterHome home;
    private final Network network;
    private final int inputSize;
    private final int rawSize;
    private final int capacity;
    private final int snapshotSlots;
    private final boolean levelInput;
    private final boolean deltaInput;
    private final boolean linearInput;
    /** The linear part the network corrects, or null. */
    private final OnlineAutoRegression linear;
    private final SeriesStatistics stats;
    private final int horizon;
    private final int linearSlots;
    private final Horizon horizons;
    private final Calendar calendar;
    private final AnomalyScore anomalies = new AnomalyScore();
    /** sqrt(h) for h = 1..H: the network's output for step h is in units of sqrt(h) deviations of the changes. */
    private final double[] rootSteps;

    // Work arrays.
    private final double[] x;
    private final double[] xs;
    private final double[] targets;
    private final int[] available;
    private final double[] start;
    private final double[] extras;
    private final double[] linearSteps;
    private final double[] outputs;
    private final double[] hybrid;
    private final double[] linearChange;
    private final double[] change;
    private final double[] halfWidth;

    /**
     * The forecaster of {@code config}'s scope: in key scope every key's network is its own; in shared
     * scope the keys it serves share a fresh network ({@link SharedNetwork#create}).
     */
    public OnlineForecaster(ModelConfig config) {
        this(config, config.scope == ModelScope.SHARED ? SharedNetwork.create(config) : null);
    }

    /** A forecaster whose keys share {@code network} (one restored, merged or warm-started). */
    public OnlineForecaster(SharedNetwork network) {
        this(network.config, network);
    }

    private OnlineForecaster(ModelConfig config, SharedNetwork shared) {
        this.config = config;
        this.layout = ParameterLayout.of(config);
        this.home = shared == null ? new ParameterHome.Key(config, layout)
                : new ParameterHome.Shared(shared);
        this.network = new Network(layout, config.k2);
        this.inputSize = config.inputSize();
        this.rawSize = config.rawSize();
        this.capacity = SeriesState.windowCapacity(config);
        this.snapshotSlots = SeriesState.snapshotSlots(config);
        this.linear = config.linearOrder > 0 ? SeriesState.linearModel(config, home.pool()) : null;
        this.stats = new SeriesStatistics(config, linear);
        this.levelInput = config.hasInput("level");
        this.deltaInput = config.hasInput("delta");
        this.linearInput = config.hasInput("linear") && linear != null;
        this.horizon = config.horizon;
        this.linearSlots = SeriesState.linearSlots(config);
        this.horizons = new Horizon(config);
        this.calendar = new Calendar(config.calendarMode(), config.zoneId());
        this.rootSteps = new double[horizon + 1];
        for (int h = 1; h <= horizon; h++) {
            rootSteps[h] = Math.sqrt(h);
        }
        this.x = new double[inputSize];
        this.xs = new double[config.k2 * inputSize];
        this.targets = new double[config.k2 * horizon];
        this.available = new int[config.k2];
        this.start = new double[layout.stateSize];
        this.extras = new double[config.linearExtras()];
        this.linearSteps = new double[horizon];
        this.outputs = new double[horizon];
        this.hybrid = new double[horizon];
        this.linearChange = new double[horizon];
        this.change = new double[horizon];
        this.halfWidth = new double[horizon];
    }

    public ModelConfig config() {
        return config;
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** The network the keys share, or null in key scope. */
    public SharedNetwork shared() {
        return home instanceof ParameterHome.Shared ? ((ParameterHome.Shared) home).network : null;
    }

    /**
     * A fresh state for {@code key}: in key scope its weights seeded from the key so every run starts
     * alike; in shared scope without weights of its own.
     */
    public SeriesState newState(String key) {
        SeriesState s = SeriesState.allocate(config);
        if (shared() == null) {
            Initializer.initialise(s.params, layout, Initializer.seedFor(config.seed, key));
        }
        return s;
    }

    /**
     * A fresh state whose weights (and optimiser moments, if shaped alike) come from a trained model:
     * a warm start for a new key. Window, carried state and statistics start empty. Values a float32
     * does not hold (a model written by hand, say) are rounded, as every stored parameter is.
     */
    public SeriesState newState(SeriesState warm) {
        if (shared() != null) {
            throw new IllegalStateException("in shared scope a warm start is the shared network's (SharedNetwork.create)");
        }
        SeriesState s = SeriesState.allocate(config);
        if (!sameShape(warm.params, s.params)) {
            throw new IllegalArgumentException("warm-start model has " + layout.flatten(warm.params).length
                    + " parameters in " + warm.params.length + " tensors, this configuration needs "
                    + layout.size + " in " + layout.tensors);
        }
        copy(warm.params, s.params);
        Float32.round(s.params);
        if (sameShape(warm.adamM, s.adamM)) {
            copy(warm.adamM, s.adamM);
            copy(warm.adamV, s.adamV);
            Float32.round(s.adamM);
            Float32.round(s.adamV);
            s.adamStep = warm.adamStep;
        }
        return s;
    }

    private static boolean sameShape(double[][] a, double[][] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                return false;
            }
        }
        return true;
    }

    private static void copy(double[][] from, double[][] to) {
        for (int i = 0; i < from.length; i++) {
            System.arraycopy(from[i], 0, to[i], 0, from[i].length);
        }
    }

    /**
     * Takes the key's next event and writes the forecast of the value after it into {@code out}, then
     * learns if this event completes a k1 period. If the key's model has diverged, {@code out.diverged}
     * is set with the reason in {@code out.divergence}, the forecast is the value itself, and the
     * state, holding only finite values, is fit only to be discarded: observe the event again on a
     * fresh state ({@link #observeOrRestart}). The event's time is unknown here: no cadence, and the
     * calendar inputs of the epoch.
     *
     * @param features covariates in {@link ModelConfig#features} order; null or empty when there are none
     * @throws IllegalArgumentException for a non-finite value or feature, or a wrong feature count;
     *     the state is left untouched
     */
    public void observe(SeriesState s, double value, double[] features, Prediction out) {
        observe(s, Long.MIN_VALUE, value, features, out);
    }

    /**
     * {@link #observe(SeriesState, double, double[], Prediction)} of an event at {@code ts} (epoch ms;
     * {@link Long#MIN_VALUE} when unknown): every step's forecast and interval into {@code out}, which
     * must hold the horizon's steps.
     */
    public void observe(SeriesState s, long ts, double value, double[] features, Prediction out) {
        observe(s, 0L, ts, value, features, out);
    }

    /**
     * {@link #observe(SeriesState, long, double, double[], Prediction)} of the key whose 64-bit hash is
     * {@code key} ({@link #keyHash}): in shared scope the budget picks a key's windows by it, and a batch
     * holds one window per key.
     */
    public void observe(SeriesState s, long key, long ts, double value, double[] features, Prediction out) {
        check(value, features);
        if (out.forecasts.length < horizon) {
            throw new IllegalArgumentException("the prediction holds " + out.forecasts.length + " steps, this model "
                    + "forecasts " + horizon);
        }
        adapt(s);
        out.diverged = false;
        out.divergence = null;
        long step = s.events;
        double v = stats.observe(s, value, features);
        out.heldOut = stats.heldOut();
        horizons.observe(s.horizon, step, ts, v);
        horizons.learn(s.horizon, step, v, step + 1 >= SeriesStatistics.SETTLED ? s.deltaVariance : 0, s.linearWindow,
                linearSlots);
        saveCarriedState(s, step);
        stats.deviations(s);
        if (linear != null) {
            learnLinear(s, v, ts, step);
        }
        changes(s, v, step);
        double sigma1 = Math.sqrt(s.residuals >= 2 ? s.residualVariance : s.deltaVariance);
        double bound = stats.holds(s, step) ? 0.0 : stats.changeBound(s, step);
        horizons.forecast(s.horizon, step, v, hybrid, linearChange, bound, s.deltaVariance, sigma1, change, halfWidth);
        s.events = step + 1;
        s.lastValue = SeriesStatistics.toValue(v, s.exponent[0]); // as the memory keeps it
        double check = write(s, v, out);
        anomalies.score(s.anomaly, value, out);
        if (!finite(s, check)) {
            diverge(s, value, out, "non-finite carried state or statistics at event " + s.events);
            return;
        }
        out.trained = home.learnsFrom(s, key) && train(s, key); // trainsNext(s) said so before this event
        if (out.trained && shared() == null && !weightsWithinLimit(s)) {
            diverge(s, value, out, "weights non-finite or their norm beyond 1e6 after update " + s.updates
                    + " at event " + s.events);
        }
    }

    /** A 64-bit hash of a key (FNV-1a), what {@link #observe(SeriesState, long, long, double, double[], Prediction)} takes. */
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

    /**
     * The linear part learns the value v (with the extras of its event: the standardised level, a
     * constant and the calendar inputs) and forecasts every step's change, which the window keeps.
     */
    private void learnLinear(SeriesState s, double v, long ts, long step) {
        if (extras.length > 0) {
            extras[0] = clip((v - s.mean[0]) / stats.sd(0));
            extras[1] = 1.0;
            calendar.features(ts == Long.MIN_VALUE ? 0 : ts, extras, 2);
        }
        double next = linear.observe(s.linear, v, extras);
        if (horizon == 1) {
            linearSteps[0] = next;
        } else {
            linear.forecastSteps(s.linear, linearSteps);
        }
        int at = (int) (step % linearSlots) * horizon;
        for (int h = 0; h < horizon; h++) {
            // kept at 8 significant bits, as stored: a relative 2^-9 of a change is far below its error
            s.linearWindow[at + h] = BFloat16.round(linearSteps[h] - v);
        }
    }

    /**
     * Each step's change from v, of the hybrid and of the linear part alone: the network steps the
     * carried state, and its output for step h corrects the linear part's change (or, without one,
     * forecasts on its own). {@link Horizon#forecast} bounds both, with every other candidate.
     */
    private void changes(SeriesState s, double v, long step) {
        scaleInput(s, step, x, 0);
        network.step(home.params(s), s.hidden, x, outputs);
        // the carried state as its stored form keeps it (float32), so a restore continues bit for bit
        Float32.round(s.hidden);
        boolean holds = stats.holds(s, step);
        for (int h = 1; h <= horizon; h++) {
            // the network learns targets clipped to +-inputClip: an output beyond them is never right
            double y = clip(outputs[h - 1]);
            // this event's linear forecast as computed: the window keeps it rounded, for learning later
            double l = linear != null ? linearSteps[h - 1] - v : 0.0;
            hybrid[h - 1] = holds ? 0.0 : linear != null ? l + y * stats.deltaSd() * rootSteps[h] : unscale(s, v, y, h) - v;
            linearChange[h - 1] = holds ? 0.0 : l;
        }
    }

    /**
     * Fits a state made before this configuration's horizon parts existed (a key restored from an older
     * build): the linear part gets its extras and steps, the horizon's and the anomaly score's states
     * start here. Allocates only then.
     */
    private void adapt(SeriesState s) {
        s.horizon = horizons.adapt(s.horizon, s.events);
        s.anomaly = anomalies.adapt(s.anomaly);
        if (linear != null && s.linear != null) {
            s.linear = linear.adapt(s.linear);
            int size = linearSlots * horizon;
            if (s.linearWindow.length != size) {
                double[] old = s.linearWindow;
                int oldSlots = old.length; // one step: a slot per event
                s.linearWindow = new double[size];
                for (long e = Math.max(0, s.events - Math.min(oldSlots, linearSlots)); e < s.events; e++) {
                    s.linearWindow[(int) (e % linearSlots) * horizon] = old[(int) (e % oldSlots)];
                }
            }
        }
    }

    /** Writes every step's forecast and interval into {@code out}; returns their sum times 0, for the finiteness check. */
    private double write(SeriesState s, double v, Prediction out) {
        int e = s.exponent[0];
        double acc = 0;
        for (int h = 0; h < horizon; h++) {
            double f = v + change[h];
            out.write(h, f, halfWidth[h], e);
            acc += (f + halfWidth[h]) * 0;
        }
        out.cadence = s.horizon.cadence;
        s.lastForecast = out.forecast;
        return acc;
    }

    /**
     * {@link #observe}, and if the key's model diverged, {@code observe} of the same event once more on
     * a fresh state from {@code restart} (a new key's state: {@link #newState(String)} or a copy of the
     * warm start). Returns the state that now holds the key, {@code s} or the fresh one, which the
     * caller stores in place of the old; {@code out.diverged} and {@code out.divergence} still say
     * that, and why, the old model was discarded, so the caller can count and log the reset.
     */
    public SeriesState observeOrRestart(SeriesState s, double value, double[] features, Prediction out,
            Supplier<SeriesState> restart) {
        return observeOrRestart(s, Long.MIN_VALUE, value, features, out, restart);
    }

    /** {@link #observeOrRestart(SeriesState, double, double[], Prediction, Supplier)} of an event at {@code ts}. */
    public SeriesState observeOrRestart(SeriesState s, long ts, double value, double[] features, Prediction out,
            Supplier<SeriesState> restart) {
        return observeOrRestart(s, 0L, ts, value, features, out, restart);
    }

    /** {@link #observeOrRestart(SeriesState, long, double, double[], Prediction, Supplier)} of the key hashed {@code key}. */
    public SeriesState observeOrRestart(SeriesState s, long key, long ts, double value, double[] features,
            Prediction out, Supplier<SeriesState> restart) {
        observe(s, key, ts, value, features, out);
        if (!out.diverged) {
            return s;
        }
        String reason = out.divergence;
        SeriesState fresh = restart.get();
        observe(fresh, key, ts, value, features, out);
        out.divergence = out.diverged ? reason + "; the fresh model diverged too: " + out.divergence : reason;
        out.diverged = true;
        out.anomalyStatus = AnomalyScore.Status.RESET;
        return fresh;
    }

    /**
     * Whether the next {@link #observe} of this key may learn in its own state (and so needs its optimiser
     * moments): never in shared scope, whose moments are the network's.
     */
    public boolean trainsNext(SeriesState s) {
        return shared() == null && (s.events + 1) % config.k1 == 0;
    }

    private void check(double value, double[] features) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be a finite number, got " + value);
        }
        int n = features == null ? 0 : features.length;
        if (n != rawSize - 1) {
            throw new IllegalArgumentException("expected " + (rawSize - 1) + " features "
                    + config.features + ", got " + n);
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(features[i])) {
                throw new IllegalArgumentException("feature '" + config.features.get(i)
                        + "' must be a finite number, got " + features[i]);
            }
        }
    }

    /** Start of step {@code step}'s row in the window. */
    private int slot(long step) {
        return (int) (step % capacity) * rawSize;
    }

    private double clip(double v) {
        double c = config.inputClip;
        return v > c ? c : (v < -c ? -c : v);
    }

    /**
     * The network's input at window step {@code step}: the derived series inputs the configuration
     * names (standardised level, change, linear forecast change), then the standardised features.
     */
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
            dst[k++] = clip((s.linearWindow[(int) (step % linearSlots) * horizon] - s.deltaMean) / stats.deltaSd());
        }
        for (int i = 1; i < rawSize; i++) {
            dst[k++] = clip((s.window[slot + i] - s.mean[i]) / stats.sd(i));
        }
    }

    /**
     * The network's target for step h from window step {@code step}: what the linear part's forecast of
     * it got wrong, in sqrt(h) deviations of the changes; without a linear part the change (less h mean
     * changes) or the value, standardised.
     */
    private double target(SeriesState s, long step, int h) {
        double current = s.window[slot(step)];
        double next = s.window[slot(step + h)];
        if (linear != null) {
            double forecast = s.linearWindow[(int) (step % linearSlots) * horizon + h - 1];
            return clip((next - current - forecast) / (stats.deltaSd() * rootSteps[h]));
        }
        if (config.target == TargetType.DELTA) {
            return clip((next - current - h * s.deltaMean) / (stats.deltaSd() * rootSteps[h]));
        }
        return clip((next - s.mean[0]) / stats.sd(0));
    }

    private double unscale(SeriesState s, double current, double y, int h) {
        if (config.target == TargetType.DELTA) {
            return current + h * s.deltaMean + y * stats.deltaSd() * rootSteps[h];
        }
        return s.mean[0] + y * stats.sd(0);
    }

    /**
     * Whether every value the event just wrote is finite: the carried state, the statistics, the
     * linear part's scalars and coefficients, and {@code also}. A sum of v * 0 is 0 for finite values
     * and NaN otherwise, so one pass decides.
     */
    private boolean finite(SeriesState s, double also) {
        double acc = also * 0 + Horizon.zeroTimes(s.hidden);
        for (int i = 0; i < rawSize; i++) {
            acc += s.mean[i] * 0 + s.variance[i] * 0 + s.magnitude[i] * 0;
        }
        acc += s.deltaMean * 0 + s.deltaVariance * 0 + s.residualVariance * 0 + s.changeLog * 0;
        if (s.linear != null) {
            OnlineAutoRegression.State l = s.linear;
            acc += l.last * 0 + l.meanSquare * 0 + l.innovation * 0 + l.prior * 0;
            acc += Horizon.zeroTimes(l.theta) + Horizon.zeroTimes(l.steps);
        }
        return acc == 0 && Horizon.finite(s.horizon);
    }

    /**
     * Whether the weights are finite and their norm within WEIGHT_LIMIT (checked after an update; a
     * non-finite moment shows here too, as the update it took part in). A sum of squares, so the loop
     * vectorises: about 1 us per LSTM-32 update of about 60.
     */
    private static boolean weightsWithinLimit(SeriesState s) {
        double squares = 0;
        for (double[] t : s.params) {
            squares += Network.dot(t, t, 0, t.length);
        }
        return squares <= WEIGHT_LIMIT * WEIGHT_LIMIT;
    }

    /**
     * Marks the event as the end of a diverged model: every non-finite value in the state is zeroed (so
     * none is ever stored), the forecast is persistence without an interval, and {@code out} says why.
     */
    private void diverge(SeriesState s, double value, Prediction out, String reason) {
        s.sanitize();
        s.lastValue = value;
        s.lastForecast = value;
        out.persist(value);
        out.trained = false;
        out.diverged = true;
        out.divergence = reason;
    }

    /**
     * Learns now from the key's last min(k2, events - 1) input/target pairs ({@link #observe} calls it
     * when the key's parameter home learns from its window): in key scope one truncated BPTT update of
     * its own weights, clipped by global norm (a non-finite gradient skips it rather than poison the
     * weights); in shared scope the window joins the shared network's batch. Returns whether parameters
     * changed at this event.
     */
    public boolean train(SeriesState s) {
        return train(s, 0L);
    }

    private boolean train(SeriesState s, long key) {
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
            scaleInput(s, step, xs, t * inputSize);
            // step h's output learns only once its target has arrived: step + h <= last
            int known = (int) Math.min(horizon, last - step);
            available[t] = known;
            for (int h = 1; h <= known; h++) {
                targets[t * horizon + h - 1] = target(s, step, h);
            }
        }
        boolean changed = home.learn(this, s, key, start, xs, targets, available, steps);
        if (changed || shared() != null) {
            s.updates++; // the key's own updates, or the windows it gave the shared network
        }
        return changed;
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

    /** The work network, for tests and benchmarks that drive the math directly. */
    public Network network() {
        return network;
    }
}
