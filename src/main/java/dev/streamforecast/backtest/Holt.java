package dev.streamforecast.backtest;

/**
 * Holt's linear trend exponential smoothing, optionally damped (Gardner and McKenzie).
 *
 * <p>Starts from level = first value and trend = 0; each later value updates
 * <pre>
 * l_t = alpha y_t + (1 - alpha)(l_{t-1} + phi b_{t-1})
 * b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}
 * y_hat_{t+1} = l_t + phi b_t
 * </pre>
 * phi = 1 is the undamped method; alpha = 1, beta = 0 is persistence.
 */
public final class Holt implements Baseline {
    /**
     * The best of a coarse grid (alpha 0.5..1, beta 0..0.3, phi 0.8..1; BaselineTable --sweep) on the
     * shared hourly and 5-30 minute series, where the last value dominates and trends rarely persist.
     */
    public static final double DEFAULT_ALPHA = 0.9;
    public static final double DEFAULT_BETA = 0.1;
    public static final double DEFAULT_PHI = 0.8;

    private final double alpha;
    private final double beta;
    private final double phi;
    private double level = Double.NaN;
    private double trend;
    private boolean started;

    /** Damped Holt with the default smoothing constants. */
    public Holt() {
        this(DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_PHI);
    }

    /**
     * @param alpha level smoothing in (0, 1]
     * @param beta trend smoothing in [0, 1]
     * @param phi trend damping in (0, 1]; 1 is undamped
     */
    public Holt(double alpha, double beta, double phi) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
        }
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("beta must be in [0, 1], got " + beta);
        }
        if (!(phi > 0 && phi <= 1)) {
            throw new IllegalArgumentException("phi must be in (0, 1], got " + phi);
        }
        this.alpha = alpha;
        this.beta = beta;
        this.phi = phi;
    }

    @Override
    public String name() {
        return phi == 1 ? "holt(" + alpha + "," + beta + ")" : "holt(" + alpha + "," + beta + "," + phi + ")";
    }

    @Override
    public void observe(double y) {
        Baselines.checkFinite(y);
        if (!started) {
            level = y;
            trend = 0;
            started = true;
            return;
        }
        double previous = level;
        level = alpha * y + (1 - alpha) * (previous + phi * trend);
        trend = beta * (level - previous) + (1 - beta) * phi * trend;
    }

    @Override
    public double forecast() {
        return level + phi * trend;
    }
}
