package dev.streamforecast.testutil;

import dev.streamforecast.backtest.Report;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/** Deterministic replayed series and metric rows for report tests. */
public final class ReportFixtures {
    public static final long JULY_1_2016 = Instant.parse("2016-07-01T00:00:00Z").toEpochMilli();
    public static final long HOUR = 3_600_000L;

    private ReportFixtures() {}

    /**
     * An hourly series with a daily cycle, forecast by the clean cycle with a 95% interval; like a replay,
     * the first event has no forecast.
     */
    public static Report.Series hourly(String key, int n, long seed) {
        Random rnd = new Random(seed);
        long[] ts = new long[n];
        double[] actual = new double[n];
        double[] forecast = new double[n];
        double[] lower = new double[n];
        double[] upper = new double[n];
        double level = 5 + rnd.nextInt(10);
        for (int t = 0; t < n; t++) {
            ts[t] = JULY_1_2016 + t * HOUR;
            double cycle = level + 3 * Math.sin(2 * Math.PI * t / 24) + 0.5 * Math.sin(2 * Math.PI * t / (24 * 7));
            actual[t] = cycle + 0.6 * rnd.nextGaussian();
            if (t == 0) {
                forecast[t] = Double.NaN;
                lower[t] = Double.NaN;
                upper[t] = Double.NaN;
            } else {
                forecast[t] = cycle;
                lower[t] = cycle - 1.96 * 0.6;
                upper[t] = cycle + 1.96 * 0.6;
            }
        }
        return new Report.Series(key, ts, actual, forecast, lower, upper);
    }

    /** A model row and two baseline rows for one key, the model the best by MSE. */
    public static List<Report.Row> rows(String key, double modelMse) {
        return List.of(
                new Report.Row(key, "model", 17_419, modelMse, 0.31, Math.sqrt(modelMse), 12.5, 0.82, 0.947, 2.35),
                new Report.Row(key, "persistence", 17_419, 2 * modelMse, 0.52, Math.sqrt(2 * modelMse), 18.25,
                        1.0, Double.NaN, Double.NaN),
                new Report.Row(key, "seasonal naive (24)", 17_419, 3 * modelMse, 0.61, Math.sqrt(3 * modelMse),
                        21.0, 1.21, Double.NaN, Double.NaN));
    }
}
