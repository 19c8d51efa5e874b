package dev.streamforecast.backtest;

import dev.streamforecast.model.OnlineAutoRegression;

/** The online autoregression on first differences ({@link OnlineAutoRegression}) as a baseline. */
public final class AutoRegressive implements Baseline {
    private final OnlineAutoRegression model;
    private final OnlineAutoRegression.State state;
    private double forecast = Double.NaN;

    /** AR with the model's default settings. */
    public AutoRegressive() {
        this(new OnlineAutoRegression());
    }

    /**
     * @param model the settings and work arrays; may be shared by the baselines of many series that are
     *     driven from one thread
     */
    public AutoRegressive(OnlineAutoRegression model) {
        this.model = model;
        this.state = model.newState();
    }

    @Override
    public String name() {
        StringBuilder b = new StringBuilder("ar(").append(model.order());
        if (model.forgetting() != 1) {
            b.append(", lambda=").append(model.forgetting());
        }
        if (model.intercept()) {
            b.append(", intercept");
        }
        return b.append(')').toString();
    }

    @Override
    public void observe(double y) {
        forecast = model.observe(state, y);
    }

    @Override
    public double forecast() {
        return forecast;
    }

    /** The series' model state, e.g. to count covariance resets. */
    public OnlineAutoRegression.State state() {
        return state;
    }
}
