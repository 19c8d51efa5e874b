package dev.streamforecast.backtest;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;

/**
 * The forecaster itself behind the {@link Baseline} interface: the same model code as the Flink
 * operator, driven in-process, for quick sweeps over many configurations. A key that diverges starts
 * afresh, as in the operator.
 */
public final class ModelBaseline implements Baseline {
    private final OnlineForecaster forecaster;
    private final String key;
    private final long hash;
    private final Prediction prediction = new Prediction();
    private SeriesState state;
    private double forecast = Double.NaN;

    /** A key alone, with a forecaster (and in shared scope a network) of its own. */
    public ModelBaseline(ModelConfig config, String key) {
        this(new OnlineForecaster(config), key);
    }

    /** One key of the keys {@code forecaster} serves. */
    ModelBaseline(OnlineForecaster forecaster, String key) {
        this.forecaster = forecaster;
        this.key = key;
        this.hash = OnlineForecaster.keyHash(key);
        this.state = forecaster.newState(key);
    }

    @Override
    public String name() {
        return "model " + forecaster.config().id();
    }

    @Override
    public void observe(double y) {
        state = forecaster.observeOrRestart(state, hash, Long.MIN_VALUE, y, null, prediction,
                () -> forecaster.newState(key));
        forecast = prediction.forecast;
    }

    @Override
    public double forecast() {
        return forecast;
    }
}
