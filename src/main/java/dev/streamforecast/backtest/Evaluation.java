package dev.streamforecast.backtest;

import dev.streamforecast.event.Forecast;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Progressive-validation scores of a replay and of the baselines, side by side, per key and pooled.
 *
 * <p>Each scored row t is compared with the forecast made at row t-1, after that row and before row t
 * was learned: exactly what the live job would have emitted. The baselines see the same values in the
 * same order. Under a {@link Protocol} the values (and forecasts and intervals, which transform alike)
 * are standardised per key on its first rows before scoring; without one, errors are in the series'
 * own units and every row after the first is scored.
 */
public final class Evaluation {
    /** The model's label in the tables. */
    public static final String MODEL = "model";

    /** Scores of one method on one key ("all" for the pooled line). */
    public static final class Line {
        public final String key;
        public final String method;
        public final Metrics metrics;

        Line(String key, String method, Metrics metrics) {
            this.key = key;
            this.method = method;
            this.metrics = metrics;
        }
    }

    /** One key's replay in the series' units, aligned for plotting: forecast[i] was made at row i-1. */
    public static final class SeriesView {
        public final String key;
        public final long[] ts;
        public final double[] actual;
        public final double[] forecast;
        public final double[] lower;
        public final double[] upper;

        SeriesView(String key, long[] ts, double[] actual, double[] forecast, double[] lower, double[] upper) {
            this.key = key;
            this.ts = ts;
            this.actual = actual;
            this.forecast = forecast;
            this.lower = lower;
            this.upper = upper;
        }
    }

    public final List<Line> lines = new ArrayList<>();
    public final List<SeriesView> series = new ArrayList<>();

    private Evaluation() {}

    /** The baselines every backtest reports, fresh instances per key. */
    public static Map<String, Supplier<Baseline>> baselines(int season) {
        Map<String, Supplier<Baseline>> b = new LinkedHashMap<>();
        b.put("persistence", Persistence::new);
        b.put("seasonal naive (" + season + ")", () -> new SeasonalNaive(season));
        b.put("holt", Holt::new);
        b.put("ar(24) rls", AutoRegressive::new);
        return b;
    }

    /**
     * Scores {@code forecasts} (sorted by key, then time) and the baselines under {@code protocol}
     * (null: raw units, all rows after the first).
     */
    public static Evaluation of(List<Forecast> forecasts, Protocol protocol, Map<String, Supplier<Baseline>> baselines) {
        Map<String, List<Forecast>> byKey = new TreeMap<>();
        for (Forecast f : forecasts) {
            byKey.computeIfAbsent(f.key, k -> new ArrayList<>()).add(f);
        }
        Evaluation e = new Evaluation();
        Map<String, Metrics> pooled = new LinkedHashMap<>();
        pooled.put(MODEL, new Metrics());
        baselines.keySet().forEach(name -> pooled.put(name, new Metrics()));
        for (Map.Entry<String, List<Forecast>> entry : byKey.entrySet()) {
            String key = entry.getKey();
            List<Forecast> fs = entry.getValue();
            int n = fs.size();
            double[] raw = new double[n];
            for (int i = 0; i < n; i++) {
                raw[i] = fs.get(i).value;
            }
            Protocol.Split split;
            Protocol.Scaler scaler;
            if (protocol == null) {
                split = new Protocol.Split(n, n, 1, n);
                scaler = new Protocol.Scaler(0, 1);
            } else {
                split = protocol.split(n);
                scaler = Protocol.Scaler.fit(raw, split.standardiseRows());
            }
            if (split.scoreTo() <= split.scoreFrom()) {
                continue;
            }
            Metrics model = new Metrics();
            for (int t = split.scoreFrom(); t < split.scoreTo(); t++) {
                Forecast made = fs.get(t - 1);
                model.add(scaler.apply(raw[t]), scaler.apply(made.forecast), scaler.apply(made.lower),
                        scaler.apply(made.upper), scaler.apply(raw[t - 1]));
            }
            e.lines.add(new Line(key, MODEL, model));
            pooled.get(MODEL).merge(model);
            for (Map.Entry<String, Supplier<Baseline>> b : baselines.entrySet()) {
                Baseline baseline = b.getValue().get();
                Metrics m = new Metrics();
                for (int t = 0; t < split.scoreTo(); t++) {
                    double z = scaler.apply(raw[t]);
                    if (t >= split.scoreFrom()) {
                        m.add(z, baseline.forecast(), scaler.apply(raw[t - 1]));
                    }
                    baseline.observe(z);
                }
                e.lines.add(new Line(key, b.getKey(), m));
                pooled.get(b.getKey()).merge(m);
            }
            e.series.add(view(key, fs));
        }
        pooled.forEach((method, m) -> e.lines.add(new Line("all", method, m)));
        return e;
    }

    private static SeriesView view(String key, List<Forecast> fs) {
        int n = fs.size();
        long[] ts = new long[n];
        double[] actual = new double[n];
        double[] forecast = new double[n];
        double[] lower = new double[n];
        double[] upper = new double[n];
        for (int i = 0; i < n; i++) {
            Forecast f = fs.get(i);
            ts[i] = f.ts;
            actual[i] = f.value;
            Forecast prev = i == 0 ? null : fs.get(i - 1);
            forecast[i] = prev == null ? Double.NaN : prev.forecast;
            lower[i] = prev == null ? Double.NaN : prev.lower;
            upper[i] = prev == null ? Double.NaN : prev.upper;
        }
        return new SeriesView(key, ts, actual, forecast, lower, upper);
    }

    /** The pooled line of one method. */
    public Metrics overall(String method) {
        return lines.stream().filter(l -> l.key.equals("all") && l.method.equals(method)).findFirst()
                .map(l -> l.metrics).orElseThrow(() -> new IllegalArgumentException("no method " + method));
    }
}
