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
 *
 * <p>Extra regressors. After its lags (and the intercept, if any) the regressor may carry {@code q}
 * extras given with each value (the forecaster's standardised level, a constant and calendar inputs),
 * multiplied by the state's {@code unit}, a power of two near the differences' RMS fixed when P is first
 * set, so that every regressor is in the values' units, the prior on P fits them all and a rescaled
 * series gives the same coefficients.
 *
 * <p>Several steps ahead, directly. With a horizon H, step h of the forecast made after y_t is
 * y_t + theta_h · x_t, each theta_h fitted to the rows (x_s, y_{s+h} - y_s). Learning waits for the
 * target: the row of x_s is learned by theta_h when y_{s+h} arrives, never earlier. Every step's
 * regression has the same rows, so its weighted covariance is P, delayed: the step-h update of row s
 * uses the gain k_s = w P x_s / (lambda + w x_s' P x_s) that step 1 computed when it learned that row
 * (kept, with the row, for H events), and its a priori error with theta_h as it is then, which has
 * learned exactly the rows before s. So theta_h is the recursive least squares fit of step h on every
 * row whose target has arrived, at O(H n) an event rather than O(H n^2), the innovations of each step
 * Huber-weighted by their own running RMS. Rows and gains are kept rounded to 8 significant bits (stored
 * in two bytes each, {@link BFloat16}), the steps' coefficients to float32.
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
    /** Extra regressors after the lags (and intercept). */
    private final int q;
    /** Steps forecast ahead. */
    private final int horizon;
    /** The covariance shared with other keys in place of each key's own, or null (see {@link PooledCovariance}). */
    private final PooledCovariance pooled;

    // Work arrays: the regressor, P x, and its symmetric square-root factor.
    private final double[] x;
    private final double[] px;
    private final double[] qx;
    private final double[] gain;
    /** The regressor as the pool takes it (pooled form with extras; see {@link #pooledRow}). */
    private final double[] row;

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
        this(order, forgetting, delta, intercept, clip, innovationClip, 0, 1, null);
    }

    /**
     * As above, each key's coefficients starting from the pooled ones and learned with the pooled
     * covariance in place of one of its own (a key's state then holds no covariance): the linear part
     * of keys that share a network. {@code pooled} null is the per-key form.
     */
    public OnlineAutoRegression(int order, double forgetting, double delta, boolean intercept, double clip,
            double innovationClip, PooledCovariance pooled) {
        this(order, forgetting, delta, intercept, clip, innovationClip, 0, 1, pooled);
    }

    /** The per-key form with extras and steps ahead. */
    public OnlineAutoRegression(int order, double forgetting, double delta, boolean intercept, double clip,
            double innovationClip, int extras, int horizon) {
        this(order, forgetting, delta, intercept, clip, innovationClip, extras, horizon, null);
    }

    /** The pooled form ({@code pooled} not null) or the per-key form, with extras and steps ahead. */
    public static OnlineAutoRegression of(int order, double forgetting, double delta, double clip,
            double innovationClip, int extras, int horizon, PooledCovariance pooled) {
        return new OnlineAutoRegression(order, forgetting, delta, false, clip, innovationClip, extras, horizon,
                pooled);
    }

    /**
     * @param extras extra regressors given with each value, at least 0
     * @param horizon steps ahead forecast directly, at least 1
     * @param pooled the pooled covariance, or null for the per-key form
     */
    private OnlineAutoRegression(int order, double forgetting, double delta, boolean intercept, double clip,
            double innovationClip, int extras, int horizon, PooledCovariance pooled) {
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
        if (extras < 0 || horizon < 1) {
            throw new IllegalArgumentException("need extras >= 0 and horizon >= 1, got " + extras + " and " + horizon);
        }
        this.p = order;
        this.q = extras;
        this.horizon = horizon;
        this.n = (intercept ? order + 1 : order) + extras;
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
        this.qx = new double[n];
        this.gain = new double[n];
        this.row = new double[n];
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

    /** Number of coefficients: the order, plus one with an intercept, plus the extras. */
    public int parameters() {
        return n;
    }

    public int extras() {
        return q;
    }

    public int horizon() {
        return horizon;
    }

    /** A state with no history: theta = 0, P not yet set (see the class comment). */
    public State newState() {
        return new State(p, n, q, horizon, pooled == null ? n * n : 0);
    }

    /**
     * {@code s} if it has this model's shape; otherwise a state of this shape that continues it: the
     * lags, the differences' statistics, the coefficients and P of what both have, the new regressors'
     * coefficients 0 and their part of P the prior (as if P had just been set for them), the steps
     * beyond those {@code s} knew learned afresh. For a key whose linear part was made before it had
     * extras (a calendar) or other steps. Throws for another order or intercept.
     */
    public State adapt(State s) {
        if (s.lags.length != p || s.theta.length - s.exog.length != n - q) {
            throw new IllegalArgumentException("state has order " + s.lags.length + " and "
                    + s.theta.length + " coefficients, this model has order " + p + " and " + n);
        }
        if (s.exog.length == q && s.steps.length == (horizon - 1) * n
                && s.rows.length == (horizon > 1 ? horizon * n : 0)) {
            return s;
        }
        State a = newState();
        int base = n - q;
        int kept = Math.min(s.exog.length, q);
        int oldN = s.theta.length;
        System.arraycopy(s.theta, 0, a.theta, 0, base + kept);
        if (pooled == null && s.covariance.length == oldN * oldN) {
            for (int i = 0; i < base + kept; i++) {
                for (int j = 0; j < base + kept; j++) {
                    a.covariance[i * n + j] = s.covariance[i * oldN + j];
                }
            }
            for (int i = base + kept; i < n; i++) {
                a.covariance[i * n + i] = s.prior;
            }
        }
        System.arraycopy(s.exog, 0, a.exog, 0, kept);
        System.arraycopy(s.lags, 0, a.lags, 0, p);
        System.arraycopy(s.lagWeights, 0, a.lagWeights, 0, p);
        a.head = s.head;
        a.filled = s.filled;
        a.last = s.last;
        a.meanSquare = s.meanSquare;
        a.prior = s.prior;
        a.innovation = s.innovation;
        a.unit = s.unit;
        a.count = s.count;
        a.updates = s.updates;
        a.resets = s.resets;
        return a;
    }

    /**
     * Learns from the series' next value and returns the forecast of the value after it.
     *
     * @throws IllegalArgumentException if {@code y} is not finite, or the state was made for another
     *     order or intercept setting; the state is then left untouched
     */
    public double observe(State s, double y) {
        return observe(s, y, null);
    }

    /**
     * Learns from the series' next value, with each step whose target it is, and returns the forecast of
     * the value after it; {@link #forecastSteps} gives every step's.
     *
     * @param extras the {@link #extras()} extra regressors of this value (unitless; multiplied by the
     *     state's unit here), or null when there are none
     * @throws IllegalArgumentException if {@code y} or an extra is not finite, or the state was made for
     *     another shape; the state is then left untouched
     */
    public double observe(State s, double y, double[] extras) {
        if (!Double.isFinite(y)) {
            throw new IllegalArgumentException("value must be a finite number, got " + y);
        }
        checkShape(s);
        for (int i = 0; i < q; i++) {
            if (!Double.isFinite(extras[i])) {
                throw new IllegalArgumentException("extra regressor " + i + " must be a finite number, got "
                        + extras[i]);
            }
        }
        long index = s.count;
        if (s.count > 0) {
            double d = y - s.last;
            boolean learned = false;
            if (Double.isFinite(d)) {
                double raw = d;
                d = winsorise(s, d);
                double weight = reliability(d, raw);
                double predicted = 0;
                if (s.filled == p) {
                    regressor(s);
                    predicted = predict(s);
                    learned = update(s, d, predicted, weight);
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
            if (horizon > 1) {
                keepGain(s, index - 1, learned);
                learnSteps(s, y, index);
            }
        }
        s.last = y;
        s.count++;
        setExtras(s, extras);
        if (horizon > 1) {
            keepRow(s, y, index);
        }
        return forecast(s);
    }

    /**
     * The forecast of every step from what the state has seen: out[h-1] = y_t + theta_h · x_t, each
     * persistence while fewer than p differences are known; NaN before the first value. Learns nothing.
     */
    public void forecastSteps(State s, double[] out) {
        checkShape(s);
        if (s.count == 0 || s.filled < p) {
            Arrays.fill(out, 0, horizon, s.count == 0 ? Double.NaN : s.last);
            return;
        }
        regressor(s);
        for (int h = 1; h <= horizon; h++) {
            double f = s.last + (h == 1 ? predict(s) : dot(s.steps, (h - 2) * n, x, 0, n));
            out[h - 1] = Double.isFinite(f) ? f : s.last;
        }
    }

    /** The extras of this value, times the unit (set once P is, from the differences' scale). */
    private void setExtras(State s, double[] extras) {
        if (q == 0) {
            return;
        }
        if (s.unit == 0 && (s.prior > 0 || pooled != null) && s.meanSquare > 0) {
            // a power of two near the differences' RMS: it rescales exactly with the state
            s.unit = Scales.scalb(1.0, (int) Math.floor(Scales.log2(Math.sqrt(s.meanSquare)) + 0.5));
        }
        for (int i = 0; i < q; i++) {
            s.exog[i] = extras[i] * s.unit;
        }
    }

    /** Keeps the gain step 1 used for the row after value {@code row} (none if it learned nothing from it). */
    private void keepGain(State s, long row, boolean learned) {
        int slot = (int) (row % horizon);
        if (!learned || s.rowIndex[slot] != row) {
            s.rowIndex[slot] = -1;
            return;
        }
        for (int i = 0; i < n; i++) {
            s.gains[slot * n + i] = BFloat16.round(gain[i]);
        }
    }

    /** Keeps x_t (the regressor after value {@code index}) and the value, for the steps that will learn them. */
    private void keepRow(State s, double y, long index) {
        int slot = (int) (index % horizon);
        if (s.filled < p) {
            s.rowIndex[slot] = -1;
            return;
        }
        regressor(s);
        for (int i = 0; i < n; i++) {
            s.rows[slot * n + i] = BFloat16.round(x[i]);
        }
        s.origins[slot] = y;
        s.rowIndex[slot] = index;
    }

    /**
     * Steps 2..H learn the rows whose target value {@code index} is: for each h, row s = index - h with
     * target y - y_s, its a priori error e = y - y_s - theta_h · x_s Huber-weighted at the innovation
     * clip times the step's running RMS of innovations, and theta_h += k_s w e.
     */
    private void learnSteps(State s, double y, long index) {
        int last = (int) Math.min(horizon, index);
        for (int h = 2; h <= last; h++) {
            long row = index - h;
            int slot = (int) (row % horizon);
            if (s.rowIndex[slot] != row) {
                continue;
            }
            int at = (h - 2) * n;
            int r = slot * n;
            double e = y - s.origins[slot] - dot(s.rows, r, s.steps, at, n);
            double ke = stepWeight(s, h, e) * e;
            if (ke == 0) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                s.steps[at + i] = Float32.round(s.steps[at + i] + s.gains[r + i] * ke);
            }
        }
    }

    /**
     * Huber's weight of step h's innovation e at the innovation clip (none when infinite) times the
     * step's running RMS of innovations, seeded from h times the differences' mean square and then
     * updated with the clipped innovation; 0 for a non-finite e.
     */
    private double stepWeight(State s, int h, double e) {
        if (!Double.isFinite(e)) {
            return 0.0;
        }
        int k = h - 2;
        if (!(s.stepInnovation[k] > 0)) {
            s.stepInnovation[k] = Horizon.single(h * s.meanSquare);
        }
        double abs = Math.abs(e);
        double limit = innovationClip * Math.sqrt(s.stepInnovation[k]);
        double w = abs > limit ? limit / abs : 1.0;
        double c = Scales.capDeviation(abs > limit ? limit : abs);
        s.stepInnovation[k] = Horizon.single(s.stepInnovation[k] + SCALE_ALPHA * (c * c - s.stepInnovation[k]));
        return w;
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
        return pooled != null && s.updates == 0 ? pooled.predict(pooledRow(s, extrasFactor(s))) : dot(s.theta, x);
    }

    /**
     * The work regressor as the pool takes it: its lags as they are, its extras (which hold the given
     * unitless inputs times the state's unit) times {@code f} = RMS / unit ({@link #extrasFactor}). The
     * pool divides a row by the key's RMS of differences, so it holds every key's lags in units of that
     * key's typical difference and every key's extras as the unitless inputs they were given: the same
     * calendar input is the same number in every key's rows. The regressor itself without extras.
     */
    private double[] pooledRow(State s, double f) {
        if (q == 0) {
            return x;
        }
        System.arraycopy(x, 0, row, 0, n);
        for (int i = n - q; i < n; i++) {
            row[i] *= f;
        }
        return row;
    }

    /** RMS / unit: what the pool's row multiplies the extras by (1 before the unit is set, while they are 0). */
    private static double extrasFactor(State s) {
        return s.unit > 0 ? Math.sqrt(s.meanSquare) / s.unit : 1.0;
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
        // the extras, rows and values are in the values' units, the gains in their inverse
        s.unit = Scales.rescale(s.unit, shift);
        Scales.rescale(s.exog, 0, 1, shift);
        Scales.rescale(s.rows, 0, 1, shift);
        Scales.rescale(s.origins, 0, 1, shift);
        Scales.rescale(s.gains, 0, 1, -shift);
        for (int k = 0; k < s.stepInnovation.length; k++) {
            s.stepInnovation[k] = Scales.rescaleSquare(s.stepInnovation[k], shift);
        }
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

    /** x = [d_t, d_{t-1}, ..., d_{t-p+1}, (1), extras] from the lag ring, most recent first. */
    private void regressor(State s) {
        int slot = s.head;
        for (int i = 0; i < p; i++) {
            x[i] = s.lags[slot];
            slot = slot == 0 ? p - 1 : slot - 1;
        }
        if (intercept) {
            x[p] = 1.0;
        }
        System.arraycopy(s.exog, 0, x, n - q, q);
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
     * theta · x made from it; returns whether theta learned from it (its gain is then in the work
     * array). The row is weighted by Huber's min(1, c sigma_e / |e|), so that an outlying innovation
     * moves theta by at most c sigma_e's worth and adds as little confidence to P, and by the least
     * reliability of the differences in the row: while P is still diffuse any row is fitted almost
     * exactly whatever its Huber weight, so a row holding a rejected spike must count for next to
     * nothing instead.
     *
     * <pre>
     * Px    = P x
     * e     = d - theta · x;  w = min(1, c sigma_e / |e|) * min(reliability of d and of the lags)
     * g     = lambda + w x' P x
     * k     = (w / g) Px
     * theta = theta + k e
     * P     = (P - u u') / lambda,  u = sqrt(w / g) Px
     * </pre>
     * P's update is written with u, whose products u_i u_j = u_j u_i are the same bits either way, so P
     * stays exactly symmetric while every row is updated whole, in loops the JIT vectorises.
     */
    private boolean update(State s, double d, double predicted, double reliability) {
        if (pooled != null) {
            return pooledUpdate(s, d, predicted, reliability);
        }
        if (s.prior == 0) {
            if (!(s.meanSquare > 0)) {
                return false; // nothing has moved yet: no information, and no scale to set P by
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
            return false;
        }
        double wg = w / g;
        double ke = wg * e;
        double root = Math.sqrt(wg);
        boolean thetaFinite = true;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            s.theta[i] += px[i] * ke;
            thetaFinite &= Double.isFinite(s.theta[i]);
            gain[i] = px[i] * wg;
            qx[i] = px[i] * root;
            squares += qx[i] * qx[i];
        }
        if (!thetaFinite) {
            Arrays.fill(s.theta, 0.0);
            resetCovariance(s);
            return false;
        }
        s.updates++;
        double invLambda = 1.0 / lambda;
        // four rows a pass: a loop as short as one row (48) would run scalar after C2's unrolling
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double u0 = qx[i];
            double u1 = qx[i + 1];
            double u2 = qx[i + 2];
            double u3 = qx[i + 3];
            int r0 = i * n;
            int r1 = r0 + n;
            int r2 = r1 + n;
            int r3 = r2 + n;
            for (int j = 0; j < n; j++) {
                double uj = qx[j];
                pm[r0 + j] = (pm[r0 + j] - u0 * uj) * invLambda;
                pm[r1 + j] = (pm[r1 + j] - u1 * uj) * invLambda;
                pm[r2 + j] = (pm[r2 + j] - u2 * uj) * invLambda;
                pm[r3 + j] = (pm[r3 + j] - u3 * uj) * invLambda;
            }
        }
        for (; i < n; i++) {
            double ui = qx[i];
            int row = i * n;
            for (int j = 0; j < n; j++) {
                pm[row + j] = (pm[row + j] - ui * qx[j]) * invLambda;
            }
        }
        double trace = 0;
        boolean positiveDiagonal = true;
        for (int k = 0; k < n; k++) {
            double diag = pm[k * n + k];
            positiveDiagonal &= diag > 0;
            trace += diag;
        }
        // every entry is finite when the old ones and u are: P's entries are bounded by its trace
        if (!positiveDiagonal || !Double.isFinite(squares) || !(trace <= RESET_GROWTH * n * s.prior)) {
            resetCovariance(s);
        }
        return true;
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
     * {@link #update} with the pooled covariance: P = c (ms F R F)^-1, R the pooled scale-free covariance
     * of the keys' regressors (see {@link PooledCovariance}), ms this key's mean square of differences, F
     * 1 for the lags and unit / RMS for the extras ({@link #pooledRow}: lags scale-free in units of the
     * key's RMS, extras in their own unitless units), and
     * c = 1 / (S + tau), S = sum of lambda^i over the key's updates (about 1/n early, 1 - lambda in the
     * steady state, as recursive least squares' own P scales) and tau = {@value #POOLED_PRIOR} rows of
     * prior. At the key's first update its coefficients start from the pooled ones. The row then joins
     * the pool. Returns whether theta learned from the row.
     *
     * <pre>
     * e = d - theta · x;  w as in update
     * g = lambda + w x' P x
     * theta = theta + (w / g) P x e
     * </pre>
     */
    private boolean pooledUpdate(State s, double d, double predicted, double reliability) {
        if (!(s.meanSquare > 0)) {
            return false; // nothing has moved yet: no scale to take the row in
        }
        double f = extrasFactor(s);
        double[] r = pooledRow(s, f);
        // P x = c (R^-1 applied to the pool's row, its extras times f again); x' P x = c r' R^-1 r
        double xrx = pooled.solve(r, px);
        for (int i = n - q; i < n; i++) {
            px[i] *= f;
        }
        double information = lambda < 1 ? (1 - Scales.power(lambda, s.updates)) / (1 - lambda) : s.updates;
        double c = 1.0 / ((information + POOLED_PRIOR) * s.meanSquare);
        double e = d - predicted;
        double w = weight(s, e) * Math.min(reliability, lagReliability(s));
        double g = lambda + w * c * xrx;
        if (!Double.isFinite(e) || !Double.isFinite(g)) {
            Arrays.fill(s.theta, 0.0);
            return false;
        }
        if (s.updates == 0) {
            System.arraycopy(pooled.theta, 0, s.theta, 0, n);
            for (int i = n - q; i < n; i++) {
                s.theta[i] *= f;
            }
        }
        // k = w P x / g: the gain the steps ahead learn this row with when their targets come
        double k = w * c / g;
        for (int i = 0; i < n; i++) {
            gain[i] = px[i] * k;
        }
        if (!step(s, k * e)) {
            return false;
        }
        s.updates++;
        pooled.add(r, d, Math.sqrt(s.meanSquare), w);
        return true;
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

    /** px = P x, as the sum of P's rows scaled by x (P is symmetric); returns x' P x. */
    private double multiply(double[] pm) {
        Arrays.fill(px, 0.0);
        int j = 0;
        for (; j + 3 < n; j += 4) {
            double x0 = x[j];
            double x1 = x[j + 1];
            double x2 = x[j + 2];
            double x3 = x[j + 3];
            int r0 = j * n;
            int r1 = r0 + n;
            int r2 = r1 + n;
            int r3 = r2 + n;
            for (int i = 0; i < n; i++) {
                px[i] += pm[r0 + i] * x0 + pm[r1 + i] * x1 + pm[r2 + i] * x2 + pm[r3 + i] * x3;
            }
        }
        for (; j < n; j++) {
            double xj = x[j];
            int row = j * n;
            for (int i = 0; i < n; i++) {
                px[i] += pm[row + i] * xj;
            }
        }
        return dot(x, px);
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

    /**
     * Sum of a[ao + i] b[bo + i] over i < len, in four sums ({@link Network#dot(double[], int, double[],
     * int, int)}): the steps ahead take one per step and event, and one running sum waits an add's
     * latency per term.
     */
    private static double dot(double[] a, int ao, double[] b, int bo, int len) {
        return Network.dot(a, ao, b, bo, len);
    }

    private void checkShape(State s) {
        if (s.lags.length != p || s.theta.length != n || s.exog.length != q || s.origins.length != rowSlots()) {
            throw new IllegalArgumentException("state has order " + s.lags.length + ", "
                    + s.theta.length + " coefficients and " + (s.origins.length <= 1 ? 1 : s.origins.length)
                    + " steps, this model has order " + p + ", " + n + " and " + horizon);
        }
    }

    /** Rows kept for the steps beyond the first: none for one step. */
    private int rowSlots() {
        return horizon > 1 ? horizon : 0;
    }

    /**
     * One series' autoregression: coefficients, RLS covariance, lag ring and counters, as primitives.
     *
     * <p>This is what Flink keeps per key. {@link #writeTo} and {@link #readFrom} give its binary form
     * (schema {@value #SCHEMA_VERSION}; version 1, without the lags' reliabilities, the prior, the
     * innovations' scale and the update count, is still read); a round trip is bit-exact.
     */
    public static final class State {
        /**
         * Bumped whenever the binary form changes. Version 4 says whether the state holds a covariance of
         * its own (a key whose linear part learns with a pooled one holds none) and keeps the coefficients
         * of the steps beyond the first at float32, as they are rounded to when learned; version 3 adds the extra
         * regressors and the steps beyond the first; versions 1 to 3 are still read.
         */
        public static final int SCHEMA_VERSION = 4;

        /** Coefficients, lags first (most recent first), then the intercept if any, then the extras. */
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
        /** The extra regressors of the last value, in the values' units (times {@link #unit}). */
        public final double[] exog;
        /** The extras' unit: a power of two near the differences' RMS, 0 until P is first set. */
        public double unit;
        /** Coefficients of steps 2..H, one row of n each. */
        public final double[] steps;
        /** The regressors of the last H values (slot: value index mod H), float32-rounded; none for H = 1. */
        public final double[] rows;
        /** The gain step 1 learned each row with, same slots, float32-rounded. */
        public final double[] gains;
        /** The value each row was taken after, same slots. */
        public final double[] origins;
        /** The value index whose row each slot holds, -1 when it holds none the steps may learn. */
        public final long[] rowIndex;
        /** Running mean square of each step's (clipped) innovations, steps 2..H. */
        public final double[] stepInnovation;

        State(int order, int parameters) {
            this(order, parameters, 0, 1, parameters * parameters);
        }

        /** A state with a covariance of {@code covariance} values: n x n of its own, or 0 when pooled. */
        State(int order, int parameters, int covariance) {
            this(order, parameters, 0, 1, covariance);
        }

        State(int order, int parameters, int extras, int horizon) {
            this(order, parameters, extras, horizon, parameters * parameters);
        }

        State(int order, int parameters, int extras, int horizon, int covariance) {
            this.theta = new double[parameters];
            this.covariance = new double[covariance];
            this.lags = new double[order];
            this.lagWeights = new double[order];
            Arrays.fill(lagWeights, 1.0);
            this.head = order - 1;
            this.exog = new double[extras];
            this.steps = new double[(horizon - 1) * parameters];
            int slots = horizon > 1 ? horizon : 0;
            this.rows = new double[slots * parameters];
            this.gains = new double[slots * parameters];
            this.origins = new double[slots];
            this.rowIndex = new long[slots];
            Arrays.fill(rowIndex, -1L);
            this.stepInnovation = new double[horizon - 1];
        }

        /** Steps this state forecasts. */
        public int horizon() {
            return stepInnovation.length + 1;
        }

        /** Size in bytes of the binary form {@link #writeTo} writes. */
        public int stateSize() {
            int n = theta.length;
            return 4 + 4 + 4 + 1 + 8 * (n + (covariance.length == 0 ? 0 : n * (n + 1) / 2) + 2 * lags.length) + 4 + 4
                    + 8 * 4 + 8 * 3 + 4 + 4 + 8 * (exog.length + 1 + origins.length + rowIndex.length)
                    + (8 + 4 * stepInnovation.length) + (8 + 4 * steps.length) + 2 * (8 + 2 * rows.length);
        }

        public State copy() {
            State c = new State(lags.length, theta.length, exog.length, horizon(), covariance.length);
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
            System.arraycopy(exog, 0, c.exog, 0, exog.length);
            c.unit = unit;
            System.arraycopy(steps, 0, c.steps, 0, steps.length);
            System.arraycopy(rows, 0, c.rows, 0, rows.length);
            System.arraycopy(gains, 0, c.gains, 0, gains.length);
            System.arraycopy(origins, 0, c.origins, 0, origins.length);
            System.arraycopy(rowIndex, 0, c.rowIndex, 0, rowIndex.length);
            System.arraycopy(stepInnovation, 0, c.stepInnovation, 0, stepInnovation.length);
            return c;
        }

        /** Replaces every NaN and infinity with 0: what a diverged model leaves behind. */
        public void sanitize() {
            for (double[] a : new double[][] {theta, covariance, lags, lagWeights, exog, steps, rows, gains, origins,
                    stepInnovation}) {
                for (int k = 0; k < a.length; k++) {
                    a[k] = Double.isFinite(a[k]) ? a[k] : 0.0;
                }
            }
            last = Double.isFinite(last) ? last : 0.0;
            meanSquare = Double.isFinite(meanSquare) ? meanSquare : 0.0;
            prior = Double.isFinite(prior) ? prior : 0.0;
            innovation = Double.isFinite(innovation) ? innovation : 0.0;
            unit = Double.isFinite(unit) ? unit : 0.0;
        }

        public void writeTo(DataOutput out) throws IOException {
            out.writeInt(SCHEMA_VERSION);
            out.writeInt(lags.length);
            out.writeInt(theta.length);
            out.writeBoolean(covariance.length > 0);
            for (double v : theta) {
                out.writeDouble(v);
            }
            writeUpper(out, covariance, theta.length);
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
            out.writeInt(exog.length);
            out.writeInt(horizon());
            for (double v : exog) {
                out.writeDouble(v);
            }
            out.writeDouble(unit);
            out.writeInt(steps.length);
            Float32.write(out, steps);
            for (double v : origins) {
                out.writeDouble(v);
            }
            for (long v : rowIndex) {
                out.writeLong(v);
            }
            out.writeInt(stepInnovation.length);
            Float32.write(out, stepInnovation);
            BFloat16.write(out, rows);
            BFloat16.write(out, gains);
        }

        /**
         * Reads what {@link #writeTo} wrote, in this schema or versions 1 and 2. A version-1 state had P set
         * to {@value #DEFAULT_DELTA} I from the start, no innovation scale and no reliabilities: it
         * continues with that prior, its mean square of differences standing in for the innovations'
         * until updates refine it, and every lag trusted. Versions 1 and 2 had neither extras nor steps
         * beyond the first.
         */
        public static State readFrom(DataInput in) throws IOException {
            int version = in.readInt();
            if (version < 1 || version > SCHEMA_VERSION) {
                throw new IOException("unsupported autoregression state schema version " + version
                        + " (this build reads versions 1 to " + SCHEMA_VERSION + ")");
            }
            int order = in.readInt();
            int parameters = in.readInt();
            // Bounds keep a corrupt stream from allocating gigabytes before failing.
            if (order < 1 || order > 4096 || parameters < order || parameters > order + 1 + 4096) {
                throw new IOException("corrupt autoregression state: order " + order + ", "
                        + parameters + " coefficients");
            }
            // version 4 says whether P is the key's own (n x n) or the pooled one's (none kept here)
            boolean own = version < 4 || in.readBoolean();
            double[] theta = new double[parameters];
            double[] covariance = new double[own ? parameters * parameters : 0];
            double[] lags = new double[order];
            double[] lagWeights = new double[order];
            Arrays.fill(lagWeights, 1.0);
            for (int i = 0; i < theta.length; i++) {
                theta[i] = in.readDouble();
            }
            if (version >= 4) {
                readUpper(in, covariance, parameters);
            } else {
                for (int i = 0; i < covariance.length; i++) {
                    covariance[i] = in.readDouble();
                }
            }
            for (int i = 0; i < lags.length; i++) {
                lags[i] = in.readDouble();
            }
            if (version > 1) {
                for (int i = 0; i < lagWeights.length; i++) {
                    lagWeights[i] = in.readDouble();
                }
            }
            int head = in.readInt();
            int filled = in.readInt();
            if (head < 0 || head >= order || filled < 0 || filled > order) {
                throw new IOException("corrupt autoregression state: head " + head + ", filled "
                        + filled + " for order " + order);
            }
            double last = in.readDouble();
            double meanSquare = in.readDouble();
            if (version == 1) {
                if (parameters != order && parameters != order + 1) {
                    throw new IOException("corrupt autoregression state: order " + order + ", "
                            + parameters + " coefficients");
                }
                State s = fill(new State(order, parameters), theta, covariance, lags, lagWeights, head, filled,
                        last, meanSquare);
                s.count = in.readLong();
                s.resets = in.readLong();
                s.prior = DEFAULT_DELTA;
                s.innovation = s.meanSquare;
                s.updates = Math.max(0, s.count - 1 - order);
                return s;
            }
            double prior = in.readDouble();
            double innovation = in.readDouble();
            long count = in.readLong();
            long updates = in.readLong();
            long resets = in.readLong();
            int extras = 0;
            int horizon = 1;
            if (version >= 3) {
                extras = in.readInt();
                horizon = in.readInt();
                if (extras < 0 || extras > parameters - order || horizon < 1 || horizon > 4096) {
                    throw new IOException("corrupt autoregression state: " + extras + " extras, horizon " + horizon);
                }
            }
            if (parameters - extras != order && parameters - extras != order + 1) {
                throw new IOException("corrupt autoregression state: order " + order + ", "
                        + parameters + " coefficients, " + extras + " extras");
            }
            State s = fill(new State(order, parameters, extras, horizon, covariance.length), theta, covariance, lags,
                    lagWeights, head, filled, last, meanSquare);
            s.prior = prior;
            s.innovation = innovation;
            s.count = count;
            s.updates = updates;
            s.resets = resets;
            if (version >= 3) {
                for (int i = 0; i < s.exog.length; i++) {
                    s.exog[i] = in.readDouble();
                }
                s.unit = in.readDouble();
                if (version >= 4) {
                    readFloats(in, s.steps);
                } else {
                    for (int i = 0; i < s.steps.length; i++) {
                        s.steps[i] = Float32.round(in.readDouble());
                    }
                }
                for (int i = 0; i < s.origins.length; i++) {
                    s.origins[i] = in.readDouble();
                }
                for (int i = 0; i < s.rowIndex.length; i++) {
                    s.rowIndex[i] = in.readLong();
                }
                if (version >= 4) {
                    readFloats(in, s.stepInnovation);
                } else {
                    for (int i = 0; i < s.stepInnovation.length; i++) {
                        s.stepInnovation[i] = Horizon.single(in.readDouble());
                    }
                }
                if (version >= 4) {
                    readHalves(in, s.rows);
                    readHalves(in, s.gains);
                } else {
                    readFloats(in, s.rows);
                    readFloats(in, s.gains);
                    BFloat16.round(s.rows, 0, s.rows.length);
                    BFloat16.round(s.gains, 0, s.gains.length);
                }
            }
            return s;
        }

        /**
         * P's upper triangle, row by row, in one block of doubles: P is kept exactly symmetric (each entry
         * and its mirror are the same products), so the lower triangle is its mirror and need not be stored.
         */
        private static void writeUpper(DataOutput out, double[] p, int n) throws IOException {
            if (p.length == 0) {
                return;
            }
            byte[] block = Float32.scratch(8 * (n * (n + 1) / 2));
            int at = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    LONGS.set(block, at, Double.doubleToRawLongBits(p[i * n + j]));
                    at += 8;
                }
            }
            out.write(block, 0, at);
        }

        /** What {@link #writeUpper} wrote, mirrored into the lower triangle. */
        private static void readUpper(DataInput in, double[] p, int n) throws IOException {
            if (p.length == 0) {
                return;
            }
            int bytes = 8 * (n * (n + 1) / 2);
            byte[] block = Float32.scratch(bytes);
            in.readFully(block, 0, bytes);
            int at = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    double v = Double.longBitsToDouble((long) LONGS.get(block, at));
                    p[i * n + j] = v;
                    p[j * n + i] = v;
                    at += 8;
                }
            }
        }

        private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
                long[].class, java.nio.ByteOrder.BIG_ENDIAN);

        private static void readHalves(DataInput in, double[] into) throws IOException {
            double[] read = BFloat16.read(in, into.length);
            if (read.length != into.length) {
                throw new IOException("corrupt autoregression state: " + read.length + " values where " + into.length
                        + " belong");
            }
            System.arraycopy(read, 0, into, 0, into.length);
        }

        private static void readFloats(DataInput in, double[] into) throws IOException {
            int n = in.readInt();
            if (n != into.length) {
                throw new IOException("corrupt autoregression state: " + n + " values where " + into.length
                        + " belong");
            }
            Float32.read(in, into);
        }

        private static State fill(State s, double[] theta, double[] covariance, double[] lags, double[] lagWeights,
                int head, int filled, double last, double meanSquare) {
            System.arraycopy(theta, 0, s.theta, 0, theta.length);
            System.arraycopy(covariance, 0, s.covariance, 0, covariance.length);
            System.arraycopy(lags, 0, s.lags, 0, lags.length);
            System.arraycopy(lagWeights, 0, s.lagWeights, 0, lagWeights.length);
            s.head = head;
            s.filled = filled;
            s.last = last;
            s.meanSquare = meanSquare;
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
                    && Double.compare(unit, other.unit) == 0
                    && count == other.count
                    && updates == other.updates
                    && resets == other.resets
                    && Arrays.equals(theta, other.theta)
                    && Arrays.equals(covariance, other.covariance)
                    && Arrays.equals(lags, other.lags)
                    && Arrays.equals(lagWeights, other.lagWeights)
                    && Arrays.equals(exog, other.exog)
                    && Arrays.equals(steps, other.steps)
                    && Arrays.equals(rows, other.rows)
                    && Arrays.equals(gains, other.gains)
                    && Arrays.equals(origins, other.origins)
                    && Arrays.equals(rowIndex, other.rowIndex)
                    && Arrays.equals(stepInnovation, other.stepInnovation);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(theta) * 31 + Arrays.hashCode(lags) * 17 + Long.hashCode(count);
        }
    }
}
