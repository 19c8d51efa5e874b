package dev.streamforecast.backtest;

/** The naive forecast: the next value equals the last one (y_hat_{t+1} = y_t). */
public final class Persistence implements Baseline {
    private double last = Double.NaN;

    @Override
    public String name() {
        return "persistence";
    }

    @Override
    public void observe(double y) {
        Baselines.checkFinite(y);
        last = y;
    }

    @Override
    public double forecast() {
        return last;
    }
}
