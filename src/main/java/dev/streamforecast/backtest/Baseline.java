package dev.streamforecast.backtest;

/**
 * An online forecaster of one series: takes each value in turn and forecasts the next one.
 *
 * <p>Implementations are deterministic: the same values in the same order give the same forecasts.
 * One instance holds one series' memory; a backtest makes one per key.
 */
public interface Baseline {
    /** A short label for reports, e.g. {@code "persistence"} or {@code "seasonal-naive(24)"}. */
    String name();

    /** Learns from the series' next value; values must be finite. */
    void observe(double y);

    /** The forecast of the value after the last one observed; NaN before the first observation. */
    double forecast();
}
