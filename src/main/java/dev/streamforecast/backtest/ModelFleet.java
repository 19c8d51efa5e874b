package dev.streamforecast.backtest;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;

/**
 * The keys of one replay as one parallel instance of the operator holds them, in-process: one
 * {@link OnlineForecaster} serves them all, each key with a model of its own in key scope and every key
 * on the fleet's network in shared scope. Keys of a shared fleet learn from each other, so their events
 * must be fed in the order a stream would bring them.
 */
public final class ModelFleet {
    private final OnlineForecaster forecaster;

    public ModelFleet(ModelConfig config) {
        this.forecaster = new OnlineForecaster(config);
    }

    /** A new key of the fleet: from nothing in key scope, from the fleet's network in shared scope. */
    public Baseline key(String key) {
        return new ModelBaseline(forecaster, key);
    }
}
