package dev.streamforecast.model;

import java.util.Arrays;

/**
 * The online forecaster of one configuration: forecast each key's next value, then learn.
 *
 * <p>Holds only the configuration and work arrays (sized once); each key's model lives in its
 * {@link SeriesState}, so one instance serves every key of a Flink subtask. Not thread-safe.
 *
 * <p>On each event {@link #observe}: updates the key's residual and scaling statistics, appends the
 * raw input to the window, advances the carried state by one step and forecasts the next value; then,
 * every {@code k1} events, runs truncated BPTT over the last {@code k2} steps of the window from the
 * carried state saved at the window's start, clips the gradient's global norm, and applies the
 * optimiser. Everything depends only on the events and their order, so replays are bit-identical.
 */
public final class OnlineForecaster {
    /** Samples after which running statistics are trusted enough to winsorise against. */
    private static final int SETTLED = 10;

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final Network network;
    private final int inputSize;
    private final int rawSize;
    private final int capacity;
    private final int snapshotSlots;
    private final double scalerAlpha;
    private final double residualAlpha;
    private final double z;
    private final boolean levelInput;
    private final boolean deltaInput;
    private final boolean linearInput;
    /** The linear part the network corrects, or null. */
    private final OnlineAutoRegression linear;

    // Work arrays.
    private final double[] x;
    private final double[] xs;
    private final double[] targets;
    private final double[][] grad;
    private final double[] start;

    public OnlineForecaster(ModelConfig config) {
        this.config = config;
        this.layout = ParameterLayout.of(config);
        this.network = new Network(layout, config.k2);
        this.inputSize = config.inputSize();
        this.rawSize = config.rawSize();
        this.capacity = SeriesState.windowCapacity(config);
        this.snapshotSlots = SeriesState.snapshotSlots(config);
        this.scalerAlpha = config.scalerHalfLife == 0 ? 0 : 1 - StrictMath.pow(2, -1 / config.scalerHalfLife);
        this.residualAlpha = 1 - StrictMath.pow(2, -1 / config.residualHalfLife);
        this.z = Gaussian.quantile(0.5 + config.intervalLevel / 2);
        this.linear = config.linearOrder > 0 ? SeriesState.linearModel(config) : null;
        this.levelInput = config.hasInput("level");
        this.deltaInput = config.hasInput("delta");
        this.linearInput = config.hasInput("linear") && linear != null;
        this.x = new double[inputSize];
        this.xs = new double[config.k2 * inputSize];
        this.targets = new double[config.k2];
        this.grad = layout.allocate();
        this.start = new double[layout.stateSize];
    }

    public ModelConfig config() {
        return config;
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** A fresh state for {@code key}, its weights seeded from the key so every run starts alike. */
    public SeriesState newState(String key) {
        SeriesState s = SeriesState.allocate(config);
        Initializer.initialise(s.params, layout, Initializer.seedFor(config.seed, key));
        return s;
    }

    /**
     * A fresh state whose weights (and optimiser moments, if shaped alike) come from a trained model:
     * a warm start for a new key. Window, carried state and statistics start empty. Values a float32
     * does not hold (a model written by hand, say) are rounded, as every stored parameter is.
     */
    public SeriesState newState(SeriesState warm) {
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
     * learns if this event completes a k1 period.
     *
     * @param features covariates in {@link ModelConfig#features} order; null or empty when there are none
     * @throws IllegalArgumentException for a non-finite value or feature, or a wrong feature count;
     *     the state is left untouched
     */
    public void observe(SeriesState s, double value, double[] features, Prediction out) {
        check(value, features);
        long step = s.events;
        if (step > 0 && Double.isFinite(s.lastForecast)) {
            // Residual variance, exponentially weighted: r2 = (1-a) r2 + a e^2
            double e = winsorise(value - s.lastForecast, s.residualVariance, s.residuals);
            double a = Math.max(residualAlpha, 1.0 / (s.residuals + 1));
            s.residualVariance += a * (e * e - s.residualVariance);
            s.residuals++;
        }
        updateScaler(s, value, features, step);
        int slot = (int) (step % capacity) * rawSize;
        s.window[slot] = value;
        for (int i = 1; i < rawSize; i++) {
            s.window[slot + i] = features[i - 1];
        }
        if (step == 0 || (step + 1 + config.k2) % config.k1 == 0) {
            System.arraycopy(s.hidden, 0, s.snapshots, s.nextSnapshot * layout.stateSize, layout.stateSize);
            s.snapshotSteps[s.nextSnapshot] = step;
            s.nextSnapshot = (s.nextSnapshot + 1) % snapshotSlots;
        }
        // The linear part learns the value and forecasts the next change; the network corrects it.
        double linearDelta = 0;
        if (linear != null) {
            linearDelta = linear.observe(s.linear, value) - value;
            s.linearWindow[(int) (step % capacity)] = linearDelta;
        }
        scaleInput(s, step, x, 0);
        double y = network.step(s.params, s.hidden, x);
        double forecast = linear != null ? value + linearDelta + y * deltaStd(s) : unscale(s, value, y);
        s.events = step + 1;
        s.lastValue = value;
        s.lastForecast = forecast;

        double sigma = Math.sqrt(s.residuals >= 2 ? s.residualVariance : s.deltaVariance);
        out.forecast = forecast;
        out.lower = forecast - z * sigma;
        out.upper = forecast + z * sigma;
        out.trained = s.events % config.k1 == 0 && train(s); // trainsNext(s) said so before this event
    }

    /** Whether the next {@link #observe} of this key will learn (and so needs its optimiser moments). */
    public boolean trainsNext(SeriesState s) {
        return (s.events + 1) % config.k1 == 0;
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

    /**
     * Running mean and variance: m += a d; s2 = (1-a)(s2 + a d^2) with d = v - m and a = max(1/n, alpha).
     * The deviation d is winsorised at inputClip deviations once the statistics have settled, so a
     * single absurd value moves them by a bounded amount instead of dominating them for thousands of
     * events, while a real change of level or spread is still followed within tens of events.
     */
    private void updateScaler(SeriesState s, double value, double[] features, long step) {
        double a = Math.max(scalerAlpha, 1.0 / (step + 1));
        for (int i = 0; i < rawSize; i++) {
            double v = i == 0 ? value : features[i - 1];
            double d = winsorise(v - s.mean[i], s.variance[i], step);
            s.mean[i] += a * d;
            s.variance[i] = (1 - a) * (s.variance[i] + a * d * d);
        }
        if (step > 0) {
            double ad = Math.max(scalerAlpha, 1.0 / step);
            double d = winsorise(value - s.lastValue - s.deltaMean, s.deltaVariance, step - 1);
            s.deltaMean += ad * d;
            s.deltaVariance = (1 - ad) * (s.deltaVariance + ad * d * d);
        }
    }

    /** Clamps deviation d to +-inputClip standard deviations once n >= SETTLED samples are in. */
    private double winsorise(double d, double variance, long n) {
        if (n < SETTLED || !(variance > 0)) {
            return d;
        }
        double limit = config.inputClip * Math.sqrt(variance);
        return d > limit ? limit : (d < -limit ? -limit : d);
    }

    private double std(SeriesState s, int i) {
        return Math.max(Math.sqrt(s.variance[i]), 1e-9 * (1 + Math.abs(s.mean[i])));
    }

    private double deltaStd(SeriesState s) {
        return Math.max(Math.sqrt(s.deltaVariance), 1e-9 * (1 + Math.abs(s.mean[0])));
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
        int slot = (int) (step % capacity) * rawSize;
        double v = s.window[slot];
        int k = dOff;
        if (levelInput) {
            dst[k++] = clip((v - s.mean[0]) / std(s, 0));
        }
        if (deltaInput) {
            double previous = step == 0 ? v : s.window[(int) ((step - 1) % capacity) * rawSize];
            dst[k++] = clip((v - previous - s.deltaMean) / deltaStd(s));
        }
        if (linearInput) {
            dst[k++] = clip((s.linearWindow[(int) (step % capacity)] - s.deltaMean) / deltaStd(s));
        }
        for (int i = 1; i < rawSize; i++) {
            dst[k++] = clip((s.window[slot + i] - s.mean[i]) / std(s, i));
        }
    }

    private double scaleTarget(SeriesState s, double next, double current) {
        if (config.target == TargetType.DELTA) {
            return clip((next - current - s.deltaMean) / deltaStd(s));
        }
        return clip((next - s.mean[0]) / std(s, 0));
    }

    private double unscale(SeriesState s, double current, double y) {
        if (config.target == TargetType.DELTA) {
            return current + s.deltaMean + y * deltaStd(s);
        }
        return s.mean[0] + y * std(s, 0);
    }

    /**
     * Runs one truncated BPTT update now over the last min(k2, events-1) input/target pairs (observe
     * calls it every k1 events); returns whether the
     * parameters changed (a non-finite gradient skips the update rather than poison the weights).
     */
    public boolean train(SeriesState s) {
        long last = s.events - 1;
        int steps = (int) Math.min(config.k2, last);
        if (steps < 1) {
            return false;
        }
        long first = last - steps;
        loadSnapshot(s, first);
        for (int t = 0; t < steps; t++) {
            long step = first + t;
            int slot = (int) (step % capacity) * rawSize;
            int next = (int) ((step + 1) % capacity) * rawSize;
            scaleInput(s, step, xs, t * inputSize);
            targets[t] = linear != null
                    // the network's target: what the linear part got wrong, in deviations of the changes
                    ? clip((s.window[next] - s.window[slot] - s.linearWindow[(int) (step % capacity)]) / deltaStd(s))
                    : scaleTarget(s, s.window[next], s.window[slot]);
        }
        network.lossAndGradient(s.params, start, xs, targets, steps, config.l2, grad);
        double norm = 0;
        for (double[] g : grad) {
            norm += Network.dot(g, g, 0, g.length);
        }
        norm = Math.sqrt(norm);
        if (!Double.isFinite(norm)) {
            return false;
        }
        // Clip by global norm: g *= clip / max(clip, |g|)
        double scale = config.clipNorm > 0 && norm > config.clipNorm ? config.clipNorm / norm : 1.0;
        if (config.optimizer == OptimizerType.ADAM) {
            Optimizer.adam(s, grad, scale, config.learningRate, config.beta1, config.beta2, config.epsilon);
        } else {
            Optimizer.sgd(s.params, grad, scale, config.learningRate);
        }
        s.updates++;
        return true;
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
