package dev.streamforecast.backtest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Numenta Anomaly Benchmark's scoring of anomaly scores against labelled windows, as its scorer
 * applies it (the rules are in docs/anomalies.md):
 *
 * <ul>
 *   <li>the first min(floor(0.15 n), 750) rows of a series of n rows are probationary, not scored;
 *   <li>a row is a detection when its score is at or above the threshold;
 *   <li>inside a window only the best detection counts, the earliest: with the window's right edge at row
 *       r and its width w rows, a detection at row i has position p = -(r - i + 1) / w and earns
 *       tpWeight S(p) / S(-1), where S(p) = 2 / (1 + e^(5p)) - 1 (and -1 for p beyond 3);
 *   <li>a window without a detection costs fnWeight;
 *   <li>a detection outside every window costs fpWeight S(p), p its distance past the previous window's
 *       right edge in units of that window's width less one, the whole fpWeight without a window before it;
 *   <li>one threshold per profile, the one that maximises the sum over every series, found by sweeping
 *       every distinct score;
 *   <li>normalised score = 100 (raw - null) / (perfect - null), null a detector that never fires (every
 *       window missed), perfect one that detects every window at its left edge.
 * </ul>
 */
public final class NabScore {
    private NabScore() {}

    /** NAB's application profiles: the weights of a true positive, a missed window and a false positive. */
    public enum Profile {
        STANDARD("standard", 1, 1, 0.11),
        REWARD_LOW_FP("reward low FP", 1, 1, 0.22),
        REWARD_LOW_FN("reward low FN", 1, 2, 0.11);

        public final String label;
        final double tpWeight;
        final double fnWeight;
        final double fpWeight;

        Profile(String label, double tpWeight, double fnWeight, double fpWeight) {
            this.label = label;
            this.tpWeight = tpWeight;
            this.fnWeight = fnWeight;
            this.fpWeight = fpWeight;
        }
    }

    /** S(p) = 2 / (1 + e^(5p)) - 1, and -1 for p beyond 3. */
    static double sigmoid(double p) {
        return p > 3 ? -1 : 2 / (1 + Math.exp(5 * p)) - 1;
    }

    /** A series made ready for scoring: its scored rows, each with its score, its window and its weight. */
    public static final class Series {
        public final String key;
        /** Labelled windows, and rows before scoring starts. */
        public final int windows;
        public final int probation;
        /** Per scored row: its score, its window (-1 outside every window) and S(p) / S(-1) inside a window, S(p) outside. */
        final double[] scores;
        final int[] window;
        final double[] weight;

        private Series(String key, int windows, int probation, double[] scores, int[] window, double[] weight) {
            this.key = key;
            this.windows = windows;
            this.probation = probation;
            this.scores = scores;
            this.window = window;
            this.weight = weight;
        }

        /**
         * {@code key}'s rows at times {@code ts} (not decreasing) with their {@code scores}, against
         * {@code windows} ({@code {start, end}} epoch ms, both inclusive, in time order). A window without
         * rows counts as a window never detected.
         */
        public static Series of(String key, long[] ts, double[] scores, List<long[]> windows) {
            int n = ts.length;
            int probation = Math.min(n * 15 / 100, 750);
            int[] window = new int[n];
            Arrays.fill(window, -1);
            int[] right = new int[windows.size()];
            int[] width = new int[windows.size()];
            for (int w = 0; w < windows.size(); w++) {
                right[w] = -1;
                for (int i = 0; i < n; i++) {
                    if (window[i] < 0 && ts[i] >= windows.get(w)[0] && ts[i] <= windows.get(w)[1]) {
                        window[i] = w;
                        right[w] = i;
                        width[w]++;
                    }
                }
            }
            double[] weight = new double[n];
            double atLeftEdge = sigmoid(-1);
            int previous = -1;
            for (int i = 0; i < n; i++) {
                int w = window[i];
                if (w >= 0) {
                    weight[i] = sigmoid(-(right[w] - i + 1.0) / width[w]) / atLeftEdge;
                    previous = w;
                } else if (previous < 0 || width[previous] < 2) {
                    weight[i] = -1;
                } else {
                    weight[i] = sigmoid((double) (i - right[previous]) / (width[previous] - 1));
                }
            }
            return new Series(key, windows.size(), probation, Arrays.copyOfRange(scores, probation, n),
                    Arrays.copyOfRange(window, probation, n), Arrays.copyOfRange(weight, probation, n));
        }
    }

    /** A series' outcome at a threshold: windows detected, false positives and its raw score. */
    public record Outcome(String key, int windows, int detected, int falsePositives, double raw) {
        /** 100 (raw - null) / (perfect - null) of this series alone; NaN without windows. */
        public double normalised(Profile profile) {
            double none = -profile.fnWeight * windows;
            double perfect = profile.tpWeight * windows;
            return windows == 0 ? Double.NaN : 100 * (raw - none) / (perfect - none);
        }
    }

    /**
     * A profile's score over every series at the threshold that maximises it (+infinity when no threshold
     * does better than never firing), with each series' outcome there.
     */
    public record Result(Profile profile, double threshold, double raw, double normalised, List<Outcome> series) {}

    /** {@code s}'s outcome when every row scored at or above {@code threshold} is a detection. */
    public static Outcome at(Series s, double threshold, Profile profile) {
        double[] best = new double[s.windows];
        Arrays.fill(best, Double.NaN);
        int falsePositives = 0;
        double raw = 0;
        for (int i = 0; i < s.scores.length; i++) {
            if (s.scores[i] < threshold) {
                continue;
            }
            int w = s.window[i];
            if (w < 0) {
                falsePositives++;
                raw += profile.fpWeight * s.weight[i];
            } else if (Double.isNaN(best[w])) {
                best[w] = profile.tpWeight * s.weight[i]; // rows in time order: the window's earliest detection
            }
        }
        int detected = 0;
        for (double b : best) {
            if (!Double.isNaN(b)) {
                detected++;
                raw += b;
            }
        }
        raw -= profile.fnWeight * (s.windows - detected);
        return new Outcome(s.key, s.windows, detected, falsePositives, raw);
    }

    /** The profile's best threshold over all of {@code series}, swept over every distinct score. */
    public static Result optimise(List<Series> series, Profile profile) {
        int rows = 0;
        int windows = 0;
        for (Series s : series) {
            rows += s.scores.length;
            windows += s.windows;
        }
        // every scored row, highest score first: (score, global window or -1, weight)
        Integer[] order = new Integer[rows];
        double[] score = new double[rows];
        int[] window = new int[rows];
        double[] weight = new double[rows];
        int at = 0;
        int firstWindow = 0;
        for (Series s : series) {
            for (int i = 0; i < s.scores.length; i++, at++) {
                order[at] = at;
                score[at] = s.scores[i];
                window[at] = s.window[i] < 0 ? -1 : firstWindow + s.window[i];
                weight[at] = s.weight[i];
            }
            firstWindow += s.windows;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        double[] best = new double[windows];
        Arrays.fill(best, Double.NaN);
        double none = -profile.fnWeight * windows;
        double truePositives = 0;
        double falsePositives = 0;
        int detected = 0;
        double bestRaw = none;
        double bestThreshold = Double.POSITIVE_INFINITY;
        for (int k = 0; k < rows; k++) {
            int i = order[k];
            int w = window[i];
            double v = w < 0 ? profile.fpWeight * weight[i] : profile.tpWeight * weight[i];
            if (w < 0) {
                falsePositives += v;
            } else if (Double.isNaN(best[w])) {
                best[w] = v;
                truePositives += v;
                detected++;
            } else if (v > best[w]) {
                truePositives += v - best[w];
                best[w] = v;
            }
            boolean lastOfItsScore = k + 1 == rows || score[order[k + 1]] != score[i];
            double raw = truePositives + falsePositives - profile.fnWeight * (windows - detected);
            if (lastOfItsScore && raw > bestRaw) {
                bestRaw = raw;
                bestThreshold = score[i];
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Series s : series) {
            outcomes.add(at(s, bestThreshold, profile));
        }
        double perfect = profile.tpWeight * windows;
        double normalised = windows == 0 ? Double.NaN : 100 * (bestRaw - none) / (perfect - none);
        return new Result(profile, bestThreshold, bestRaw, normalised, outcomes);
    }
}
