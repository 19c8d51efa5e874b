package dev.streamforecast.backtest;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import java.nio.file.Path;
import java.util.ArrayList;
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
                Metrics all = whole(c, config);
                double ar = BaselineTable.pooled(c, AutoRegressive::new).mse();
                System.out.printf(Locale.ROOT, " %7.5f %5.3f", all.mse(), all.mse() / ar);
            }
            System.out.println();
            printPieces("  " + PIECE + "-event pieces: MSE / pers.", cases, config, PIECE, false);
            printPieces("  their first " + COLD + ": MSE / pers.", cases, config, COLD, false);
            if (config.scope == ModelScope.SHARED) {
                printPieces("  pieces in time order: MSE / pers.", cases, config, PIECE, true);
                printPieces("  their first " + COLD + ": MSE / pers.", cases, config, COLD, true);
            }
        }
    }

    /** Length of the pieces series are cut into to stand for new keys and short series. */
    static final int PIECE = 300;
    /** The events of a piece that measure a cold start. */
    static final int COLD = 100;

    private static void printPieces(String label, List<BaselineTable.Case> cases, ModelConfig config, int scored,
            boolean timeOrder) {
        System.out.printf(Locale.ROOT, "%-40s", label);
        double logSum = 0;
        for (BaselineTable.Case c : cases) {
            double r = piecesOverPersistence(c, config, scored, timeOrder);
            logSum += Math.log(r);
            System.out.printf(Locale.ROOT, " %14.3f", r);
        }
        System.out.printf(Locale.ROOT, "  geometric mean %.3f%n", Math.exp(logSum / cases.size()));
    }

    /**
     * Every series of the case replayed under its protocol by one fleet ({@link ModelFleet}), one row of
     * every series after another, as a stream of the case's keys would bring them.
     */
    static Metrics whole(BaselineTable.Case c, ModelConfig config) {
        ModelFleet fleet = new ModelFleet(config);
        List<double[]> z = new ArrayList<>();
        List<Protocol.Split> splits = new ArrayList<>();
        List<Baseline> keys = new ArrayList<>();
        int rows = 0;
        for (Map.Entry<String, double[]> e : c.data().series().entrySet()) {
            z.add(c.protocol().standardise(e.getValue()));
            splits.add(c.protocol().split(e.getValue().length));
            keys.add(fleet.key(e.getKey()));
            rows = Math.max(rows, splits.get(splits.size() - 1).scoreTo());
        }
        Metrics all = new Metrics();
        for (int t = 0; t < rows; t++) {
            for (int k = 0; k < keys.size(); k++) {
                Protocol.Split s = splits.get(k);
                double[] y = z.get(k);
                if (t >= s.scoreTo()) {
                    continue;
                }
                if (t >= s.scoreFrom()) {
                    all.add(y[t], keys.get(k).forecast(), y[t - 1]);
                }
                keys.get(k).observe(y[t]);
            }
        }
        return all;
    }

    /**
     * Every series of the case (standardised on its first 20%) cut into pieces of {@value #PIECE} events,
     * each replayed as a new key of one fleet: the model's MSE over the first {@code scored} events of
     * every piece, over persistence's on the same events. The pieces start together (each piece's event
     * i after every piece's event i - 1), or with {@code timeOrder} in the order of the series' own
     * time: the pieces of one stretch of rows together, each stretch after the one before.
     */
    static double piecesOverPersistence(BaselineTable.Case c, ModelConfig config, int scored, boolean timeOrder) {
        ModelFleet fleet = new ModelFleet(config);
        int rows = c.data().rows();
        List<double[]> series = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, double[]> e : c.data().series().entrySet()) {
            series.add(standardised(e.getValue(), rows, Math.max(2, rows / 5)));
            names.add(e.getKey());
        }
        int pieces = rows / PIECE;
        Baseline[][] keys = new Baseline[series.size()][pieces];
        for (int k = 0; k < series.size(); k++) {
            for (int p = 0; p < pieces; p++) {
                keys[k][p] = fleet.key(names.get(k) + "@" + p * PIECE);
            }
        }
        double[] sums = new double[2];
        if (timeOrder) {
            for (int p = 0; p < pieces; p++) {
                for (int i = 0; i < PIECE; i++) {
                    for (int k = 0; k < series.size(); k++) {
                        step(keys[k][p], series.get(k), p * PIECE, i, scored, sums);
                    }
                }
            }
        } else {
            for (int i = 0; i < PIECE; i++) {
                for (int p = 0; p < pieces; p++) {
                    for (int k = 0; k < series.size(); k++) {
                        step(keys[k][p], series.get(k), p * PIECE, i, scored, sums);
                    }
                }
            }
        }
        return sums[0] / sums[1];
    }

    /** Event i of the piece from {@code start}: scored if within its first {@code scored}, then learned. */
    private static void step(Baseline m, double[] y, int start, int i, int scored, double[] sums) {
        int t = start + i;
        if (i > 0 && i < scored) {
            sums[0] += (y[t] - m.forecast()) * (y[t] - m.forecast());
            sums[1] += (y[t] - y[t - 1]) * (y[t] - y[t - 1]);
        }
        m.observe(y[t]);
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
