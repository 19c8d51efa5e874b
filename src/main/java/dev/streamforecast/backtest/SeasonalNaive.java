package dev.streamforecast.backtest;

/**
 * The seasonal naive forecast: the next value equals the one a season earlier (y_hat_{t+1} = y_{t+1-m}).
 *
 * <p>Falls back to persistence until a full season of history exists.
 */
public final class SeasonalNaive implements Baseline {
    private final int season;
    /** The last m values; slot t % m holds y_t. */
    private final double[] ring;
    private long count;
    private double last = Double.NaN;

    /** @param season the period m in steps, at least 1 (1 is persistence) */
    public SeasonalNaive(int season) {
        if (season < 1) {
            throw new IllegalArgumentException("season must be at least 1, got " + season);
        }
        this.season = season;
        this.ring = new double[season];
    }

    public int season() {
        return season;
    }

    @Override
    public String name() {
        return "seasonal-naive(" + season + ")";
    }

    @Override
    public void observe(double y) {
        Baselines.checkFinite(y);
        ring[(int) (count % season)] = y;
        count++;
        last = y;
    }

    @Override
    public double forecast() {
        if (count < season) {
            return last;
        }
        // y_{t+1-m} sits in the slot y_{t+1} will overwrite: (t + 1) % m with t = count - 1.
        return ring[(int) (count % season)];
    }
}
