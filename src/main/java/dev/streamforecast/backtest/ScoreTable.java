package dev.streamforecast.backtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A backtest's scores as the console shows them, summary first: the pooled lines, then (for more than one
 * key) the fleet's standing against each baseline, then a few keys (best, median and worst by the ratio
 * to persistence) or, when asked, every key; and the scores by step ahead. Text only: the command prints it.
 */
public final class ScoreTable {
    private static final String ROW = "%-14s %-22s %8s %10s %10s %10s %8s %8s %9s%n";

    private ScoreTable() {}

    /**
     * The one-step table: the pooled lines and the fleet summary, then every key's lines ({@code allKeys})
     * or only those of {@link FleetSummary#highlights}.
     */
    public static String of(List<Evaluation.Line> lines, FleetSummary fleet, boolean allKeys) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, ROW, "key", "method", "n", "MSE", "MAE", "RMSE", "sMAPE%", "MASE",
                "coverage"));
        lines.stream().filter(l -> l.key.equals(Report.ALL)).forEach(l -> line(b, l));
        int keys = fleet.ranked.size();
        if (keys > 1) {
            b.append(fleet(fleet));
        }
        List<FleetSummary.Key> shown = allKeys ? fleet.ranked : fleet.highlights();
        if (shown.size() < keys) {
            b.append(String.format(Locale.ROOT, "%nthe best, the median and the worst key by MSE relative to %s "
                    + "(--all-keys prints all %,d):%n", fleet.rankedBy(), keys));
        } else if (keys > 1) {
            b.append(String.format(Locale.ROOT, "%n"));
        }
        // every key in the table's order; a few in the order best, median, worst
        List<String> order = shown.size() == keys ? lines.stream().map(l -> l.key).distinct()
                .filter(k -> !k.equals(Report.ALL)).collect(Collectors.toList())
                : shown.stream().map(FleetSummary.Key::key).collect(Collectors.toList());
        for (String key : order) {
            lines.stream().filter(l -> l.key.equals(key)).forEach(l -> line(b, l));
        }
        return b.toString();
    }

    private static void line(StringBuilder b, Evaluation.Line l) {
        Metrics m = l.metrics;
        b.append(String.format(Locale.ROOT, ROW, l.key, l.method, m.count(), figure(m.mse()), figure(m.mae()),
                figure(m.rmse()), String.format(Locale.ROOT, "%.2f", m.smape()),
                String.format(Locale.ROOT, "%.4f", m.mase()),
                m.intervalCount() > 0 ? String.format(Locale.ROOT, "%.3f", m.coverage()) : "-"));
    }

    /** Per baseline: on how many keys the model's MSE is lower, and the distribution of the ratio. */
    static String fleet(FleetSummary fleet) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%n%,d keys: the model's MSE over each "
                + "baseline's, per key%n%-22s %18s", fleet.ranked.size(), "baseline", "model better on"));
        for (String q : quantileNames()) {
            b.append(String.format(Locale.ROOT, " %8s", q));
        }
        b.append(String.format(Locale.ROOT, "%n"));
        for (FleetSummary.Line l : fleet.lines) {
            b.append(String.format(Locale.ROOT, "%-22s %18s", l.baseline(), String.format(Locale.ROOT,
                    "%,d of %,d (%.0f%%)", l.beaten(), l.compared(), 100 * l.share())));
            for (double q : l.quantiles()) {
                b.append(String.format(Locale.ROOT, " %8s", Double.isNaN(q) ? "-" : String.format(Locale.ROOT, "%.3f", q)));
            }
            b.append(String.format(Locale.ROOT, "%n"));
        }
        return b.toString();
    }

    /** min, p10, ..., max: the names of {@link FleetSummary#QUANTILES}. */
    static List<String> quantileNames() {
        List<String> names = new ArrayList<>();
        for (double q : FleetSummary.QUANTILES) {
            names.add(q == 0 ? "min" : q == 1 ? "max" : q == 0.5 ? "median" : "p" + Math.round(100 * q));
        }
        return names;
    }

    /** Each step's scores of the model and the baselines, pooled over keys, and their means over the steps. */
    public static String steps(StepEvaluation e) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nby step (pooled over keys): MSE of each "
                + "method, the model's MAE, coverage and mean width%n%5s", "step"));
        for (String method : e.steps.keySet()) {
            b.append(String.format(Locale.ROOT, " %22s", method));
        }
        b.append(String.format(Locale.ROOT, " %10s %9s %10s%n", "model MAE", "coverage", "width"));
        for (int h = 1; h <= e.horizon; h++) {
            b.append(String.format(Locale.ROOT, "%5d", h));
            for (Metrics[] m : e.steps.values()) {
                b.append(String.format(Locale.ROOT, " %22s", figure(m[h - 1].mse())));
            }
            Metrics model = e.steps.get(Evaluation.MODEL)[h - 1];
            b.append(String.format(Locale.ROOT, " %10s %9.3f %10s%n", figure(model.mae()), model.coverage(),
                    figure(model.meanWidth())));
        }
        b.append(String.format(Locale.ROOT, "%5s", "mean"));
        for (String method : e.steps.keySet()) {
            b.append(String.format(Locale.ROOT, " %22s", figure(e.meanMse(method))));
        }
        return b.append(String.format(Locale.ROOT, " %10s%n", figure(e.meanMae(Evaluation.MODEL)))).toString();
    }

    /** Four decimals where they read well; four significant digits for a series in tiny or huge units. */
    public static String figure(double v) {
        double a = Math.abs(v);
        return a == 0 || (a >= 1e-3 && a < 1e6) || !Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v)
                : String.format(Locale.ROOT, "%.4g", v);
    }
}
