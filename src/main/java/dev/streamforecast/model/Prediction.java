package dev.streamforecast.model;

/**
 * A reusable holder for one event's forecast and intervals, so the hot path allocates nothing.
 *
 * <p>{@link #forecast}, {@link #lower} and {@link #upper} are step 1's; with a horizon H the arrays hold
 * steps 1..H (index h - 1), step 1 included. Sized by {@link #Prediction(int)}; a holder made with
 * {@link #Prediction()} holds one step.
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

    /** Steps held. */
    public int horizon() {
        return forecasts.length;
    }
}
