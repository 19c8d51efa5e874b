package dev.streamforecast.model;

/** A reusable holder for one forecast and its interval, so the hot path allocates nothing. */
public final class Prediction {
    public double forecast;
    public double lower;
    public double upper;
    /** Whether this event triggered a training update (after the forecast was made). */
    public boolean trained;
    /**
     * Whether the key's model diverged at this event: the state holds only finite values but is fit
     * only to be discarded, and the forecast is the value itself. The caller starts the key afresh and
     * observes the event again ({@link OnlineForecaster#observeOrRestart}), counts the reset and logs
     * {@link #divergence}. Cleared by every {@code observe}.
     */
    public boolean diverged;
    /** Why the model diverged, in a short sentence; null when it did not. */
    public String divergence;
}
