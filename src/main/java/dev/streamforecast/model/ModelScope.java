package dev.streamforecast.model;

/** Which keys a network serves: each key its own, or every key of a parallel instance one. */
public enum ModelScope {
    /** Every key owns a whole model: weights, optimiser moments, linear part with its covariance. */
    KEY,
    /**
     * One network per parallel instance serves all its keys, learning from batches of their windows;
     * each key keeps its carried state, statistics and a linear part without a covariance of its own.
     */
    SHARED
}
