package dev.streamforecast.model;

/** A reusable holder for one forecast and its interval, so the hot path allocates nothing. */
public final class Prediction {
    public double forecast;
    public double lower;
    public double upper;
    /** Whether this event triggered a training update (after the forecast was made). */
    public boolean trained;
}
