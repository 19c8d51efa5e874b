package dev.streamforecast.model;

/** How a step's prediction interval is sized from that step's recent errors. */
public enum IntervalMethod {
    /** Plus or minus the normal quantile of the level times the running RMS of the step's errors. */
    GAUSSIAN,
    /**
     * Plus or minus the running RMS times a multiplier that online quantile tracking moves after every
     * error that arrives, up when the interval missed, down when it held, so that the share of misses
     * follows the level (adaptive conformal inference on errors scaled by their RMS).
     */
    CONFORMAL
}
