package dev.streamforecast.backtest;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores model configurations several steps ahead on every standard dataset in-process (no Flink), for
 * tuning: {@code java -cp forecaster.jar dev.streamforecast.backtest.HorizonSweep DATA_DIR H "k=v;k=v" ...}.
 * The model code is the operator's, fed each series' raw values with their times, as the backtest does.
 */
public final class HorizonSweep {
    private HorizonSweep() {}

    /** Every step's forecast and bounds of one series, in its units: made at event t for t + h at [t][h - 1]. */
    public record Run(double[][] forecast, double[][] lower, double[][] upper) {}

    public static Run run(ModelConfig config, String key, long[] ts, double[] values) {
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState s = f.newState(key);
        int h = config.horizon;
        Prediction p = new Prediction(h);
        int n = values.length;
        double[][] fc = new double[n][];
        double[][] lo = new double[n][];
        double[][] up = new double[n][];
        for (int t = 0; t < n; t++) {
            f.observe(s, ts[t], values[t], null, p);
            fc[t] = p.forecasts.clone();
            lo[t] = p.lowers.clone();
            up[t] = p.uppers.clone();
        }
        return new Run(fc, lo, up);
    }

    /** Per step h (index h - 1) the scores of the rows the protocol scores, standardised as it says. */
    public static Metrics[] score(Run r, double[] raw, Protocol protocol) {
        Protocol.Split split = protocol.split(raw.length);
        Protocol.Scaler scaler = Protocol.Scaler.fit(raw, split.standardiseRows());
        int horizon = r.forecast()[0].length;
        Metrics[] m = new Metrics[horizon];
        for (int h = 1; h <= horizon; h++) {
            m[h - 1] = new Metrics();
            for (int t = Math.max(split.scoreFrom(), h); t < split.scoreTo(); t++) {
                m[h - 1].add(scaler.apply(raw[t]), scaler.apply(r.forecast()[t - h][h - 1]),
                        scaler.apply(r.lower()[t - h][h - 1]), scaler.apply(r.upper()[t - h][h - 1]),
                        scaler.apply(raw[t - h]));
            }
        }
        return m;
    }

    /** RMSE of step h over the standard deviation of the truth, on the rows from {@code from}. */
    public static double nrmse(Run r, double[] raw, int h, int from) {
        double sum = 0;
        double mean = 0;
        int n = 0;
        for (int t = Math.max(from, h); t < raw.length; t++) {
            double e = raw[t] - r.forecast()[t - h][h - 1];
            sum += e * e;
            mean += raw[t];
            n++;
        }
        mean /= n;
        double var = 0;
        for (int t = Math.max(from, h); t < raw.length; t++) {
            var += (raw[t] - mean) * (raw[t] - mean);
        }
        return Math.sqrt(sum / n) / Math.sqrt(var / n);
    }

    /**
     * Per series, the combination's mean MSE over steps against each candidate's alone (the same model
     * with one candidate), and the worst step's ratio to the best candidate of that step.
     */
    static void versusCandidates(List<BaselineTable.Case> cases, int horizon, Map<String, String> base) {
        List<String> names = dev.streamforecast.model.Horizon.CANDIDATES;
        System.out.printf(Locale.ROOT, "%-34s %9s", "series (H=" + horizon + ")", "combined");
        for (String n : names) {
            System.out.printf(Locale.ROOT, " %11s", n);
        }
        System.out.printf(Locale.ROOT, " %8s %8s%n", "ratio", "worst h");
        double worst = 0;
        for (BaselineTable.Case c : cases) {
            for (Map.Entry<String, double[]> e : c.data().series().entrySet()) {
                double[] raw = e.getValue();
                Map<String, String> m = new LinkedHashMap<>(base);
                m.put("forecast.horizon", Integer.toString(horizon));
                Metrics[] combined = score(run(ModelConfig.fromMap(m), e.getKey(), c.data().timestamps(), raw), raw,
                        c.protocol());
                double[] best = new double[horizon];
                java.util.Arrays.fill(best, Double.POSITIVE_INFINITY);
                double bestMean = Double.POSITIVE_INFINITY;
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-34s %9.5f",
                        (c.name().replace("nab_", "") + "/" + e.getKey()).substring(0, Math.min(34,
                                (c.name().replace("nab_", "") + "/" + e.getKey()).length())), mean(combined)));
                for (String n : names) {
                    m.put("model.candidates", n);
                    Metrics[] alone = score(run(ModelConfig.fromMap(m), e.getKey(), c.data().timestamps(), raw), raw,
                            c.protocol());
                    for (int h = 0; h < horizon; h++) {
                        best[h] = Math.min(best[h], alone[h].mse());
                    }
                    bestMean = Math.min(bestMean, mean(alone));
                    line.append(String.format(Locale.ROOT, " %11.5f", mean(alone)));
                }
                double worstStep = 0;
                for (int h = 0; h < horizon; h++) {
                    worstStep = Math.max(worstStep, combined[h].mse() / best[h]);
                }
                double ratio = mean(combined) / bestMean;
                worst = Math.max(worst, ratio);
                System.out.println(line.append(String.format(Locale.ROOT, " %8.4f %8.4f", ratio, worstStep)));
            }
        }
        System.out.printf(Locale.ROOT, "worst ratio of the mean over steps: %.4f%n", worst);
    }

    private static double mean(Metrics[] steps) {
        double m = 0;
        for (Metrics s : steps) {
            m += s.mse() / steps.length;
        }
        return m;
    }

    public static void main(String[] args) throws Exception {
        List<BaselineTable.Case> cases = BaselineTable.standardCases(Path.of(args[0]));
        if (args[1].equals("--vs-candidates")) {
            Map<String, String> base = new LinkedHashMap<>();
            for (int i = 3; i < args.length; i++) {
                String[] p = args[i].split("=", 2);
                base.put(p[0], p[1]);
            }
            versusCandidates(cases, Integer.parseInt(args[2]), base);
            return;
        }
        int horizon = Integer.parseInt(args[1]);
        for (int i = 2; i < args.length; i++) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String kv : args[i].split(";")) {
                if (!kv.isBlank()) {
                    String[] p = kv.split("=", 2);
                    m.put(p[0].trim(), p[1].trim());
                }
            }
            m.put("forecast.horizon", Integer.toString(horizon));
            ModelConfig config = ModelConfig.fromMap(m);
            System.out.println("== " + args[i] + " (H=" + horizon + ")");
            List<String> cells = new ArrayList<>();
            for (BaselineTable.Case c : cases) {
                Metrics[] pooled = new Metrics[horizon];
                for (int h = 0; h < horizon; h++) {
                    pooled[h] = new Metrics();
                }
                double taxi = Double.NaN;
                for (Map.Entry<String, double[]> e : c.data().series().entrySet()) {
                    Run r = run(config, e.getKey(), c.data().timestamps(), e.getValue());
                    Metrics[] ms = score(r, e.getValue(), c.protocol());
                    for (int h = 0; h < horizon; h++) {
                        pooled[h].merge(ms[h]);
                    }
                    if (c.name().equals("nab_nyc_taxi") && horizon >= 5) {
                        taxi = nrmse(r, e.getValue(), 5, e.getValue().length / 2);
                    }
                }
                double mean = 0;
                double cover = 0;
                double lowCover = 1;
                double highCover = 0;
                double width = 0;
                for (int h = 0; h < horizon; h++) {
                    mean += pooled[h].mse() / horizon;
                    cover += pooled[h].coverage() / horizon;
                    lowCover = Math.min(lowCover, pooled[h].coverage());
                    highCover = Math.max(highCover, pooled[h].coverage());
                    width += pooled[h].meanWidth() / horizon;
                }
                String name = c.name().replace("nab_", "");
                System.out.printf(Locale.ROOT, "  %-28s mean MSE %.5f  h1 %.5f  hH %.5f  cover %.3f [%.3f, %.3f] "
                        + "width %.3f%s%n", name.length() > 28 ? name.substring(0, 28) : name, mean, pooled[0].mse(),
                        pooled[horizon - 1].mse(), cover, lowCover, highCover, width,
                        Double.isNaN(taxi) ? "" : String.format(Locale.ROOT, "  nrmse(h5, 2nd half) %.4f", taxi));
                cells.add(String.format(Locale.ROOT, "%.5f", mean));
            }
            System.out.println("  row: " + String.join(" ", cells));
        }
    }
}
