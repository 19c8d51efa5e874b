package dev.streamforecast.backtest;

import dev.streamforecast.model.OnlineAutoRegression;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Prints the baselines' horizon-1 accuracy on the shared data sets under the published protocol.
 *
 * <p>{@code java -cp forecaster.jar dev.streamforecast.backtest.BaselineTable [data-dir] [--sweep]}:
 * ETTh1 under {@link Protocol#ETT} (all seven columns pooled), each NAB series under
 * {@link Protocol#NAB}; the seasonal naive season is a day at the file's sampling interval. With
 * {@code --sweep} it also prints the AR and Holt settings tried, as MSE relative to persistence per
 * data set and their geometric mean. The data folder (docs/data.md) defaults to {@code data}.
 */
public final class BaselineTable {
    /** The ETT protocol's leading rows, the only ones read. */
    static final int ETT_ROWS = 14_400;

    private BaselineTable() {}

    /** A data set and the protocol it is scored under. */
    public record Case(Dataset data, Protocol protocol) {
        public String name() {
            return data.name();
        }
    }

    /** The standard data sets' files, as docs/data.md lists them: ETTh1, then the NAB series. */
    public static final List<String> FILES = List.of("ETTh1.csv", "nab_machine_temperature_system_failure.csv",
            "nab_nyc_taxi.csv", "nab_ambient_temperature_system_failure.csv",
            "nab_cpu_utilization_asg_misconfiguration.csv", "nab_ec2_request_latency_system_failure.csv");

    /** ETTh1 and the NAB series found in {@code dir}, each with its protocol; missing files are skipped. */
    public static List<Case> standardCases(Path dir) throws IOException {
        List<Case> cases = new ArrayList<>();
        for (String name : FILES) {
            Path file = dir.resolve(name);
            if (Files.exists(file)) {
                boolean ett = name.startsWith("ETT");
                cases.add(new Case(Dataset.readWide(file, ett ? ETT_ROWS : -1), ett ? Protocol.ETT : Protocol.NAB));
            }
        }
        return cases;
    }

    /** Scores a fresh forecaster per series of the case and pools the scores over its series. */
    public static Metrics pooled(Case c, Supplier<? extends Baseline> factory) {
        Metrics all = new Metrics();
        for (double[] raw : c.data().series().values()) {
            all.merge(c.protocol().score(raw, factory.get()));
        }
        return all;
    }

    /** The four baselines of the table, for one case. */
    public static List<Supplier<Baseline>> baselines(Case c) {
        int season = c.data().dailySeason();
        OnlineAutoRegression ar = new OnlineAutoRegression();
        return List.of(Persistence::new, () -> new SeasonalNaive(season), Holt::new,
                () -> new AutoRegressive(ar));
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of("data");
        boolean sweep = false;
        for (String a : args) {
            if (a.equals("--sweep")) {
                sweep = true;
            } else {
                dir = Path.of(a);
            }
        }
        List<Case> cases = standardCases(dir);
        if (cases.isEmpty()) {
            System.err.println("no data sets found in " + dir.toAbsolutePath());
            System.exit(1);
        }
        System.out.printf(Locale.ROOT, "%-52s %-22s %9s %9s %8s %9s%n",
                "dataset (keys x scored rows)", "baseline", "MSE", "MAE", "MASE", "vs pers.");
        for (Case c : cases) {
            Protocol.Split split = c.protocol().split(c.data().rows());
            String label = String.format(Locale.ROOT, "%s (%d x %d)", c.name(), c.data().series().size(),
                    split.scored());
            double persistence = Double.NaN;
            for (Supplier<Baseline> b : baselines(c)) {
                Metrics m = pooled(c, b);
                if (Double.isNaN(persistence)) {
                    persistence = m.mse();
                }
                System.out.printf(Locale.ROOT, "%-52s %-22s %9.5f %9.5f %8.4f %+8.1f%%%n", label,
                        b.get().name(), m.mse(), m.mae(), m.mase(), 100 * (m.mse() / persistence - 1));
                label = "";
            }
        }
        if (sweep) {
            sweep(cases);
        }
    }

    /** MSE relative to persistence of each setting tried, per case, with the geometric mean. */
    private static void sweep(List<Case> cases) {
        double[] persistence = new double[cases.size()];
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%n%-34s", "setting (MSE / persistence)"));
        for (int i = 0; i < cases.size(); i++) {
            persistence[i] = pooled(cases.get(i), Persistence::new).mse();
            String n = cases.get(i).name().replace("nab_", "");
            head.append(String.format(Locale.ROOT, " %9s", n.length() > 9 ? n.substring(0, 9) : n));
        }
        System.out.println(head.append(String.format(Locale.ROOT, " %9s", "geomean")));
        // Order and forgetting as a grid, the other settings one at a time around the defaults.
        for (int order : new int[] {12, 24, 48}) {
            for (double lambda : new double[] {1.0, 0.9999, 0.9995, 0.999, 0.998, 0.995}) {
                ar(cases, persistence, order, lambda, OnlineAutoRegression.DEFAULT_DELTA,
                        OnlineAutoRegression.DEFAULT_INTERCEPT, OnlineAutoRegression.DEFAULT_CLIP);
            }
        }
        for (double delta : new double[] {1, 10_000}) {
            ar(cases, persistence, OnlineAutoRegression.DEFAULT_ORDER, OnlineAutoRegression.DEFAULT_FORGETTING,
                    delta, OnlineAutoRegression.DEFAULT_INTERCEPT, OnlineAutoRegression.DEFAULT_CLIP);
        }
        ar(cases, persistence, OnlineAutoRegression.DEFAULT_ORDER, OnlineAutoRegression.DEFAULT_FORGETTING,
                OnlineAutoRegression.DEFAULT_DELTA, !OnlineAutoRegression.DEFAULT_INTERCEPT,
                OnlineAutoRegression.DEFAULT_CLIP);
        for (double clip : new double[] {4, 6, 12, Double.POSITIVE_INFINITY}) {
            ar(cases, persistence, OnlineAutoRegression.DEFAULT_ORDER, OnlineAutoRegression.DEFAULT_FORGETTING,
                    OnlineAutoRegression.DEFAULT_DELTA, OnlineAutoRegression.DEFAULT_INTERCEPT, clip);
        }
        for (double alpha : new double[] {0.5, 0.7, 0.8, 0.9, 1.0}) {
            for (double beta : new double[] {0.0, 0.05, 0.1, 0.3}) {
                for (double phi : new double[] {0.8, 0.9, 0.98, 1.0}) {
                    row(String.format(Locale.ROOT, "holt a=%s b=%s phi=%s", alpha, beta, phi), cases,
                            persistence, () -> new Holt(alpha, beta, phi));
                }
            }
        }
    }

    private static void ar(List<Case> cases, double[] persistence, int order, double lambda, double delta,
            boolean intercept, double clip) {
        OnlineAutoRegression model = new OnlineAutoRegression(order, lambda, delta, intercept, clip);
        row(String.format(Locale.ROOT, "ar p=%d l=%s d=%s c=%s%s", order, lambda, delta, clip,
                intercept ? " +c" : ""), cases, persistence, () -> new AutoRegressive(model));
    }

    private static void row(String label, List<Case> cases, double[] persistence,
            Supplier<? extends Baseline> factory) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-34s", label));
        double logSum = 0;
        for (int i = 0; i < cases.size(); i++) {
            double r = pooled(cases.get(i), factory).mse() / persistence[i];
            logSum += Math.log(r);
            b.append(String.format(Locale.ROOT, " %9.4f", r));
        }
        System.out.println(b.append(String.format(Locale.ROOT, " %9.4f", Math.exp(logSum / cases.size()))));
    }
}
