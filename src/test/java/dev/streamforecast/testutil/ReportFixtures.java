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

    /**
     * A fleet of {@code keys} keys "k00", "k01", ...: key k's model MSE is 0.5 + 0.1 k against persistence's
     * 1 (so the model beats persistence on the first five, ratio 0.5 to 0.5 + 0.1 (keys - 1)) and seasonal
     * naive's 0.8; the pooled lines first, as a backtest writes them.
     */
    public static List<Report.Row> fleet(int keys) {
        List<Report.Row> rows = new java.util.ArrayList<>();
        rows.add(new Report.Row("all", "model", 100 * keys, 1, 0.8, 1, 10, 0.9, 0.9, 2));
        rows.add(new Report.Row("all", "persistence", 100 * keys, 1, 0.8, 1, 10, 1, Double.NaN, Double.NaN));
        for (int k = 0; k < keys; k++) {
            String key = fleetKey(k);
            double mse = 0.5 + 0.1 * k;
            rows.add(new Report.Row(key, "model", 100, mse, 0.8, Math.sqrt(mse), 10, 0.9, 0.9, 2));
            rows.add(new Report.Row(key, "persistence", 100, 1, 0.8, 1, 10, 1, Double.NaN, Double.NaN));
            rows.add(new Report.Row(key, "seasonal naive (24)", 100, 0.8, 0.7, Math.sqrt(0.8), 9, 0.9, Double.NaN,
                    Double.NaN));
        }
        return rows;
    }

    /** The name of key k of {@link #fleet}. */
    public static String fleetKey(int k) {
        return String.format(java.util.Locale.ROOT, "k%02d", k);
    }

    /** Rows of steps 1..horizon for the model and persistence, as a backtest with a horizon writes them. */
    public static List<Report.Row> steps(int horizon) {
        List<Report.Row> rows = new java.util.ArrayList<>();
        for (String method : List.of("model", "persistence")) {
            for (int h = 1; h <= horizon; h++) {
                double mse = (method.equals("model") ? 0.5 : 1.0) * h;
                rows.add(new Report.Row(Report.stepKey(h), method, 1000, mse, 0.5, Math.sqrt(mse), 10, 0.9,
                        method.equals("model") ? 0.9 - 0.01 * h : Double.NaN, method.equals("model") ? h : Double.NaN));
            }
            rows.add(new Report.Row(Report.meanKey(horizon), method, 1000 * horizon, 1, 0.5, 1, 10, 0.9,
                    method.equals("model") ? 0.85 : Double.NaN, Double.NaN));
        }
        return rows;
    }
}
