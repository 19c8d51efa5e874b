package dev.streamforecast.backtest;

/** Checks shared by the baselines. */
final class Baselines {
    private Baselines() {}

    static void checkFinite(double y) {
        if (!Double.isFinite(y)) {
            throw new IllegalArgumentException("value must be a finite number, got " + y);
        }
    }
}
