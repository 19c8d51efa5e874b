package dev.streamforecast.backtest;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;

/**
 * The forecaster itself behind the {@link Baseline} interface: the same model code as the Flink
 * operator, driven in-process, for quick sweeps over many configurations.
 */
public final class ModelBaseline implements Baseline {
    private final OnlineForecaster forecaster;
    private final SeriesState state;
    private final Prediction prediction = new Prediction();
    private double forecast = Double.NaN;

    public ModelBaseline(ModelConfig config, String key) {
        this.forecaster = new OnlineForecaster(config);
        this.state = forecaster.newState(key);
    }

    @Override
    public String name() {
        return "model " + forecaster.config().id();
    }

    @Override
    public void observe(double y) {
        forecaster.observe(state, y, null, prediction);
        forecast = prediction.forecast;
    }

    @Override
    public double forecast() {
        return forecast;
    }
}
