package dev.streamforecast.backtest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a backtest of many keys says at a glance: per key the model's MSE as a ratio to each baseline's,
 * the share of keys on which the model beats each baseline, the distribution of those ratios, and the keys
 * that rank best, median and worst by the ratio to persistence.
 *
 * <p>Made from the metrics rows (key, method, MSE) that the console and the report both show, so both
 * say the same; the pooled key "all" and the rows of steps ahead ({@link Report#isStepKey}) are not keys.
 */
public final class FleetSummary {
    /** The baseline keys are ranked against. */
    public static final String PERSISTENCE = "persistence";
    /** The quantiles of each baseline's ratios: min, 10%, 25%, median, 75%, 90%, max. */
    public static final double[] QUANTILES = {0, 0.1, 0.25, 0.5, 0.75, 0.9, 1};
    /** Keys the console shows and the report charts when not told otherwise: at most a handful. */
    public static final int FEW = 5;

    /**
     * One key's standing: its model MSE over each baseline's, in {@link #baselines} order; NaN where either
     * is undefined or the baseline's is 0.
     */
    public record Key(String key, double[] ratios) {}

    /** One baseline's line: keys on which the model's MSE is below the baseline's, of those compared, and the ratios' quantiles. */
    public record Line(String baseline, int beaten, int compared, double[] quantiles) {
        /** The share of compared keys on which the model beats the baseline, 0 to 1; NaN if none was compared. */
        public double share() {
            return compared == 0 ? Double.NaN : (double) beaten / compared;
        }
    }

    /** The baselines, in the order the rows name them. */
    public final List<String> baselines;
    /** Every key, best first by its ratio to persistence (or to the first baseline); keys without one last. */
    public final List<Key> ranked;
    /** Per baseline, in {@link #baselines} order. */
    public final List<Line> lines;
    private final int rankedBy;

    private FleetSummary(List<String> baselines, List<Key> ranked, List<Line> lines, int rankedBy) {
        this.baselines = baselines;
        this.ranked = ranked;
        this.lines = lines;
        this.rankedBy = rankedBy;
    }

    /** The summary of the rows' keys, with {@code model} the method compared against the others. */
    public static FleetSummary of(List<Report.Row> rows, String model) {
        Map<String, Map<String, Double>> byKey = new LinkedHashMap<>();
        Set<String> methods = new LinkedHashSet<>();
        for (Report.Row r : rows) {
            if (r.key().equals(Report.ALL) || Report.isStepKey(r.key())) {
                continue;
            }
            byKey.computeIfAbsent(r.key(), k -> new LinkedHashMap<>()).put(r.method(), r.mse());
            if (!r.method().equals(model)) {
                methods.add(r.method());
            }
        }
        List<String> baselines = List.copyOf(methods);
        List<Key> keys = new ArrayList<>();
        for (Map.Entry<String, Map<String, Double>> e : byKey.entrySet()) {
            double own = e.getValue().getOrDefault(model, Double.NaN);
            double[] ratios = new double[baselines.size()];
            for (int b = 0; b < ratios.length; b++) {
                double other = e.getValue().getOrDefault(baselines.get(b), Double.NaN);
                ratios[b] = other > 0 && Double.isFinite(own) && Double.isFinite(other) ? own / other : Double.NaN;
            }
            keys.add(new Key(e.getKey(), ratios));
        }
        List<Line> lines = new ArrayList<>();
        for (int b = 0; b < baselines.size(); b++) {
            int index = b;
            double[] ratios = keys.stream().mapToDouble(k -> k.ratios()[index]).filter(r -> !Double.isNaN(r))
                    .sorted().toArray();
            int beaten = (int) Arrays.stream(ratios).filter(r -> r < 1).count();
            lines.add(new Line(baselines.get(b), beaten, ratios.length, quantiles(ratios)));
        }
        int rankedBy = Math.max(0, baselines.indexOf(PERSISTENCE));
        // best first; a key without a ratio (no persistence error to compare with) last; ties by name
        keys.sort(Comparator.comparingDouble((Key k) -> rank(k, rankedBy)).thenComparing(Key::key));
        return new FleetSummary(baselines, List.copyOf(keys), List.copyOf(lines), rankedBy);
    }

    private static double rank(Key k, int by) {
        return k.ratios().length == 0 || Double.isNaN(k.ratios()[by]) ? Double.POSITIVE_INFINITY : k.ratios()[by];
    }

    /** {@link #QUANTILES} of sorted values by the nearest rank; NaN each when there are none. */
    static double[] quantiles(double[] sorted) {
        double[] q = new double[QUANTILES.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = sorted.length == 0 ? Double.NaN : sorted[(int) Math.round(QUANTILES[i] * (sorted.length - 1))];
        }
        return q;
    }

    /** The baseline the keys are ranked by: persistence, or the first when there is none. */
    public String rankedBy() {
        return baselines.isEmpty() ? PERSISTENCE : baselines.get(rankedBy);
    }

    /** A key's ratio to the baseline it is ranked by. */
    public double ratio(Key k) {
        return k.ratios().length == 0 ? Double.NaN : k.ratios()[rankedBy];
    }

    /** The worst {@code n} keys with a ratio, worst first. */
    public List<Key> worst(int n) {
        List<Key> out = new ArrayList<>();
        for (int i = ranked.size() - 1; i >= 0 && out.size() < n; i--) {
            if (!Double.isNaN(ratio(ranked.get(i)))) {
                out.add(ranked.get(i));
            }
        }
        return out;
    }

    /**
     * The keys to show of a fleet: with at most {@link #FEW} keys all of them, else the best, the median
     * and the worst by the ratio to persistence, in that order.
     */
    public List<Key> highlights() {
        List<Key> rated = ranked.stream().filter(k -> !Double.isNaN(ratio(k))).toList();
        if (ranked.size() <= FEW || rated.isEmpty()) {
            return ranked.size() <= FEW ? ranked : List.of();
        }
        Set<Key> picked = new LinkedHashSet<>(List.of(rated.get(0), rated.get((rated.size() - 1) / 2),
                rated.get(rated.size() - 1)));
        return List.copyOf(picked);
    }

    /**
     * The keys whose charts a report draws when not told: every key of a fleet of at most {@link #FEW};
     * else the three worst, the median and the best, so the charts that matter most are there.
     */
    public Set<String> defaultCharts() {
        Set<String> keys = new LinkedHashSet<>();
        if (ranked.size() <= FEW) {
            ranked.forEach(k -> keys.add(k.key()));
            return keys;
        }
        worst(3).forEach(k -> keys.add(k.key()));
        highlights().forEach(k -> keys.add(k.key()));
        return keys;
    }
}
