package dev.streamforecast.model;

/** What the network's output predicts, in scaled units. */
public enum TargetType {
    /** The next value itself, standardised by the running mean and deviation of the series. */
    LEVEL,
    /** The change to the next value, standardised by the running mean and deviation of changes. */
    DELTA
}
