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
        }
    }
}
