package dev.streamforecast.model;

/** How a gradient becomes a parameter update. */
public enum OptimizerType {
    /** Adam (Kingma and Ba 2015) with bias-corrected first and second moments. */
    ADAM,
    /** Plain stochastic gradient descent: {@code p -= lr * g}. */
    SGD
}
