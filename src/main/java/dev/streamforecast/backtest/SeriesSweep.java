package dev.streamforecast.backtest;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Scores configurations on every CSV file of a directory in-process, each series replayed with its
 * times (so the cadence, the seasonal candidate and the calendar inputs are as in a backtest), for
 * tuning across all the data rather than a few files:
 * {@code java -cp forecaster.jar dev.streamforecast.backtest.SeriesSweep DIR "k=v;k=v" ...}. Per file:
 * the one-step MSE on standardised values (the ETT protocol for ETT files, NAB's otherwise), its ratio
 * to persistence's, and the values the outlier guard held out; then the geometric mean of the ratios
 * (leaving out the files a model forecasts perfectly, a ratio below 0.001).
 */
public final class SeriesSweep {
    private SeriesSweep() {}

    public static void main(String[] args) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            s.filter(p -> p.toString().endsWith(".csv")).sorted().forEach(files::add);
        }
        for (int i = 1; i < Math.max(args.length, 2); i++) {
            String spec = i < args.length ? args[i] : "";
            ModelConfig config = ModelConfig.fromMap(settings(spec));
            System.out.println("== " + (spec.isEmpty() ? "defaults" : spec));
            double logs = 0;
            int n = 0;
            for (Path f : files) {
                double[] r = score(f, config);
                System.out.printf(Locale.ROOT, "  %-46s MSE %9.5f  persistence %9.5f  ratio %7.4f  held out %d%n",
                        f.getFileName(), r[0], r[1], r[0] / r[1], (long) r[2]);
                if (r[1] > 0 && r[0] / r[1] > 1e-3) {
                    logs += Math.log(r[0] / r[1]);
                    n++;
                }
            }
            System.out.printf(Locale.ROOT, "  geometric mean of the ratios (files forecast perfectly left out): %.4f%n",
                    Math.exp(logs / n));
        }
    }

    static Map<String, String> settings(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : spec.split(";")) {
            if (!kv.isBlank()) {
                String[] p = kv.split("=", 2);
                m.put(p[0].trim(), p[1].trim());
            }
        }
        return m;
    }

    /** MSE of the model and of persistence over the scored rows of every series of the file, and the values held out. */
    static double[] score(Path file, ModelConfig config) throws IOException {
        boolean ett = file.getFileName().toString().startsWith("ETT");
        Dataset d = Dataset.readWide(file, ett ? BaselineTable.ETT_ROWS : -1);
        Protocol protocol = ett ? Protocol.ETT : Protocol.NAB;
        Protocol.Split split = protocol.split(d.rows());
        double model = 0;
        double persistence = 0;
        long scored = 0;
        long held = 0;
        for (Map.Entry<String, double[]> e : d.series().entrySet()) {
            double[] y = protocol.standardise(e.getValue());
            OnlineForecaster forecaster = new OnlineForecaster(config);
            SeriesState s = forecaster.newState(e.getKey());
            Prediction p = new Prediction(config.horizon);
            for (int t = 0; t < split.scoreTo(); t++) {
                if (t >= split.scoreFrom()) {
                    double err = y[t] - p.forecast;
                    double naive = y[t] - y[t - 1];
                    model += err * err;
                    persistence += naive * naive;
                    scored++;
                }
                forecaster.observe(s, d.timestamps()[t], y[t], null, p);
                held += p.heldOut ? 1 : 0;
            }
        }
        return new double[] {model / scored, persistence / scored, held};
    }
}
