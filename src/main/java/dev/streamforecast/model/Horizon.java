package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * What a key's forecast of steps 1..H is made of besides the models: the key's cadence, the candidates'
 * online combination per step, and each step's interval, all learned from targets as they arrive.
 *
 * <p><b>Cadence.</b> The median of the last {@value #CADENCE} intervals between the key's events is its
 * cadence when at least three quarters of them are within 1/64 of it (a missing event now and then does
 * not matter); step h's target is then expected at the event's time plus h cadences. The season of the
 * seasonal candidate is a day at that cadence ({@value #MAX_SEASON} steps at most).
 *
 * <p><b>Candidates.</b> For each step, the forecasts the configuration names (the hybrid, the linear
 * part alone, seasonal naive: the value a day before the target, persistence: the last value), each as
 * a change from the event's value. Each is combined per step with weights from its recent errors: when
 * the value at t arrives, every candidate's forecast made at t - h for it is scored, l_c = e_c^2 / S_h
 * (S_h a running mean of the candidates' squared errors at step h, so the losses have no unit), and
 * the discounted loss L_hc = gamma L_hc + l_c; the weights are w_hc ~ 2^(-eta (L_hc - min_c L_hc)),
 * exponentiated gradient with a forgetting factor (OneNet combines its branches so), a power of two by
 * {@link Scales#pow2}, exact and cheap. A candidate consistently better than the others takes all the
 * weight within a few hundred events; close ones share it.
 *
 * <p><b>Intervals.</b> Step h's interval is the combined forecast plus or minus a multiplier times
 * sigma_h, the running RMS of that step's errors of the emitted forecast. Gaussian: the multiplier is
 * the normal quantile of the level. Conformal: it is tracked online (Angelopoulos, Candes and Tibshirani's
 * quantile tracking, the form of Gibbs and Candes's adaptive conformal inference on scores scaled by
 * sigma_h): after each error arrives, m_h += rate (miss - alpha), a miss being an error beyond the
 * half-width emitted for it, so that the share of misses goes to alpha = 1 - level whatever the errors'
 * distribution.
 *
 * <p>Every forecast a step's learning needs later (the stored candidates', the emitted forecast and
 * half-width) is kept for H + 1 events, rounded to float32, as a change from its event's value in the
 * value's units; seasonal naive and persistence are read back from the values kept. One instance
 * serves every key of a subtask; its work arrays are sized once.
 */
public final class Horizon {
    /** Intervals between events kept for the cadence. */
    static final int CADENCE = 16;
    /** The longest season of the seasonal candidate: a day of minutes. */
    static final int MAX_SEASON = 1440;
    static final long DAY_MS = 86_400_000L;
    /** A candidate's error enters its loss winsorised at this many RMS of the step's errors. */
    static final double LOSS_CLIP = 4;
    /**
     * The candidates' discounted squared errors forget with gamma = 1 - 1/COMBINE_MEMORY per event. Far
     * steps' errors are correlated over many events, so their losses need a long memory to rank the
     * candidates: against 512, 2048 took the worst series' ratio to its best candidate at H=96 from 1.049
     * to 1.004 and at H=24 from 1.008 to 1.002, H=1 unchanged (1.005).
     */
    static final double COMBINE_MEMORY = 2048;
    /** beta: a candidate whose discounted squared error is 1/beta above the best's has half its weight. */
    static final double COMBINE_SHARPNESS = 20;
    /** The conformal multiplier's step: it moves by rate (1 - alpha) after a miss and by -rate alpha after a hit. */
    static final double MULTIPLIER_RATE = 0.05;
    /** The conformal multiplier stays within [0, MULTIPLIER_CAP]. */
    static final double MULTIPLIER_CAP = 64;

    /** The candidates, in the order they are kept. */
    public static final java.util.List<String> CANDIDATES = java.util.List.of("hybrid", "linear", "seasonal",
            "persistence");
    static final int HYBRID = 0;
    static final int LINEAR = 1;
    static final int SEASONAL = 2;
    static final int PERSISTENCE = 3;

    private final int horizon;
    /** The candidates combined (indices into CANDIDATES), in that order. */
    private final int[] kinds;
    /** Candidates whose forecasts are kept (hybrid, linear) rather than read back from the values. */
    private final int stored;
    private final boolean combines;
    private final boolean conformal;
    private final double z;
    private final double alpha;
    private final double errorRate;
    private final double inputClip;
    /** The forgetting factor of the candidates' squared errors. */
    private final double memory;

    /** Per candidate, its place among the stored ones (-1 for those read back from the values or the linear forecasts). */
    private final int[] storedAt;
    /**
     * Whether each kept row ends with the bound the models' forecasts were clipped to at its event (0 while
     * they held the last value): with it, the linear candidate's forecast is read back from the linear
     * forecasts the key keeps anyway, clipped as it was, instead of being kept twice.
     */
    private final boolean boundSlot;

    // Work arrays: one step's candidate forecasts, losses and weights; the intervals, sorted.
    private final long[] sorted = new long[CADENCE];
    private final double[] forecasts;
    private final double[] losses;
    private final double[] weights;

    public Horizon(ModelConfig config) {
        this.horizon = config.horizon;
        this.kinds = config.activeCandidates().stream().mapToInt(CANDIDATES::indexOf).toArray();
        int keep = 0;
        this.storedAt = new int[kinds.length];
        boolean linear = false;
        for (int c = 0; c < kinds.length; c++) {
            storedAt[c] = kinds[c] == HYBRID ? keep++ : -1;
            linear |= kinds[c] == LINEAR;
        }
        this.combines = kinds.length > 1;
        this.stored = combines ? keep : 0;
        this.boundSlot = combines && linear;
        this.conformal = config.intervals == IntervalMethod.CONFORMAL;
        this.z = Gaussian.quantile(0.5 + config.intervalLevel / 2);
        this.alpha = 1 - config.intervalLevel;
        this.errorRate = 1 - StrictMath.pow(2, -1 / config.residualHalfLife);
        this.inputClip = config.inputClip;
        this.memory = 1 - 1 / COMBINE_MEMORY;
        this.forecasts = new double[kinds.length];
        this.losses = new double[kinds.length];
        this.weights = new double[kinds.length];
    }

    public int horizon() {
        return horizon;
    }

    /** A state with nothing learned yet. */
    public State newState() {
        return new State(horizon, kinds.length, rowWidth(), z);
    }

    /** Doubles kept per event: the stored candidates', the emitted forecast and half-width, per step; the bound. */
    private int rowWidth() {
        return horizon * (stored + 2) + (boundSlot ? 1 : 0);
    }

    /**
     * {@code s} if it fits this configuration; otherwise a fresh state that learns from event {@code step}
     * on (a key restored from before horizons, or combining other candidates now). Allocates only then.
     */
    public State adapt(State s, long step) {
        if (s != null && s.losses.length == horizon * kinds.length && s.multipliers.length == horizon) {
            if (s.layout == 1) {
                s = inRowsOfNow(s);
            }
            if (s.ring.length == (horizon + 1) * rowWidth()) {
                return s;
            }
        }
        State fresh = newState();
        fresh.historyFrom = step;
        fresh.learnFrom = step;
        if (s != null && s.multipliers.length == horizon) {
            // the cadence, the values and the intervals' statistics do not depend on the candidates
            fresh.lastTs = s.lastTs;
            fresh.intervals = s.intervals;
            fresh.intervalsSeen = s.intervalsSeen;
            fresh.cadence = s.cadence;
            fresh.season = s.season;
            fresh.history = s.history;
            fresh.historyFrom = s.historyFrom;
            fresh.errorSquares = s.errorSquares;
            fresh.multipliers = s.multipliers;
        }
        return fresh;
    }

    /**
     * A state of the first layout, whose rows kept the linear candidate's forecasts too (a block of H each:
     * the hybrid's if combined, the linear part's if combined, the emitted forecast, the half-width), in
     * the rows kept now, which read the linear forecasts from the key's own: what it learned carries on.
     * The bounds they were clipped to were not kept; the largest double stands for them (the clip almost
     * never acted).
     */
    private State inRowsOfNow(State s) {
        boolean hybrid = false;
        boolean linear = false;
        for (int kind : kinds) {
            hybrid |= combines && kind == HYBRID;
            linear |= combines && kind == LINEAR;
        }
        int oldWidth = horizon * ((hybrid ? 1 : 0) + (linear ? 1 : 0) + 2);
        if (s.ring.length != (horizon + 1) * oldWidth) {
            return s; // not this configuration's: adapt starts afresh
        }
        int width = rowWidth();
        double[] ring = new double[(horizon + 1) * width];
        for (int r = 0; r <= horizon; r++) {
            int from = r * oldWidth;
            int to = r * width;
            int kept = hybrid ? horizon : 0;
            System.arraycopy(s.ring, from, ring, to, kept);
            System.arraycopy(s.ring, from + kept + (linear ? horizon : 0), ring, to + kept, 2 * horizon);
            if (boundSlot) {
                ring[to + width - 1] = Double.MAX_VALUE;
            }
        }
        State c = s.copy();
        c.ring = ring;
        c.layout = 2;
        return c;
    }

    /**
     * Takes the event's time into the cadence (ignored when unknown, {@link Long#MIN_VALUE}, or not after
     * the last) and the season, and its value, in the value's units, into the kept values.
     */
    public void observe(State s, long step, long ts, double v) {
        if (ts != Long.MIN_VALUE && s.lastTs != Long.MIN_VALUE && ts > s.lastTs) {
            long interval = ts - s.lastTs;
            int slot = (int) (s.intervalsSeen % CADENCE);
            long evicted = s.intervals[slot];
            s.intervals[slot] = interval;
            s.intervalsSeen++;
            if (interval != evicted || s.intervalsSeen <= CADENCE) {
                s.cadence = cadence(s);
                int season = season(s.cadence);
                if (season != s.season) {
                    reseason(s, step, season);
                }
            }
        }
        if (ts != Long.MIN_VALUE) {
            s.lastTs = ts;
        }
        s.history[(int) (step % s.history.length)] = v;
    }

    /** The median interval when at least 3/4 of those kept (8 at least) are within 1/64 of it, else 0. */
    private long cadence(State s) {
        int n = (int) Math.min(s.intervalsSeen, CADENCE);
        if (n < CADENCE / 2) {
            return 0;
        }
        System.arraycopy(s.intervals, 0, sorted, 0, n);
        Arrays.sort(sorted, 0, n);
        long median = sorted[n / 2];
        int near = 0;
        for (int i = 0; i < n; i++) {
            near += Math.abs(sorted[i] - median) <= median / 64 ? 1 : 0;
        }
        return 4 * near >= 3 * n ? median : 0;
    }

    /** A day's steps at this cadence, when 2 to MAX_SEASON; 0 otherwise. */
    static int season(long cadence) {
        if (cadence <= 0) {
            return 0;
        }
        long m = (DAY_MS + cadence / 2) / cadence;
        return m >= 2 && m <= MAX_SEASON ? (int) m : 0;
    }

    /** Resizes the kept values for a new season, keeping what the old ring held. */
    private void reseason(State s, long step, int season) {
        double[] old = s.history;
        double[] now = new double[horizon + Math.max(season, 1)];
        long from = Math.max(s.historyFrom, Math.max(step - old.length + 1, step - now.length + 1));
        for (long i = from; i < step; i++) {
            now[(int) (i % now.length)] = old[(int) (i % old.length)];
        }
        s.history = now;
        s.season = season;
        s.historyFrom = from;
    }

    /**
     * Learns from the value v (units) at event {@code step}: each step h's combination and interval, from
     * the forecasts made for it at step - h. {@code deltaVariance} is the changes' variance once the key's
     * statistics have settled (0 before): the scale errors are winsorised against before a step has its own.
     */
    public void learn(State s, long step, double v, double deltaVariance, double[] linearWindow, int linearSlots) {
        int last = (int) Math.min(horizon, step);
        int width = rowWidth();
        int candidates = kinds.length;
        for (int h = 1; h <= last; h++) {
            long origin = step - h;
            if (origin < s.learnFrom) {
                break; // made before this state kept its forecasts (a key restored from before horizons)
            }
            int row = (int) (origin % (horizon + 1)) * width;
            double base = value(s, origin);
            double actual = v - base;
            long seen = step - s.learnFrom - h + 1; // errors of step h learned, this one included
            // the candidates are scored once the step's errors have a scale: each error winsorised at
            // LOSS_CLIP RMS of them, so that one spike that every candidate misses (or a wild first
            // value) does not decide the weights for hundreds of events
            if (combines && seen > SeriesStatistics.SETTLED && s.errorSquares[h - 1] > 0) {
                int at = (h - 1) * candidates;
                double limit = LOSS_CLIP * Math.sqrt(s.errorSquares[h - 1]);
                for (int c = 0; c < candidates; c++) {
                    double e = Scales.capDeviation(actual - candidate(s, c, row, h, origin, base, linearWindow,
                            linearSlots));
                    e = e > limit ? limit : (e < -limit ? -limit : e);
                    // D = gamma D + e^2, at most 2^1000
                    s.losses[at + c] = single(Math.min(memory * s.losses[at + c] + e * e, Scales.SQUARE_CAP));
                }
            }
            double e = actual - s.ring[row + horizon * stored + h - 1];
            double halfWidth = s.ring[row + horizon * (stored + 1) + h - 1];
            if (conformal) {
                double miss = Math.abs(e) > halfWidth ? 1.0 : 0.0;
                double m = s.multipliers[h - 1] + MULTIPLIER_RATE * (miss - alpha);
                s.multipliers[h - 1] = single(m < 0 ? 0 : (m > MULTIPLIER_CAP ? MULTIPLIER_CAP : m));
            }
            double scale = seen > SeriesStatistics.SETTLED && s.errorSquares[h - 1] > 0 ? s.errorSquares[h - 1]
                    : h * deltaVariance;
            s.errorSquares[h - 1] = single(s.errorSquares[h - 1]
                    + Math.max(1.0 / seen, errorRate) * (square(e, scale) - s.errorSquares[h - 1]));
        }
    }

    /**
     * x at float32's precision, as the state keeps its running statistics (and stores them in four bytes);
     * a square beyond float32's range stays as it is (and is stored whole).
     */
    static double single(double x) {
        return Math.abs(x) < 0x1p100 ? Float32.round(x) : x;
    }

    /**
     * e^2, e winsorised at inputClip deviations of the given mean square (the step's errors' once 16 are
     * in, before that h times the changes' variance; none while that is 0), and capped so the square is
     * finite: no single error, however large, widens an interval by more than a bounded step.
     */
    private double square(double e, double meanSquare) {
        double d = Scales.capDeviation(e);
        if (meanSquare > 0) {
            double limit = inputClip * Math.sqrt(meanSquare);
            d = d > limit ? limit : (d < -limit ? -limit : d);
        }
        return d * d;
    }

    /**
     * Replaces the kept value of event {@code index} (units) with {@code v} if it is kept, before event
     * {@code current} is observed: the kept ones are the last {@code history.length} before it.
     */
    static void replace(State s, long index, long current, double v) {
        if (index >= s.historyFrom && index >= 0 && index < current && index >= current - s.history.length) {
            s.history[(int) (index % s.history.length)] = v;
        }
    }

    /** The value of event {@code index} (units), which must be among those kept. */
    private static double value(State s, long index) {
        return s.history[(int) (index % s.history.length)];
    }

    /**
     * Candidate c's forecast of step h made at {@code origin} (a change from {@code base}, its value): the
     * hybrid's as kept, the linear part's as the key keeps its linear forecasts, clipped to the bound kept
     * with the row, seasonal naive and persistence from the values.
     */
    private double candidate(State s, int c, int row, int h, long origin, double base, double[] linearWindow,
            int linearSlots) {
        switch (kinds[c]) {
            case HYBRID:
                return s.ring[row + horizon * storedAt[c] + h - 1];
            case LINEAR: {
                double l = linearWindow[(int) (origin % linearSlots) * horizon + h - 1];
                double b = s.ring[row + rowWidth() - 1] * h;
                return l > b ? b : (l < -b ? -b : l);
            }
            case SEASONAL:
                return seasonal(s, origin, h, base);
            default:
                return 0.0;
        }
    }

    /** Seasonal naive at origin o for step h: y_{o + h - m ceil(h / m)} - y_o; 0 (persistence) without a season. */
    private static double seasonal(State s, long origin, int h, double base) {
        int m = s.season;
        if (m == 0) {
            return 0.0;
        }
        long index = origin + h - (long) m * ((h + m - 1) / m);
        return index >= s.historyFrom && index >= 0 ? value(s, index) - base : 0.0;
    }

    /**
     * The forecast of every step at event {@code step}: bounds each candidate (a change from the value v,
     * in units: hybrid[h-1], linear[h-1], seasonal naive, persistence) to the key's bound, combines them
     * into {@code change}, sizes each step's half-width into {@code halfWidth} (step 1's Gaussian one is
     * {@code sigma1} times z, as before horizons), and keeps what learning will need.
     *
     * @param bound how far a one-step forecast may move from v ({@link SeriesStatistics#changeBound}, 0 while
     *     the models hold the last value); step h's, h times as far. Every candidate passes it here, so no candidate (one that reads the values a
     *     season ago included) and no combination of them can forecast beyond it.
     */
    public void forecast(State s, long step, double v, double[] hybrid, double[] linear, double bound,
            double deltaVariance, double sigma1, double[] change, double[] halfWidth) {
        int width = rowWidth();
        int row = (int) (step % (horizon + 1)) * width;
        int candidates = kinds.length;
        for (int h = 1; h <= horizon; h++) {
            double b = bound * h;
            for (int c = 0; c < candidates; c++) {
                int kind = kinds[c];
                // the models' changes within the bound; seasonal naive and persistence forecast values the
                // key's memory kept, which the guard keeps free of outliers
                double f = kind == HYBRID ? hybrid[h - 1] : kind == LINEAR ? linear[h - 1] : 0.0;
                forecasts[c] = kind == SEASONAL ? seasonal(s, step, h, v) : f > b ? b : (f < -b ? -b : f);
            }
            double f;
            if (!combines) {
                f = forecasts[0];
            } else {
                weights(s, h, weights);
                f = 0;
                for (int c = 0; c < candidates; c++) {
                    f += weights[c] * forecasts[c];
                }
                for (int c = 0; c < candidates; c++) {
                    if (storedAt[c] >= 0) {
                        s.ring[row + horizon * storedAt[c] + h - 1] = BFloat16.round(forecasts[c]);
                    }
                }
            }
            change[h - 1] = f;
            long seen = step - s.learnFrom - h + 1; // errors of step h learned so far
            double sigma = h == 1 && !conformal ? sigma1
                    : Math.sqrt(seen >= 2 ? s.errorSquares[h - 1] : h * deltaVariance);
            halfWidth[h - 1] = (conformal ? s.multipliers[h - 1] : z) * sigma;
            s.ring[row + horizon * stored + h - 1] = BFloat16.round(f);
            s.ring[row + horizon * (stored + 1) + h - 1] = BFloat16.round(halfWidth[h - 1]);
        }
        if (boundSlot) {
            s.ring[row + width - 1] = BFloat16.round(bound);
        }
    }

    /**
     * The weights of step h's candidates, summing to 1: w_c ~ 2^(-beta (D_c / D_min - 1)), D the discounted
     * squared errors; equal while none has erred, and shared by those that never err.
     */
    public void weights(State s, int h, double[] out) {
        int candidates = kinds.length;
        int at = (h - 1) * candidates;
        double best = Double.POSITIVE_INFINITY;
        for (int c = 0; c < candidates; c++) {
            best = Math.min(best, s.losses[at + c]);
        }
        double total = 0;
        for (int c = 0; c < candidates; c++) {
            double d = s.losses[at + c];
            double excess = best > 0 ? Math.min(d / best - 1, 4000.0 / COMBINE_SHARPNESS) : (d > 0 ? 4000.0 : 0.0);
            out[c] = Scales.pow2(-COMBINE_SHARPNESS * excess);
            total += out[c];
        }
        for (int c = 0; c < candidates; c++) {
            out[c] /= total;
        }
    }

    /** Moves everything held in the value's units by 2^shift (see {@link SeriesStatistics}). */
    static void rescale(State s, int shift) {
        Scales.rescale(s.history, 0, 1, shift);
        Scales.rescale(s.ring, 0, 1, shift);
        for (int k = 0; k < s.losses.length; k++) {
            s.losses[k] = Scales.rescaleSquare(s.losses[k], shift);
        }
        for (int k = 0; k < s.errorSquares.length; k++) {
            s.errorSquares[k] = Scales.rescaleSquare(s.errorSquares[k], shift);
        }
    }

    /**
     * Whether every statistic the state holds is finite (a sum of v * 0 is 0 only for finite values); the
     * values and forecasts it keeps are finite by construction (the forecaster checks each as it is made).
     */
    static boolean finite(State s) {
        return zeroTimes(s.losses) + zeroTimes(s.errorSquares) + zeroTimes(s.multipliers) == 0;
    }

    /**
     * The sum of v * 0 over a: 0 when every v is finite, NaN otherwise. Four sums, so that the adds do
     * not wait on each other (one running sum waits an add's latency per element: over the 2,000
     * coefficients of a key's steps at H=24 that was 8% of the shared job in a profile).
     */
    static double zeroTimes(double[] a) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < a.length; k += 4) {
            s0 += a[k] * 0;
            s1 += a[k + 1] * 0;
            s2 += a[k + 2] * 0;
            s3 += a[k + 3] * 0;
        }
        for (; k < a.length; k++) {
            s0 += a[k] * 0;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * One key's horizon state: cadence, kept values and forecasts, the combination's losses and the
     * intervals' statistics, as primitives; {@link #writeTo} and {@link #readFrom} give its binary form
     * (schema {@value #SCHEMA_VERSION}), bit-exact.
     */
    public static final class State {
        /**
         * Version 2 keeps the forecasts in two bytes each ({@link BFloat16}), the running statistics in four,
         * and the linear candidate's forecasts not at all (the key's linear forecasts hold them: a row ends
         * with the bound they were clipped to); version 1 is read.
         */
        public static final int SCHEMA_VERSION = 2;

        /** The last event's time, epoch ms; {@link Long#MIN_VALUE} before one with a known time. */
        public long lastTs = Long.MIN_VALUE;
        /** The last CADENCE intervals between events, ms (slot: count mod CADENCE), and how many were seen. */
        public long[] intervals;
        public long intervalsSeen;
        /** The key's cadence, ms; 0 while it has no regular one. */
        public long cadence;
        /** The seasonal candidate's lag, a day at the cadence; 0 while there is none. */
        public int season;
        /** The last values, in the value's units (slot: event index mod length), and the first one kept. */
        public double[] history;
        public long historyFrom;
        /** The first event whose forecasts this state kept: steps learn from those made at it and after. */
        public long learnFrom;
        /**
         * Per event (slot: index mod H + 1): the stored candidates' forecasts of steps 1..H, the emitted
         * forecast's, and its half-widths, as changes from the event's value (units), float32-rounded.
         */
        public double[] ring;
        /** Per step and candidate, the discounted squared errors (squared units). */
        public double[] losses;
        /** Per step, the running mean square of the emitted forecast's errors (squared units), and its multiplier. */
        public double[] errorSquares;
        public double[] multipliers;
        /** How its rows are laid out: 1 for a state read from schema 1 (the linear candidate kept too), else 2. */
        int layout = 2;

        State() {}

        State(int horizon, int candidates, int rowWidth, double z) {
            intervals = new long[CADENCE];
            history = new double[horizon + 1];
            ring = new double[(horizon + 1) * rowWidth];
            losses = new double[horizon * candidates];
            errorSquares = new double[horizon];
            multipliers = new double[horizon];
            Arrays.fill(multipliers, single(z));
        }

        /** Steps this state forecasts. */
        public int horizon() {
            return multipliers.length;
        }

        public State copy() {
            State c = new State();
            c.lastTs = lastTs;
            c.intervals = intervals.clone();
            c.intervalsSeen = intervalsSeen;
            c.cadence = cadence;
            c.season = season;
            c.history = history.clone();
            c.historyFrom = historyFrom;
            c.learnFrom = learnFrom;
            c.ring = ring.clone();
            c.losses = losses.clone();
            c.errorSquares = errorSquares.clone();
            c.multipliers = multipliers.clone();
            c.layout = layout;
            return c;
        }

        /** Replaces every NaN and infinity with 0. */
        public void sanitize() {
            for (double[] a : new double[][] {history, ring, losses, errorSquares, multipliers}) {
                for (int k = 0; k < a.length; k++) {
                    a[k] = Double.isFinite(a[k]) ? a[k] : 0.0;
                }
            }
        }

        public void writeTo(DataOutput out) throws IOException {
            out.writeInt(SCHEMA_VERSION);
            out.writeLong(lastTs);
            out.writeInt(intervals.length);
            for (long v : intervals) {
                out.writeLong(v);
            }
            out.writeLong(intervalsSeen);
            out.writeLong(cadence);
            out.writeInt(season);
            doubles(out, history);
            out.writeLong(historyFrom);
            out.writeLong(learnFrom);
            BFloat16.write(out, ring);
            singles(out, losses);
            singles(out, errorSquares);
            singles(out, multipliers);
        }

        public static State readFrom(DataInput in) throws IOException {
            int version = in.readInt();
            if (version < 1 || version > SCHEMA_VERSION) {
                throw new IOException("unsupported horizon state schema version " + version + " (this build reads 1 to "
                        + SCHEMA_VERSION + ")");
            }
            State s = new State();
            s.lastTs = in.readLong();
            s.intervals = new long[length(in.readInt())];
            for (int i = 0; i < s.intervals.length; i++) {
                s.intervals[i] = in.readLong();
            }
            s.intervalsSeen = in.readLong();
            s.cadence = in.readLong();
            s.season = in.readInt();
            s.history = doubles(in);
            s.historyFrom = in.readLong();
            s.learnFrom = in.readLong();
            s.layout = version >= 2 ? 2 : 1;
            if (version >= 2) {
                s.ring = BFloat16.read(in, 1 << 26);
            } else {
                s.ring = new double[length(in.readInt())];
                Float32.read(in, s.ring);
                for (int k = 0; k < s.ring.length; k++) {
                    s.ring[k] = BFloat16.round(s.ring[k]);
                }
            }
            s.losses = version >= 2 ? singles(in) : singled(doubles(in));
            s.errorSquares = version >= 2 ? singles(in) : singled(doubles(in));
            s.multipliers = version >= 2 ? singles(in) : singled(doubles(in));
            if (s.intervals.length != CADENCE || s.history.length == 0 || s.errorSquares.length != s.multipliers.length || s.season < 0) {
                throw new IOException("corrupt horizon state");
            }
            return s;
        }

        /** Values {@link #single} rounded, in four bytes each (escaped whole where a float cannot hold one). */
        private static void singles(DataOutput out, double[] a) throws IOException {
            out.writeInt(a.length);
            Float32.write(out, a);
        }

        private static double[] singles(DataInput in) throws IOException {
            double[] a = new double[length(in.readInt())];
            Float32.read(in, a);
            return a;
        }

        /** {@code a} rounded by {@link #single}, as a state of this version holds what version 1 held in doubles. */
        private static double[] singled(double[] a) {
            for (int k = 0; k < a.length; k++) {
                a[k] = single(a[k]);
            }
            return a;
        }

        private static void doubles(DataOutput out, double[] a) throws IOException {
            out.writeInt(a.length);
            for (double v : a) {
                out.writeDouble(v);
            }
        }

        private static double[] doubles(DataInput in) throws IOException {
            double[] a = new double[length(in.readInt())];
            for (int i = 0; i < a.length; i++) {
                a[i] = in.readDouble();
            }
            return a;
        }

        private static int length(int n) throws IOException {
            if (n < 0 || n > (1 << 26)) {
                throw new IOException("corrupt horizon state: array length " + n);
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof State)) {
                return false;
            }
            State s = (State) o;
            return lastTs == s.lastTs && Arrays.equals(intervals, s.intervals) && intervalsSeen == s.intervalsSeen
                    && cadence == s.cadence && season == s.season && Arrays.equals(history, s.history)
                    && historyFrom == s.historyFrom && learnFrom == s.learnFrom && Arrays.equals(ring, s.ring) && Arrays.equals(losses, s.losses)
                    && Arrays.equals(errorSquares, s.errorSquares)
                    && Arrays.equals(multipliers, s.multipliers);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ring) * 31 + Long.hashCode(lastTs);
        }
    }
}
