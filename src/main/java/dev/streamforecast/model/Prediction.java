package dev.streamforecast.model;

/**
 * A reusable holder for one event's forecast and intervals, so the hot path allocates nothing.
 *
 * <p>{@link #forecast}, {@link #lower} and {@link #upper} are step 1's; with a horizon H the arrays hold
 * steps 1..H (index h - 1), step 1 included. Sized by {@link #Prediction(int)}; a holder made with
 * {@link #Prediction()} holds one step.
 *
 * <p>A step has an interval only once the key's interval has a scale ({@link #write}): until then, and
 * for a model that diverged, its bounds are both NaN. An interval of zero width would read as certainty.
 */
public final class Prediction {
    public double forecast;
    public double lower;
    public double upper;
    /** Each step's forecast, interval bounds (series units), and the candidates' forecasts behind it. */
    public final double[] forecasts;
    public final double[] lowers;
    public final double[] uppers;
    /**
     * The key's cadence in ms (step h's target is expected at the event's time plus h cadences), or 0
     * while it has no regular one.
     */
    public long cadence;
    /** Whether this event triggered a training update (after the forecast was made). */
    public boolean trained;
    /**
     * Whether the key's memory holds this event's value out, as an outlier (see {@code docs/robustness.md}):
     * the forecast was made as if the last value had come again. Set by every {@code observe}.
     */
    public boolean heldOut;
    /**
     * Whether the key's model diverged at this event: the state holds only finite values but is fit
     * only to be discarded, and the forecast is the value itself. The caller starts the key afresh and
     * observes the event again ({@link OnlineForecaster#observeOrRestart}), counts the reset and logs
     * {@link #divergence}. Cleared by every {@code observe}.
     */
    public boolean diverged;
    /** Why the model diverged, in a short sentence; null when it did not. */
    public String divergence;
    /**
     * How surprising the event was, in [0, 1], against the step-1 forecast made for it ({@link AnomalyScore}),
     * and what the score says besides: scored, the key warming up, or the key's model reset at this event.
     */
    public double anomaly;
    public AnomalyScore.Status anomalyStatus = AnomalyScore.Status.WARMING_UP;
    /** The step-1 forecast and interval made for the event, at the key's event before it (the event's value for a first event). */
    public double expected;
    public double expectedLower;
    public double expectedUpper;

    /** A holder for one step. */
    public Prediction() {
        this(1);
    }

    /** A holder for {@code horizon} steps. */
    public Prediction(int horizon) {
        forecasts = new double[horizon];
        lowers = new double[horizon];
        uppers = new double[horizon];
    }

    /**
     * Writes step {@code index + 1}'s forecast f and its interval f -+ w, both in the key's units of
     * 2^{@code exponent}, in the series' own units. The interval has a scale when w is positive and both
     * bounds, in the series' units, lie apart from the forecast: a half-width from fewer than two of the
     * key's errors or changes is 0, as is one from errors that were all 0, and a width below the
     * forecast's precision is none. Without a scale both bounds are NaN. Every forecaster writes its
     * steps here, so the rule is the same in both model scopes.
     */
    void write(int index, double f, double w, int exponent) {
        double value = SeriesStatistics.toValue(f, exponent);
        double lo = SeriesStatistics.toValue(f - w, exponent);
        double hi = SeriesStatistics.toValue(f + w, exponent);
        boolean scaled = w > 0 && lo < value && value < hi;
        forecasts[index] = value;
        lowers[index] = scaled ? lo : Double.NaN;
        uppers[index] = scaled ? hi : Double.NaN;
        if (index == 0) {
            forecast = value;
            lower = lowers[0];
            upper = uppers[0];
        }
    }

    /** The forecast {@code value} for every step, without an interval: what a diverged model leaves. */
    void persist(double value) {
        forecast = value;
        lower = Double.NaN;
        upper = Double.NaN;
        java.util.Arrays.fill(forecasts, value);
        java.util.Arrays.fill(lowers, Double.NaN);
        java.util.Arrays.fill(uppers, Double.NaN);
    }

    /** Whether step {@code index + 1} has an interval (see {@link #write}). */
    public boolean hasInterval(int index) {
        return !Double.isNaN(lowers[index]);
    }

    /** Steps held. */
    public int horizon() {
        return forecasts.length;
    }
}
