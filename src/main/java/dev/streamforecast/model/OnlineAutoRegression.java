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
 * <p>RLS with forgetting factor lambda and P_0 = (delta / ms) I, ms the running mean square of the
 * differences when P is set, is exact least squares on the exponentially weighted history (lambda = 1:
 * all history, equally weighted) with a ridge prior whose strength, 1/delta of one typical row, does not
 * depend on the series' units; as long as no difference or innovation is clipped and P is never reset.
 * P is set at the first update that has seen a non-zero difference, so a series that starts constant
 * learns nothing and keeps no P until it moves. Until p differences are known the forecast is
 * persistence (the last value). All per-series memory is in a {@link State} of primitive arrays, so one
 * instance serves every key of a Flink subtask; its work arrays are sized once and {@code observe}
 * allocates nothing. Not thread-safe.
 *
 * <p>Robustness: non-finite inputs are refused. Each difference is winsorised at {@code clip} times the
 * running root mean square of the differences before it is learned from or used as a lag: least
 * squares gives a single absurd value unbounded leverage, so one 1e9 spike would otherwise corrupt
 * theta for as long as the memory lasts. That running scale is seeded robustly (from the median
 * difference, {@link Scales#robustMeanSquare}) once {@value #SETTLED} differences are in, and the lags
 * already held are winsorised against it then, so a wild first value cannot inflate it either. A
 * difference far beyond the clip (a spike of 1,000 times the level) is moreover trusted less and less,
 * as a lag, which then holds what the model expected instead, and as part of a regression row
 * ({@link #REJECTION}). Each row is weighted by Huber's weight of its innovation e = d - theta · x at
 * {@code innovationClip} times the innovations' running RMS, so an outlier moves theta by a bounded
 * step and adds little confidence to P. The forecast still starts from the raw last value, so a real
 * level shift is followed at once. P is kept exactly symmetric (only its upper triangle is computed),
 * and reset to its prior whenever it stops looking positive definite (x'Px < 0, a diagonal entry <= 0,
 * a non-finite entry) or its trace grows past {@value #RESET_GROWTH} times the prior's, which
 * forgetting causes in directions a constant or piecewise-constant series no longer excites. A
 * non-finite theta is zeroed, and a non-finite forecast falls back to persistence, so forecasts are
 * always finite. Squares are taken of deviations capped at 2^500, so no statistic overflows;
 * {@link #rescale} changes a state's units by a power of two, exactly.
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
    /**
     * The forecaster's prior: P_0 = (FORECASTER_PRIOR / p / ms) I, a ridge of about 4p pseudo-rows. With
     * the weak prior above, least squares interpolates the noise while a key has seen about p to 3p
     * differences and its forecasts swing wide: on the shared series cut into 300-event pieces (new
     * keys, short series) the model's MSE was 1.51 times persistence's (geometric mean over the six
     * files), 0.69 with this prior. On the whole series, within 1% either way (ETTh1 and nyc_taxi +0.7%,
     * cpu -1.0%, ec2 -2.6%; {@code AccuracySweep}). Priors from 0.25 / p to 1 / p gave the same pieces
     * figure within 2% (1 / p lost 4% on nyc_taxi's whole series), 0.05 / p and 5 / p lost 9% and 15%
     * on the pieces. Forgetting fades the prior like any row, so a long series ends up fitted by its own
     * data alone.
     */
    public static final double FORECASTER_PRIOR = 0.25;
    /** Without a drift term: with one, MSE was slightly worse on every shared series. */
    public static final boolean DEFAULT_INTERCEPT = false;
    /**
     * Differences are winsorised at this many running RMS (see the class comment). On the shared series
     * 8 cost nothing on ETTh1 and gained up to 3% on the NAB ones; 4 lost 8% on one of them.
     */
    public static final double DEFAULT_CLIP = 8.0;
    /**
     * The innovation clip of the forecaster's linear part: rows are Huber-weighted at this many running
     * RMS of the innovations. On the shared series (two seeds) 6 was never worse than no clip and up to
     * 5% better (cpu); 3 and 4 lost up to 1% on ec2. The constructors without the setting do not clip,
     * so the online AR(24) baseline of the accuracy table is the plain RLS it always was.
     */
    public static final double INNOVATION_CLIP = 6.0;
    /**
     * Differences beyond this many times the clip (32 RMS by default) are not only winsorised but
     * trusted less and less, by w = (REJECTION clip / |d|)^2: held as a lag that is w parts the
     * difference and 1 - w parts the model's own prediction of it (a robust filter), and weighting the
     * regression rows that contain them by w. A spike of 1,000 times the level is then all but
     * replaced by what was expected, instead of sitting in the regressor as a pair of 8-RMS moves for
     * p steps. No difference of the shared series came near it (the sweep is the same at 2); it is for
     * what those series do not show.
     */
    static final double REJECTION = 4.0;
    /**
     * Rows of prior in the pooled form: a new key forecasts with the pool's coefficients, starts its own
     * from them at its first update, and moves to its own fit as its rows outweigh these. 50 rather than
     * 1: with 48 lags a key's first few dozen rows fit noise, and the pool's fit is the better guess until
     * then (300-event pieces of the shared series, MSE over persistence: 0.770 at 1, 0.745 at 10, 0.715
     * at 50, 0.725 at 200; whole series within 0.5% either way).
     */
    static final double POOLED_PRIOR = 50.0;
    /** Trace of P, relative to the prior's trace, beyond which P is reset. */
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
    private final double clip;
    private final double innovationClip;
    /** The covariance shared with other keys in place of each key's own, or null (see {@link PooledCovariance}). */
    private final PooledCovariance pooled;

    // Work arrays: the regressor and P x.
    private final double[] x;
    private final double[] px;

    /** AR({@value #DEFAULT_ORDER}) with the default forgetting, prior, intercept and clip settings. */
    public OnlineAutoRegression() {
        this(DEFAULT_ORDER, DEFAULT_FORGETTING, DEFAULT_DELTA, DEFAULT_INTERCEPT, DEFAULT_CLIP);
    }

    /** The given settings, innovations not clipped. */
    public OnlineAutoRegression(int order, double forgetting, double delta, boolean intercept, double clip) {
        this(order, forgetting, delta, intercept, clip, Double.POSITIVE_INFINITY);
    }

    /**
     * @param order number of lagged differences p, at least 1
     * @param forgetting lambda in (0, 1]; 1 weights all history equally
     * @param delta initial P = (delta / ms) I, positive; larger means a weaker prior pulling theta to zero
     * @param intercept whether the regressor carries a constant 1 (a drift in the differences)
     * @param clip winsorise differences at this many running RMS, positive; infinity disables it
     * @param innovationClip clip innovations at this many running RMS, positive; infinity disables it
     */
    public OnlineAutoRegression(int order, double forgetting, double delta, boolean intercept, double clip,
            double innovationClip) {
        this(order, forgetting, delta, intercept, clip, innovationClip, null);
    }

    /**
     * As above, each key's coefficients starting from the pooled ones and learned with the pooled
     * covariance in place of one of its own (a key's state then holds no covariance): the linear part
     * of keys that share a network. {@code pooled} null is the per-key form.
     */
    public OnlineAutoRegression(int order, double forgetting, double delta, boolean intercept, double clip,
            double innovationClip, PooledCovariance pooled) {
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
        if (!(innovationClip > 0)) {
            throw new IllegalArgumentException("innovation clip must be positive (infinity to disable), got "
                    + innovationClip);
        }
        this.p = order;
        this.n = intercept ? order + 1 : order;
        this.intercept = intercept;
        this.lambda = forgetting;
        this.delta = delta;
        this.clip = clip;
        this.innovationClip = innovationClip;
        if (pooled != null && pooled.size() != n) {
            throw new IllegalArgumentException("a pool of " + pooled.size() + " coefficients for " + n);
        }
        this.pooled = pooled;
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

    public double innovationClip() {
        return innovationClip;
    }

    /** Number of coefficients: the order, plus one with an intercept. */
    public int parameters() {
        return n;
    }

    /** A state with no history: theta = 0, P not yet set (see the class comment). */
    public State newState() {
        return new State(p, n, pooled == null ? n * n : 0);
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
                double raw = d;
                d = winsorise(s, d);
                double weight = reliability(d, raw);
                double predicted = 0;
                if (s.filled == p) {
                    regressor(s);
                    predicted = predict(s);
                    update(s, d, predicted, weight);
                }
                // an untrusted difference is held as what the model expected instead
                push(s, weight == 1 ? d : weight * d + (1 - weight) * predicted, weight);
                if (s.count == SETTLED) {
                    seedScale(s);
                }
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
        double f = s.last + predict(s);
        return Double.isFinite(f) ? f : s.last;
    }

    /**
     * theta · x from the work regressor: the key's coefficients, or, in the pooled form before the key's
     * first update, the pooled coefficients, which that update then starts the key's own from.
     */
    private double predict(State s) {
        return pooled != null && s.updates == 0 ? pooled.predict(x) : dot(s.theta, x);
    }

    /**
     * Changes the state's units by 2^shift, exactly while values stay normal doubles: values and lags
     * are multiplied by 2^-shift, mean squares by 2^-2shift, P by 2^2shift; theta has no unit. A P that
     * the change takes out of range is set afresh from the rescaled mean square.
     */
    public void rescale(State s, int shift) {
        checkShape(s);
        s.last = Scales.rescale(s.last, shift);
        Scales.rescale(s.lags, 0, 1, shift);
        s.meanSquare = Scales.rescaleSquare(s.meanSquare, shift);
        s.innovation = Scales.rescaleSquare(s.innovation, shift);
        if (s.prior == 0) {
            return;
        }
        double sum = 0;
        for (int i = 0; i < s.covariance.length; i++) {
            double v = Scales.scalb(s.covariance[i], 2 * shift);
            s.covariance[i] = v;
            sum += v;
        }
        s.prior = Scales.scalb(s.prior, 2 * shift);
        if (!Double.isFinite(sum) || !(s.prior > 0) || !Double.isFinite(s.prior)) {
            resetCovariance(s);
        }
    }

    /**
     * Clamps d to +-clip RMS once the running mean square has settled, then updates it with the clamped
     * value, so a spike moves the scale by a bounded amount: ms = (1-a) ms + a d^2, a = max(1/n, alpha).
     */
    private double winsorise(State s, double d) {
        long seen = s.count - 1;
        d = Scales.capDeviation(d);
        if (seen >= SETTLED && s.meanSquare > 0) {
            double limit = clip * Math.sqrt(s.meanSquare);
            d = d > limit ? limit : (d < -limit ? -limit : d);
        }
        double a = Math.max(1.0 / (seen + 1), SCALE_ALPHA);
        s.meanSquare += a * (d * d - s.meanSquare);
        return d;
    }

    /**
     * How far a difference can be trusted, as a lag and in a row of the regression: 1 up to
     * {@value #REJECTION} times the clip, then (REJECTION clip / |d|)^2, about 0 for a spike far beyond.
     */
    private static double reliability(double kept, double raw) {
        double r = REJECTION * kept / raw;
        if (kept == raw || r >= 1) {
            return 1.0;
        }
        return r * r;
    }

    /**
     * Once {@value #SETTLED} differences are in: the running mean square restarts from a robust
     * estimate of the lags held (a wild early value would otherwise dominate it for thousands of
     * steps), and those lags are winsorised against it, their reliability with them.
     */
    private void seedScale(State s) {
        int k = s.filled;
        if (k == 0) {
            return;
        }
        System.arraycopy(s.lags, 0, px, 0, k);
        s.meanSquare = Scales.robustMeanSquare(px, k, clip);
        if (s.meanSquare > 0) {
            double limit = clip * Math.sqrt(s.meanSquare);
            for (int i = 0; i < p; i++) {
                double d = s.lags[i];
                double kept = d > limit ? limit : (d < -limit ? -limit : d);
                double w = reliability(kept, d);
                s.lags[i] = kept * w; // no model yet to expect anything but 0
                s.lagWeights[i] *= w;
            }
        }
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

    /** The least reliability of the lags in the regressor. */
    private static double lagReliability(State s) {
        double w = 1.0;
        for (double v : s.lagWeights) {
            w = Math.min(w, v);
        }
        return w;
    }

    private void push(State s, double d, double weight) {
        s.head = s.head + 1 == p ? 0 : s.head + 1;
        s.lags[s.head] = d;
        s.lagWeights[s.head] = weight;
        if (s.filled < p) {
            s.filled++;
        }
    }

    /**
     * One RLS step on the target d with regressor x (already in the work array) and the prediction
     * theta · x made from it. The row is weighted by Huber's min(1, c sigma_e / |e|), so that an
     * outlying innovation moves theta by at most c sigma_e's worth and adds as little confidence to P,
     * and by the least reliability of the differences in the row: while P is still diffuse any row is
     * fitted almost exactly whatever its Huber weight, so a row holding a rejected spike must count for
     * next to nothing instead.
     *
     * <pre>
     * Px    = P x
     * e     = d - theta · x;  w = min(1, c sigma_e / |e|) * min(reliability of d and of the lags)
     * g     = lambda + w x' P x
     * theta = theta + (w / g) Px e
     * P     = (P - (w / g) Px Px') / lambda
     * </pre>
     */
    private void update(State s, double d, double predicted, double reliability) {
        if (pooled != null) {
            pooledUpdate(s, d, predicted, reliability);
            return;
        }
        if (s.prior == 0) {
            if (!(s.meanSquare > 0)) {
                return; // nothing has moved yet: no information, and no scale to set P by
            }
            resetCovariance(s);
        }
        double[] pm = s.covariance;
        double xpx = multiply(pm);
        if (!(xpx >= 0) || !Double.isFinite(xpx)) {
            resetCovariance(s);
            xpx = multiply(pm);
        }
        double e = d - predicted;
        double w = weight(s, e) * Math.min(reliability, lagReliability(s));
        double g = lambda + w * xpx;
        if (!Double.isFinite(e) || !Double.isFinite(g)) {
            // theta has overflowed against an extreme regressor: start the fit over.
            Arrays.fill(s.theta, 0.0);
            resetCovariance(s);
            return;
        }
        double wg = w / g;
        if (!step(s, wg * e)) {
            resetCovariance(s);
            return;
        }
        s.updates++;
        // Upper triangle, mirrored: P stays exactly symmetric whatever the rounding.
        double invLambda = 1.0 / lambda;
        double trace = 0;
        double sum = 0;
        boolean positiveDiagonal = true;
        for (int i = 0; i < n; i++) {
            double pi = px[i] * wg;
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
        if (!positiveDiagonal || !Double.isFinite(sum) || !(trace <= RESET_GROWTH * n * s.prior)) {
            resetCovariance(s);
        }
    }

    /**
     * theta += P x k, P x in the work array; false, with theta zeroed, when that leaves theta non-finite
     * (theta has overflowed against an extreme regressor: the fit starts over).
     */
    private boolean step(State s, double k) {
        boolean finite = true;
        for (int i = 0; i < n; i++) {
            s.theta[i] += px[i] * k;
            finite &= Double.isFinite(s.theta[i]);
        }
        if (!finite) {
            Arrays.fill(s.theta, 0.0);
        }
        return finite;
    }

    /**
     * {@link #update} with the pooled covariance: P = c (ms R)^-1, R the pooled scale-free covariance of
     * the keys' regressors (see {@link PooledCovariance}), ms this key's mean square of differences and
     * c = 1 / (S + tau), S = sum of lambda^i over the key's updates (about 1/n early, 1 - lambda in the
     * steady state, as recursive least squares' own P scales) and tau = {@value #POOLED_PRIOR} rows of
     * prior. At the key's first update its coefficients start from the pooled ones. The row then joins
     * the pool.
     *
     * <pre>
     * e = d - theta · x;  w as in update
     * g = lambda + w x' P x
     * theta = theta + (w / g) P x e
     * </pre>
     */
    private void pooledUpdate(State s, double d, double predicted, double reliability) {
        if (!(s.meanSquare > 0)) {
            return; // nothing has moved yet: no scale to take the row in
        }
        double xrx = pooled.solve(x, px);
        double information = lambda < 1 ? (1 - Scales.power(lambda, s.updates)) / (1 - lambda) : s.updates;
        double c = 1.0 / ((information + POOLED_PRIOR) * s.meanSquare);
        double e = d - predicted;
        double w = weight(s, e) * Math.min(reliability, lagReliability(s));
        double g = lambda + w * c * xrx;
        if (!Double.isFinite(e) || !Double.isFinite(g)) {
            Arrays.fill(s.theta, 0.0);
            return;
        }
        if (s.updates == 0) {
            System.arraycopy(pooled.theta, 0, s.theta, 0, n);
        }
        if (!step(s, w * c * e / g)) {
            return;
        }
        s.updates++;
        pooled.add(x, d, Math.sqrt(s.meanSquare), w);
    }

    /**
     * Huber's weight of the innovation e, min(1, c sigma_e / |e|), with sigma_e^2 the running mean
     * square of the innovations (seeded from the differences' at the first update), which is then
     * updated with the clipped innovation: is = (1-a) is + a min(e^2, (c sigma_e)^2), a = max(1/n, alpha).
     */
    private double weight(State s, double e) {
        if (!Double.isFinite(e)) {
            return 1.0;
        }
        if (s.updates == 0 || !(s.innovation > 0)) {
            s.innovation = s.meanSquare;
        }
        double limit = innovationClip * Math.sqrt(s.innovation);
        double abs = Math.abs(e);
        double w = abs > limit ? limit / abs : 1.0;
        double c = Scales.capDeviation(abs > limit ? limit : abs);
        double a = Math.max(1.0 / (s.updates + 1), SCALE_ALPHA);
        s.innovation += a * (c * c - s.innovation);
        return w;
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

    /**
     * P = (delta / ms) I, the prior in the units of the differences seen (ms their running mean square);
     * P is left unset while ms is 0. theta is kept, only the confidence in it is forgotten.
     */
    private void resetCovariance(State s) {
        Arrays.fill(s.covariance, 0.0);
        double prior = s.meanSquare > 0 ? delta / s.meanSquare : 0.0;
        s.prior = Double.isFinite(prior) ? prior : Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            s.covariance[i * n + i] = s.prior;
        }
        if (s.updates > 0) {
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
     * (schema {@value #SCHEMA_VERSION}; version 1, without the lags' reliabilities, the prior, the
     * innovations' scale and the update count, is still read); a round trip is bit-exact.
     */
    public static final class State {
        /** Bumped whenever the binary form changes. */
        public static final int SCHEMA_VERSION = 2;

        /** Coefficients, lags first (most recent first), then the intercept if any. */
        public final double[] theta;
        /** P, the scaled inverse of the weighted regressor Gram matrix, row-major n x n; 0 until set. */
        public final double[] covariance;
        /** The last p differences; {@code lags[head]} is the most recent. */
        public final double[] lags;
        /** How far each lag can be trusted as part of a regression row, in (0, 1] (see reliability). */
        public final double[] lagWeights;
        public int head;
        /** How many of the lag slots hold real differences (at most p). */
        public int filled;
        /** The last value seen. */
        public double last;
        /** Running mean square of the (winsorised) differences. */
        public double meanSquare;
        /** The prior P was last set to, delta / ms times I; 0 while P is unset. */
        public double prior;
        /** Running mean square of the (clipped) innovations. */
        public double innovation;
        /** Values seen. */
        public long count;
        /** RLS updates made. */
        public long updates;
        /** Times P was reset after losing positive definiteness or growing without bound. */
        public long resets;

        State(int order, int parameters) {
            this(order, parameters, parameters * parameters);
        }

        /** A state with a covariance of {@code covariance} values: n x n of its own, or 0 when pooled. */
        State(int order, int parameters, int covariance) {
            this.theta = new double[parameters];
            this.covariance = new double[covariance];
            this.lags = new double[order];
            this.lagWeights = new double[order];
            Arrays.fill(lagWeights, 1.0);
            this.head = order - 1;
        }

        /** Size in bytes of the binary form {@link #writeTo} writes. */
        public int stateSize() {
            return 4 + 4 + 4 + 8 * (theta.length + covariance.length + 2 * lags.length) + 4 + 4 + 8 * 4 + 8 * 3;
        }

        public State copy() {
            State c = new State(lags.length, theta.length, covariance.length);
            System.arraycopy(theta, 0, c.theta, 0, theta.length);
            System.arraycopy(covariance, 0, c.covariance, 0, covariance.length);
            System.arraycopy(lags, 0, c.lags, 0, lags.length);
            System.arraycopy(lagWeights, 0, c.lagWeights, 0, lagWeights.length);
            c.head = head;
            c.filled = filled;
            c.last = last;
            c.meanSquare = meanSquare;
            c.prior = prior;
            c.innovation = innovation;
            c.count = count;
            c.updates = updates;
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
            for (double v : lagWeights) {
                out.writeDouble(v);
            }
            out.writeInt(head);
            out.writeInt(filled);
            out.writeDouble(last);
            out.writeDouble(meanSquare);
            out.writeDouble(prior);
            out.writeDouble(innovation);
            out.writeLong(count);
            out.writeLong(updates);
            out.writeLong(resets);
        }

        /**
         * Reads what {@link #writeTo} wrote, in this schema or version 1. A version-1 state had P set
         * to {@value #DEFAULT_DELTA} I from the start, no innovation scale and no reliabilities: it
         * continues with that prior, its mean square of differences standing in for the innovations'
         * until updates refine it, and every lag trusted.
         */
        public static State readFrom(DataInput in) throws IOException {
            int version = in.readInt();
            if (version != SCHEMA_VERSION && version != 1) {
                throw new IOException("unsupported autoregression state schema version " + version
                        + " (this build reads versions 1 and " + SCHEMA_VERSION + ")");
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
            if (version > 1) {
                for (int i = 0; i < s.lagWeights.length; i++) {
                    s.lagWeights[i] = in.readDouble();
                }
            }
            s.head = in.readInt();
            s.filled = in.readInt();
            if (s.head < 0 || s.head >= order || s.filled < 0 || s.filled > order) {
                throw new IOException("corrupt autoregression state: head " + s.head + ", filled "
                        + s.filled + " for order " + order);
            }
            s.last = in.readDouble();
            s.meanSquare = in.readDouble();
            if (version == 1) {
                s.count = in.readLong();
                s.resets = in.readLong();
                s.prior = DEFAULT_DELTA;
                s.innovation = s.meanSquare;
                s.updates = Math.max(0, s.count - 1 - order);
                return s;
            }
            s.prior = in.readDouble();
            s.innovation = in.readDouble();
            s.count = in.readLong();
            s.updates = in.readLong();
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
                    && Double.compare(prior, other.prior) == 0
                    && Double.compare(innovation, other.innovation) == 0
                    && count == other.count
                    && updates == other.updates
                    && resets == other.resets
                    && Arrays.equals(theta, other.theta)
                    && Arrays.equals(covariance, other.covariance)
                    && Arrays.equals(lags, other.lags)
                    && Arrays.equals(lagWeights, other.lagWeights);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(theta) * 31 + Arrays.hashCode(lags) * 17 + Long.hashCode(count);
        }
    }
}
