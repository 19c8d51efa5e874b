package dev.streamforecast.backtest;

import dev.streamforecast.model.ModelConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores model configurations on every standard dataset in-process (no Flink), for tuning:
 * {@code java -cp forecaster.jar dev.streamforecast.backtest.AccuracySweep DATA_DIR "k=v;k=v" ...}.
 * Each argument after the directory is one configuration; the model code is the operator's, so the
 * figures match a backtest of the same configuration.
 */
public final class AccuracySweep {
    private AccuracySweep() {}

    public static void main(String[] args) throws Exception {
        List<BaselineTable.Case> cases = BaselineTable.standardCases(Path.of(args[0]));
        System.out.printf(Locale.ROOT, "%-40s", "config \\ dataset: MSE / ar MSE");
        for (BaselineTable.Case c : cases) {
            System.out.printf(Locale.ROOT, " %14s", c.name().replace("nab_", "").substring(0, Math.min(14,
                    c.name().replace("nab_", "").length())));
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-40s", "ar(24) baseline");
        for (BaselineTable.Case c : cases) {
            System.out.printf(Locale.ROOT, " %14.5f", BaselineTable.pooled(c, AutoRegressive::new).mse());
        }
        System.out.println();
        for (int i = 1; i < args.length; i++) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String kv : args[i].split(";")) {
                if (!kv.isBlank()) {
                    String[] p = kv.split("=", 2);
                    m.put(p[0].trim(), p[1].trim());
                }
            }
            ModelConfig config = ModelConfig.fromMap(m);
            System.out.printf(Locale.ROOT, "%-40s", args[i].length() > 40 ? args[i].substring(0, 40) : args[i]);
            for (BaselineTable.Case c : cases) {
                Metrics all = new Metrics();
                int k = 0;
                for (Map.Entry<String, double[]> e : c.data().series().entrySet()) {
                    all.merge(c.protocol().score(e.getValue(), new ModelBaseline(config, e.getKey())));
                    k++;
                }
                double ar = BaselineTable.pooled(c, AutoRegressive::new).mse();
                System.out.printf(Locale.ROOT, " %7.5f %5.3f", all.mse(), all.mse() / ar);
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "%-40s", "  " + PIECE + "-event pieces: MSE / pers.");
            double logSum = 0;
            for (BaselineTable.Case c : cases) {
                double r = piecesOverPersistence(c, config);
                logSum += Math.log(r);
                System.out.printf(Locale.ROOT, " %14.3f", r);
            }
            System.out.printf(Locale.ROOT, "  geometric mean %.3f%n", Math.exp(logSum / cases.size()));
        }
    }

    /** Length of the pieces series are cut into to stand for new keys and short series. */
    static final int PIECE = 300;

    /**
     * Every series of the case (standardised on its first 20%) cut into pieces of {@value #PIECE} events,
     * each replayed from a fresh model as a new key would be: the model's MSE over every event of every
     * piece, over persistence's on the same events.
     */
    static double piecesOverPersistence(BaselineTable.Case c, ModelConfig config) {
        double model = 0;
        double persistence = 0;
        int rows = c.data().rows();
        for (Map.Entry<String, double[]> e : c.data().series().entrySet()) {
            double[] y = standardised(e.getValue(), rows, Math.max(2, rows / 5));
            for (int start = 0; start + PIECE <= rows; start += PIECE) {
                ModelBaseline m = new ModelBaseline(config, e.getKey() + "@" + start);
                for (int t = start; t < start + PIECE; t++) {
                    if (t > start) {
                        model += (y[t] - m.forecast()) * (y[t] - m.forecast());
                        persistence += (y[t] - y[t - 1]) * (y[t] - y[t - 1]);
                    }
                    m.observe(y[t]);
                }
            }
        }
        return model / persistence;
    }

    private static double[] standardised(double[] y, int rows, int fit) {
        double mean = 0;
        for (int i = 0; i < fit; i++) {
            mean += y[i];
        }
        mean /= fit;
        double variance = 0;
        for (int i = 0; i < fit; i++) {
            variance += (y[i] - mean) * (y[i] - mean);
        }
        double sd = variance > 0 ? Math.sqrt(variance / fit) : 1;
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = (y[i] - mean) / sd;
        }
        return out;
    }
}
