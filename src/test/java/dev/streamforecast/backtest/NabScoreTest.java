package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.backtest.NabScore.Outcome;
import dev.streamforecast.backtest.NabScore.Profile;
import dev.streamforecast.backtest.NabScore.Series;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * NAB's scoring on hand-made series of 100 rows at times 0..99 (probation: the first 15), one window over
 * rows 40..49 (width 10, right edge 49) unless said otherwise.
 */
class NabScoreTest {
    private static final List<long[]> WINDOW = List.of(new long[] {40, 49});
    /** S(-1): what a detection at a window's left edge is divided by. */
    private static final double LEFT = 2 / (1 + Math.exp(-5.0)) - 1;

    private static long[] times(int n) {
        long[] ts = new long[n];
        for (int i = 0; i < n; i++) {
            ts[i] = i;
        }
        return ts;
    }

    /** 100 rows scoring 0, but 1 at {@code detections}. */
    private static Series series(List<long[]> windows, int... detections) {
        double[] scores = new double[100];
        for (int i : detections) {
            scores[i] = 1;
        }
        return Series.of("k", times(100), scores, windows);
    }

    private static double raw(Series s, Profile p) {
        return NabScore.at(s, 0.5, p).raw();
    }

    @Test
    void aDetectionAtAWindowsLeftEdgeEarnsTheWholeRewardAndAtItsRightEdgeAQuarter() {
        assertEquals(1.0, raw(series(WINDOW, 40), Profile.STANDARD), 1e-12);
        // p = -(49 - 49 + 1) / 10
        assertEquals((2 / (1 + Math.exp(-0.5)) - 1) / LEFT, raw(series(WINDOW, 49), Profile.STANDARD), 1e-12);
        assertEquals(0.2482, raw(series(WINDOW, 49), Profile.STANDARD), 1e-4);
    }

    @Test
    void aMissedWindowCostsTheFalseNegativeWeightOfEachProfile() {
        assertEquals(-1.0, raw(series(WINDOW), Profile.STANDARD));
        assertEquals(-1.0, raw(series(WINDOW), Profile.REWARD_LOW_FP));
        assertEquals(-2.0, raw(series(WINDOW), Profile.REWARD_LOW_FN));
    }

    @Test
    void onlyTheEarliestOfSeveralDetectionsInAWindowCounts() {
        Outcome o = NabScore.at(series(WINDOW, 45, 42, 48), 0.5, Profile.STANDARD);
        // p = -(49 - 42 + 1) / 10
        assertEquals((2 / (1 + Math.exp(-4.0)) - 1) / LEFT, o.raw(), 1e-12);
        assertEquals(1, o.detected());
        assertEquals(0, o.falsePositives());
    }

    @Test
    void detectionsInTheProbationaryRowsAreNotScored() {
        List<long[]> early = List.of(new long[] {5, 20});
        Outcome o = NabScore.at(series(early, 3, 14), 0.5, Profile.STANDARD);
        assertEquals(0, o.detected(), "rows 3 and 14 are probationary");
        assertEquals(-1.0, o.raw());
        // the window's first row after the probation, at p = -(20 - 15 + 1) / 16
        assertEquals((2 / (1 + Math.exp(-5 * 6 / 16.0)) - 1) / LEFT, raw(series(early, 15), Profile.STANDARD), 1e-12);
        assertEquals(15, series(early).probation);
        assertEquals(750, Series.of("long", times(10_000), new double[10_000], List.of()).probation);
    }

    @Test
    void aFalsePositiveJustAfterAWindowCostsLittleAndOneFarFromItOrBeforeAnyTheWholeWeight() {
        // p = (50 - 49) / (10 - 1)
        double justAfter = 2 / (1 + Math.exp(5 / 9.0)) - 1;
        assertEquals(-0.2708, justAfter, 1e-4);
        assertEquals(1 + 0.11 * justAfter, raw(series(WINDOW, 40, 50), Profile.STANDARD), 1e-12);
        assertEquals(1 + 0.22 * justAfter, raw(series(WINDOW, 40, 50), Profile.REWARD_LOW_FP), 1e-12);
        // p = (80 - 49) / 9 > 3
        assertEquals(1 - 0.11, raw(series(WINDOW, 40, 80), Profile.STANDARD), 1e-12);
        assertEquals(-1 - 0.11, raw(series(WINDOW, 20), Profile.STANDARD), 1e-12);
        Outcome o = NabScore.at(series(WINDOW, 20, 50, 80), 0.5, Profile.STANDARD);
        assertEquals(3, o.falsePositives());
        assertEquals(-1 + 0.11 * (-1 + justAfter - 1), o.raw(), 1e-12);
        // in a series without windows every detection costs the whole weight
        assertEquals(-0.22, raw(series(List.of(), 30, 60), Profile.STANDARD), 1e-12);
    }

    @Test
    void theNormalisedScoreIsZeroForADetectorThatNeverFiresAndAHundredForOneAtEveryLeftEdge() {
        List<long[]> two = List.of(new long[] {30, 39}, new long[] {70, 79});
        Series perfect = series(two, 30, 70);
        Series silent = series(two);
        for (Profile p : Profile.values()) {
            assertEquals(100, NabScore.optimise(List.of(perfect), p).normalised(), 1e-9, p.label);
            NabScore.Result none = NabScore.optimise(List.of(silent), p);
            assertEquals(0, none.normalised(), 1e-9, p.label);
            assertEquals(Double.POSITIVE_INFINITY, none.threshold(), "never firing is best when nothing detects");
            assertEquals(100, NabScore.at(perfect, 0.5, p).normalised(p), 1e-9);
        }
    }

    @Test
    void theThresholdIsTheOneThatMaximisesTheSumOverEverySeriesAsEveryDistinctScoreTried() {
        Random r = new Random(11);
        List<Series> all = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            double[] scores = new double[300];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = Math.floor(r.nextDouble() * 40) / 40; // ties, as a real detector's scores have
            }
            List<long[]> windows = k == 4 ? List.of() : List.of(new long[] {60 + 40 * k, 80 + 40 * k});
            all.add(Series.of("k" + k, times(300), scores, windows));
        }
        for (Profile p : Profile.values()) {
            NabScore.Result best = NabScore.optimise(all, p);
            // the reference: every distinct score tried as the threshold, each series scored alone
            TreeSet<Double> thresholds = new TreeSet<>();
            all.forEach(s -> { for (double v : s.scores) { thresholds.add(v); } });
            double bestRaw = -4 * p.fnWeight;
            for (double t : thresholds.descendingSet()) {
                double sum = 0;
                for (Series s : all) {
                    sum += NabScore.at(s, t, p).raw();
                }
                bestRaw = Math.max(bestRaw, sum);
            }
            assertEquals(bestRaw, best.raw(), 1e-9, p.label);
            assertEquals(best.raw(), best.series().stream().mapToDouble(Outcome::raw).sum(), 1e-9,
                    "the outcomes are those at the chosen threshold");
            assertEquals(100 * (best.raw() + 4 * p.fnWeight) / (4 * p.tpWeight + 4 * p.fnWeight), best.normalised(),
                    1e-9);
            assertTrue(best.normalised() < 100);
        }
    }
}
