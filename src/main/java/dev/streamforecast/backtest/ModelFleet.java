package dev.streamforecast.backtest;

import dev.streamforecast.model.BatchTrainer;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.model.SharedForecaster;
import dev.streamforecast.model.SharedNetwork;

/**
 * The keys of one replay as one parallel instance of the operator holds them, in-process: with
 * {@code model.scope=key} each key a model of its own ({@link ModelBaseline}), with
 * {@code model.scope=shared} every key of the fleet on one {@link SharedForecaster}. Keys of a shared
 * fleet learn from each other, so their events must be fed in the order a stream would bring them.
 */
public final class ModelFleet {
    private final ModelConfig config;
    private final SharedForecaster shared;

    public ModelFleet(ModelConfig config) {
        this.config = config;
        this.shared = config.scope == ModelScope.SHARED
                ? new SharedForecaster(SharedNetwork.create(config), new BatchTrainer(config))
                : null;
    }

    /** A new key of the fleet: from nothing in key scope, from the fleet's network in shared scope. */
    public Baseline key(String key) {
        return shared == null ? new ModelBaseline(config, key) : new SharedKey(shared, key);
    }

    /** One key of a shared fleet: its own state, the fleet's network. */
    private static final class SharedKey implements Baseline {
        private final SharedForecaster forecaster;
        private final long hash;
        private final Prediction prediction = new Prediction();
        private SeriesState state;
        private double forecast = Double.NaN;

        SharedKey(SharedForecaster forecaster, String key) {
            this.forecaster = forecaster;
            this.hash = SharedForecaster.keyHash(key);
            this.state = forecaster.newState();
        }

        @Override
        public String name() {
            return "model " + forecaster.config().id();
        }

        @Override
        public void observe(double y) {
            state = forecaster.observeOrRestart(state, hash, y, null, prediction, forecaster::newState);
            forecast = prediction.forecast;
        }

        @Override
        public double forecast() {
            return forecast;
        }
    }
}
