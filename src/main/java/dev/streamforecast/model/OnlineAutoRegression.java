package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Online linear autoregression on first differences, fitted per series by recursive least squares.
 *
 * <p>With d_t = y_t - y_{t-1} and the regressor x_t = [d_t, d_{t-1}, ..., d_{t-p+1}, 1] (the trailing 1
 * only with an intercept), the model predicts d_{t+1} = theta · x_t and forecasts y_{t+1} = y_t + d_hat.
 * Each new value first updates theta with the pair (x_{t-1}, d_t), then the forecast of the next value
 * is made from x_t: {@link #observe} does both and returns that forecast, {@link #forecast} repeats it
 * without learning.
 *
 * <p>RLS with forgetting factor lambda and P_0 = delta I is exact least squares on the exponentially
 * weighted history (lambda = 1: all history, equally weighted) with a ridge prior of strength 1/delta,
 * as long as no difference is winsorised and P is never reset (see below).
 * Until p differences are known the forecast is persistence (the last value). All per-series memory is
 * in a {@link State} of primitive arrays, so one instance serves every key of a Flink subtask; its work
 * arrays are sized once and {@code observe} allocates nothing. Not thread-safe.
 *
 * <p>Robustness: non-finite inputs are refused. Each difference is winsorised at {@code clip} times the
 * running root mean square of the differences before it is learned from or used as a lag: least
 * squares gives a single absurd value unbounded leverage, so one 1e9 spike would otherwise corrupt
 * theta for as long as the memory lasts. The forecast still starts from the raw last value, so a real
 * level shift is followed at once. P is kept exactly symmetric (only its upper triangle is
 * computed), and reset to delta I whenever it stops looking positive definite (x'Px < 0, a diagonal
 * entry <= 0, a non-finite entry) or its trace grows past {@value #RESET_GROWTH} times the initial one,
 * which forgetting causes in directions a constant or piecewise-constant series no longer excites. A
 * non-finite theta is zeroed, and a non-finite forecast falls back to persistence, so forecasts are
 * always finite.
 */
public final class OnlineAutoRegression {
    /** Lags of the differenced series. */
    public static final int DEFAULT_ORDER = 24;
    /**
     * A memory of about 1 / (1 - lambda) = 2000 steps: on the shared series (ETTh1 and five NAB series,
     * BaselineTable --sweep) it beat lambda = 1 on all six, by 1% in geometric mean; 0.999 tied, 0.998
     * and below lost.
     */
    public static final double DEFAULT_FORGETTING = 0.9995;
    /**
     * Initial P = delta I, a ridge prior of strength 1/delta: weak, so the first few hundred steps are
     * not pulled to zero. Results were the same to three digits for delta from 1 to 10^4.
     */
    public static final double DEFAULT_DELTA = 100.0;
    /** Without a drift term: with one, MSE was slightly worse on every shared series. */
    public static final boolean DEFAULT_INTERCEPT = false;
    /**
     * Differences are winsorised at this many running RMS (see the class comment). On the shared series
     * 8 cost nothing on ETTh1 and gained up to 3% on the NAB ones; 4 lost 8% on one of them.
     */
    public static final double DEFAULT_CLIP = 8.0;
    /** Trace of P, relative to the initial trace, beyond which P is reset. */
    public static final double RESET_GROWTH = 1e6;
    /** Weight of the newest squared difference in the running mean square (half-life ~700 steps). */
    static final double SCALE_ALPHA = 1e-3;
    /** Differences seen before the running mean square is trusted to winsorise against. */
    static final int SETTLED = 30;

    private final int p;
    private final int n;
    private final boolean intercept;
    private final double lambda;
    private final double delta;
    private final double maxTrace;
    private final double clip;

    // Work arrays: the regressor and P x.
    private final double[] x;
    private final double[] px;

    /** AR({@value #DEFAULT_ORDER}) with the default forgetting, prior, intercept and clip settings. */
    public OnlineAutoRegression() {
        this(DEFAULT_ORDER, DEFAULT_FORGETTING, DEFAULT_DELTA, DEFAULT_INTERCEPT, DEFAULT_CLIP);
    }

    /**
     * @param order number of lagged differences p, at least 1
     * @param forgetting lambda in (0, 1]; 1 weights all history equally
     * @param delta initial P = delta I, positive; larger means a weaker prior pulling theta to zero
     * @param intercept whether the regressor carries a constant 1 (a drift in the differences)
     * @param clip winsorise differences at this many running RMS, positive; infinity disables it
     */
    public OnlineAutoRegression(int order, double forgetting, double delta, boolean intercept, double clip) {
        if (order < 1) {
            throw new IllegalArgumentException("order must be at least 1, got " + order);
        }
        if (!(forgetting > 0 && forgetting <= 1)) {
            throw new IllegalArgumentException("forgetting factor must be in (0, 1], got " + forgetting);
        }
        if (!(delta > 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("delta must be a positive finite number, got " + delta);
        }
        if (!(clip > 0)) {
            throw new IllegalArgumentException("clip must be positive (infinity to disable), got " + clip);
        }
        this.p = order;
        this.n = intercept ? order + 1 : order;
        this.intercept = intercept;
        this.lambda = forgetting;
        this.delta = delta;
        this.maxTrace = RESET_GROWTH * n * delta;
        this.clip = clip;
        this.x = new double[n];
        this.px = new double[n];
    }

    public int order() {
        return p;
    }

    public boolean intercept() {
        return intercept;
    }

    public double forgetting() {
        return lambda;
    }

    public double delta() {
        return delta;
    }

    public double clip() {
        return clip;
    }

    /** Number of coefficients: the order, plus one with an intercept. */
    public int parameters() {
        return n;
    }

    /** A state with no history: theta = 0, P = delta I. */
    public State newState() {
        State s = new State(p, n);
        resetCovariance(s);
        return s;
    }

    /**
     * Learns from the series' next value and returns the forecast of the value after it.
     *
     * @throws IllegalArgumentException if {@code y} is not finite, or the state was made for another
     *     order or intercept setting; the state is then left untouched
     */
    public double observe(State s, double y) {
        if (!Double.isFinite(y)) {
            throw new IllegalArgumentException("value must be a finite number, got " + y);
        }
        checkShape(s);
        if (s.count > 0) {
            double d = y - s.last;
            if (Double.isFinite(d)) {
                d = winsorise(s, d);
                if (s.filled == p) {
                    regressor(s);
                    update(s, d);
                }
                push(s, d);
            } else {
                // Two finite values so far apart their difference overflows: no lag history to speak of.
                s.filled = 0;
            }
        }
        s.last = y;
        s.count++;
        return forecast(s);
    }

    /**
     * The forecast of the next value from what the state has seen: y_t + theta · x_t, or persistence
     * while fewer than p differences are known; NaN before the first value. Learns nothing.
     */
    public double forecast(State s) {
        checkShape(s);
        if (s.count == 0) {
            return Double.NaN;
        }
        if (s.filled < p) {
            return s.last;
        }
        regressor(s);
        // y_hat = y_t + theta · x_t
        double f = s.last + dot(s.theta, x);
        return Double.isFinite(f) ? f : s.last;
    }

    /**
     * Clamps d to +-clip RMS once the running mean square has settled, then updates it with the clamped
     * value, so a spike moves the scale by a bounded amount: ms = (1-a) ms + a d^2, a = max(1/n, alpha).
     */
    private double winsorise(State s, double d) {
        long seen = s.count - 1;
        if (seen >= SETTLED && s.meanSquare > 0) {
            double limit = clip * Math.sqrt(s.meanSquare);
            d = d > limit ? limit : (d < -limit ? -limit : d);
        }
        double a = Math.max(1.0 / (seen + 1), SCALE_ALPHA);
        double next = s.meanSquare + a * (d * d - s.meanSquare);
        // d^2 overflows only for differences beyond 1e154; the scale then keeps its last finite value.
        if (Double.isFinite(next)) {
            s.meanSquare = next;
        }
        return d;
    }

    /** x = [d_t, d_{t-1}, ..., d_{t-p+1}, (1)] from the lag ring, most recent first. */
    private void regressor(State s) {
        int slot = s.head;
        for (int i = 0; i < p; i++) {
            x[i] = s.lags[slot];
            slot = slot == 0 ? p - 1 : slot - 1;
        }
        if (intercept) {
            x[p] = 1.0;
        }
    }

    private void push(State s, double d) {
        s.head = s.head + 1 == p ? 0 : s.head + 1;
        s.lags[s.head] = d;
        if (s.filled < p) {
            s.filled++;
        }
    }

    /**
     * One RLS step on the target d with regressor x (already in the work array).
     *
     * <pre>
     * Px    = P x
     * g     = lambda + x' P x
     * k     = Px / g
     * e     = d - theta · x
     * theta = theta + k e
     * P     = (P - Px Px' / g) / lambda
     * </pre>
     */
    private void update(State s, double d) {
        double[] pm = s.covariance;
        double xpx = multiply(pm);
        if (!(xpx >= 0) || !Double.isFinite(xpx)) {
            resetCovariance(s);
            xpx = multiply(pm);
        }
        double g = lambda + xpx;
        double e = d - dot(s.theta, x);
        if (!Double.isFinite(e)) {
            // theta has overflowed against an extreme regressor: start the fit over.
            Arrays.fill(s.theta, 0.0);
            resetCovariance(s);
            return;
        }
        double ke = e / g;
        boolean thetaFinite = true;
        for (int i = 0; i < n; i++) {
            s.theta[i] += px[i] * ke;
            thetaFinite &= Double.isFinite(s.theta[i]);
        }
        if (!thetaFinite) {
            Arrays.fill(s.theta, 0.0);
            resetCovariance(s);
            return;
        }
        // Upper triangle, mirrored: P stays exactly symmetric whatever the rounding.
        double invG = 1.0 / g;
        double invLambda = 1.0 / lambda;
        double trace = 0;
        double sum = 0;
        boolean positiveDiagonal = true;
        for (int i = 0; i < n; i++) {
            double pi = px[i] * invG;
            int row = i * n;
            for (int j = i; j < n; j++) {
                double v = (pm[row + j] - pi * px[j]) * invLambda;
                pm[row + j] = v;
                pm[j * n + i] = v;
                sum += v;
            }
            double diag = pm[row + i];
            positiveDiagonal &= diag > 0;
            trace += diag;
        }
        if (!positiveDiagonal || !Double.isFinite(sum) || !(trace <= maxTrace)) {
            resetCovariance(s);
        }
    }

    /** px = P x; returns x' P x. */
    private double multiply(double[] pm) {
        double xpx = 0;
        for (int i = 0; i < n; i++) {
            double acc = 0;
            int row = i * n;
            for (int j = 0; j < n; j++) {
                acc += pm[row + j] * x[j];
            }
            px[i] = acc;
            xpx += x[i] * acc;
        }
        return xpx;
    }

    /** P = delta I; theta is kept, only the confidence in it is forgotten. */
    private void resetCovariance(State s) {
        Arrays.fill(s.covariance, 0.0);
        for (int i = 0; i < n; i++) {
            s.covariance[i * n + i] = delta;
        }
        if (s.count > 0) {
            s.resets++;
        }
    }

    private static double dot(double[] a, double[] b) {
        double acc = 0;
        for (int i = 0; i < a.length; i++) {
            acc += a[i] * b[i];
        }
        return acc;
    }

    private void checkShape(State s) {
        if (s.lags.length != p || s.theta.length != n) {
            throw new IllegalArgumentException("state has order " + s.lags.length + " and "
                    + s.theta.length + " coefficients, this model has order " + p + " and " + n);
        }
    }

    /**
     * One series' autoregression: coefficients, RLS covariance, lag ring and counters, as primitives.
     *
     * <p>This is what Flink keeps per key. {@link #writeTo} and {@link #readFrom} give its binary form
     * (schema {@value #SCHEMA_VERSION}); a round trip is bit-exact.
     */
    public static final class State {
        /** Bumped whenever the binary form changes. */
        public static final int SCHEMA_VERSION = 1;

        /** Coefficients, lags first (most recent first), then the intercept if any. */
        public final double[] theta;
        /** P, the scaled inverse of the weighted regressor Gram matrix, row-major n x n. */
        public final double[] covariance;
        /** The last p differences; {@code lags[head]} is the most recent. */
        public final double[] lags;
        public int head;
        /** How many of the lag slots hold real differences (at most p). */
        public int filled;
        /** The last value seen. */
        public double last;
        /** Running mean square of the (winsorised) differences. */
        public double meanSquare;
        /** Values seen. */
        public long count;
        /** Times P was reset after losing positive definiteness or growing without bound. */
        public long resets;

        State(int order, int parameters) {
            this.theta = new double[parameters];
            this.covariance = new double[parameters * parameters];
            this.lags = new double[order];
            this.head = order - 1;
        }

        /** Size in bytes of the binary form {@link #writeTo} writes. */
        public int stateSize() {
            return 4 + 4 + 4 + 8 * (theta.length + covariance.length + lags.length) + 4 + 4 + 8 + 8 + 8 + 8;
        }

        public State copy() {
            State c = new State(lags.length, theta.length);
            System.arraycopy(theta, 0, c.theta, 0, theta.length);
            System.arraycopy(covariance, 0, c.covariance, 0, covariance.length);
            System.arraycopy(lags, 0, c.lags, 0, lags.length);
            c.head = head;
            c.filled = filled;
            c.last = last;
            c.meanSquare = meanSquare;
            c.count = count;
            c.resets = resets;
            return c;
        }

        public void writeTo(DataOutput out) throws IOException {
            out.writeInt(SCHEMA_VERSION);
            out.writeInt(lags.length);
            out.writeInt(theta.length);
            for (double v : theta) {
                out.writeDouble(v);
            }
            for (double v : covariance) {
                out.writeDouble(v);
            }
            for (double v : lags) {
                out.writeDouble(v);
            }
            out.writeInt(head);
            out.writeInt(filled);
            out.writeDouble(last);
            out.writeDouble(meanSquare);
            out.writeLong(count);
            out.writeLong(resets);
        }

        public static State readFrom(DataInput in) throws IOException {
            int version = in.readInt();
            if (version != SCHEMA_VERSION) {
                throw new IOException("unsupported autoregression state schema version " + version
                        + " (this build reads version " + SCHEMA_VERSION + ")");
            }
            int order = in.readInt();
            int parameters = in.readInt();
            // Bounds keep a corrupt stream from allocating gigabytes before failing.
            if (order < 1 || order > 4096 || (parameters != order && parameters != order + 1)) {
                throw new IOException("corrupt autoregression state: order " + order + ", "
                        + parameters + " coefficients");
            }
            State s = new State(order, parameters);
            for (int i = 0; i < s.theta.length; i++) {
                s.theta[i] = in.readDouble();
            }
            for (int i = 0; i < s.covariance.length; i++) {
                s.covariance[i] = in.readDouble();
            }
            for (int i = 0; i < s.lags.length; i++) {
                s.lags[i] = in.readDouble();
            }
            s.head = in.readInt();
            s.filled = in.readInt();
            if (s.head < 0 || s.head >= order || s.filled < 0 || s.filled > order) {
                throw new IOException("corrupt autoregression state: head " + s.head + ", filled "
                        + s.filled + " for order " + order);
            }
            s.last = in.readDouble();
            s.meanSquare = in.readDouble();
            s.count = in.readLong();
            s.resets = in.readLong();
            return s;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof State)) {
                return false;
            }
            State other = (State) o;
            return head == other.head
                    && filled == other.filled
                    && Double.compare(last, other.last) == 0
                    && Double.compare(meanSquare, other.meanSquare) == 0
                    && count == other.count
                    && resets == other.resets
                    && Arrays.equals(theta, other.theta)
                    && Arrays.equals(covariance, other.covariance)
                    && Arrays.equals(lags, other.lags);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(theta) * 31 + Arrays.hashCode(lags) * 17 + Long.hashCode(count);
        }
    }
}
