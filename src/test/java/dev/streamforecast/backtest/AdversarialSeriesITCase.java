package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.stream.JobSettings;
import dev.streamforecast.testutil.Fixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile series through the real backtest (the live operator on a local Flink cluster, parallelism
 * 2), one key each: spikes, extreme and tiny magnitudes, wild first values, constant stretches, long
 * runs of equal values, level shifts, integer counts, gaps in time. Every forecast must be finite, and
 * each series meets its target: the error back within 2x its earlier level 100 events after a spike
 * of 1,000 times the level; MAE after warm-up (the first quarter, as NAB is scored) within 1.5x
 * persistence's. A second replay of every series times a power of two must give exactly that power
 * times the forecasts.
 */
class AdversarialSeriesITCase {
    private static final int LENGTH = 4_000;
    private static final int WARM_UP = LENGTH / 4;
    private static final int SPIKE_AT = 2_000;
    private static final long STEP_MS = 60_000;
    /** Each series' multiplier in the second replay, 2^k: large, and finite for that series. */
    private static final Map<String, Integer> POWERS = new LinkedHashMap<>();
    private static final Map<String, double[]> SERIES = new LinkedHashMap<>();
    private static Map<String, List<Forecast>> forecasts;
    private static Map<String, List<Forecast>> scaledForecasts;

    /** A noisy daily-ish cycle around {@code level}, {@code amplitude} in size. */
    private static double[] cycle(double level, double amplitude, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[LENGTH];
        for (int t = 0; t < LENGTH; t++) {
            y[t] = level + amplitude * (Math.sin(2 * Math.PI * t / 48) + 0.2 * rnd.nextGaussian());
        }
        return y;
    }

    private static void add(String name, int power, double[] y) {
        SERIES.put(name, y);
        POWERS.put(name, power);
    }

    @BeforeAll
    static void replay() throws Exception {
        double[] spike = cycle(2e5, 1e4, 1);
        spike[SPIKE_AT] = 2e8;
        add("spike-1000x", 600, spike);
        // before the statistics settle: the old scaler kept such a spike for ever
        double[] early = cycle(2e5, 1e4, 2);
        early[5] = 2e8;
        add("spike-1000x-early", 600, early);
        add("around-1e200", -700, cycle(3e200, 1e200, 3));
        add("around-1e-12", 700, cycle(3e-12, 1e-12, 4));
        add("centred-1e-300", 700, cycle(0, 1e-300, 5));
        double[] first = cycle(10, 1, 6);
        first[0] = 1e160;
        add("first-1e160", 400, first);
        double[] sixth = cycle(10, 1, 7);
        sixth[5] = 1e200;
        add("sixth-1e200", 300, sixth);
        double[] constant = cycle(500, 20, 8);
        for (int t = 0; t < 1_500; t++) {
            constant[t] = 1234.5;
        }
        add("constant-then-moving", 600, constant);
        Random rnd = new Random(9);
        double[] steps = new double[LENGTH];
        double level = 40;
        for (int t = 0; t < LENGTH; t++) {
            if (rnd.nextInt(20) == 0) {
                level = Math.round(level + 10 * rnd.nextGaussian());
            }
            steps[t] = level;
        }
        add("long-runs-of-equal-values", 600, steps);
        double[] counts = new double[LENGTH];
        for (int t = 0; t < LENGTH; t++) {
            double rate = 3 + 2 * Math.sin(2 * Math.PI * t / 48);
            counts[t] = poisson(rnd, rate);
        }
        add("integer-counts", 600, counts);
        double[] shift = cycle(100, 5, 10);
        for (int t = SPIKE_AT; t < LENGTH; t++) {
            shift[t] = 1e5 + 5e3 * (shift[t] - 100) / 5;
        }
        add("level-shift-1000x", 600, shift);
        double[] walk = new double[LENGTH];
        for (int t = 1; t < LENGTH; t++) {
            walk[t] = walk[t - 1] + rnd.nextGaussian();
        }
        add("random-walk-from-zero", 600, walk);

        List<Observation> plain = new ArrayList<>();
        List<Observation> scaled = new ArrayList<>();
        for (int t = 0; t < LENGTH; t++) {
            for (Map.Entry<String, double[]> e : SERIES.entrySet()) {
                String key = e.getKey();
                // "gaps": this key's events come at irregular times, hours to days apart
                long ts = key.equals("random-walk-from-zero") ? t * STEP_MS + (t % 7) * 3_600_000L * 24 / 7
                        : t * STEP_MS;
                plain.add(new Observation(key, ts, e.getValue()[t]));
                scaled.add(new Observation(key, ts, Math.scalb(e.getValue()[t], POWERS.get(key))));
            }
        }
        plain.sort((a, b) -> Long.compare(a.ts, b.ts));
        scaled.sort((a, b) -> Long.compare(a.ts, b.ts));
        forecasts = run(plain);
        scaledForecasts = run(scaled);
    }

    private static int poisson(Random rnd, double rate) {
        double limit = Math.exp(-rate);
        double product = rnd.nextDouble();
        int k = 0;
        while (product > limit) {
            product *= rnd.nextDouble();
            k++;
        }
        return k;
    }

    private static Map<String, List<Forecast>> run(List<Observation> observations) throws Exception {
        JobSettings settings = JobSettings.defaults(ModelConfig.builder().build())
                .withMaxOutOfOrderness(Duration.ZERO).withIdleStateRetention(Duration.ZERO);
        Backtest.Result r = Backtest.replay(observations, settings, 2, new Configuration(), null);
        assertEquals(List.of(), r.deadLetters, "no event refused");
        Map<String, List<Forecast>> byKey = new LinkedHashMap<>();
        for (Forecast f : r.forecasts) {
            byKey.computeIfAbsent(f.key, k -> new ArrayList<>()).add(f);
        }
        return byKey;
    }

    private static List<Forecast> of(String key) {
        List<Forecast> f = forecasts.get(key);
        assertEquals(LENGTH, f.size(), key);
        return f;
    }

    /** Mean of |y_t - forecast_{t-1}| over t in [from, to), and of |y_t - y_{t-1}| (persistence). */
    private static double[] mae(String key, int from, int to) {
        List<Forecast> f = of(key);
        double model = 0;
        double persistence = 0;
        for (int t = from; t < to; t++) {
            model += Math.abs(f.get(t).value - f.get(t - 1).forecast);
            persistence += Math.abs(f.get(t).value - f.get(t - 1).value);
        }
        return new double[] {model / (to - from), persistence / (to - from)};
    }

    private static void assertWithinOfPersistence(String key, int from, double factor) {
        double[] m = mae(key, from, LENGTH);
        assertTrue(m[0] <= factor * m[1], key + ": MAE " + m[0] + " against persistence's " + m[1]
                + " (" + m[0] / m[1] + "x)");
    }

    @Test
    void everyForecastIsFiniteAndEveryIntervalFiniteOrNone() {
        for (String key : SERIES.keySet()) {
            for (Forecast f : of(key)) {
                assertTrue(Double.isFinite(f.forecast) && Fixtures.intervalOrNone(f.lower, f.upper),
                        key + " at " + f.ts + ": " + f.forecast + " [" + f.lower + ", " + f.upper + "]");
            }
        }
    }

    @Test
    void afterASpikeOfAThousandTimesTheLevelTheErrorIsBackWithinTwiceItsEarlierLevelWithinAHundredEvents() {
        double before = mae("spike-1000x", SPIKE_AT - 500, SPIKE_AT)[0];
        for (int from = SPIKE_AT + 100; from + 100 <= LENGTH; from += 100) {
            double after = mae("spike-1000x", from, from + 100)[0];
            assertTrue(after <= 2 * before, "events " + from + " to " + (from + 100) + ": MAE " + after
                    + ", before the spike " + before);
        }
    }

    @Test
    void anEarlySpikeLeavesTheRestOfTheSeriesForecastAsWell() {
        double[] early = mae("spike-1000x-early", WARM_UP, LENGTH);
        double[] clean = mae("spike-1000x", WARM_UP, SPIKE_AT);
        assertTrue(early[0] / early[1] <= 1.1 * clean[0] / clean[1], "early spike: " + early[0] / early[1]
                + " of persistence's MAE, without it " + clean[0] / clean[1]);
    }

    @Test
    void extremeAndTinyMagnitudesAreForecastWithinOneAndAHalfTimesPersistencesError() {
        for (String key : List.of("around-1e200", "around-1e-12", "centred-1e-300", "first-1e160",
                "sixth-1e200")) {
            assertWithinOfPersistence(key, WARM_UP, 1.5);
        }
    }

    @Test
    void constantStretchesStepsCountsShiftsAndGapsAreForecastWithinOneAndAHalfTimesPersistencesError() {
        assertWithinOfPersistence("constant-then-moving", 1_500 + WARM_UP, 1.5);
        assertWithinOfPersistence("long-runs-of-equal-values", WARM_UP, 1.5);
        assertWithinOfPersistence("integer-counts", WARM_UP, 1.5);
        assertWithinOfPersistence("random-walk-from-zero", WARM_UP, 1.5);
        assertWithinOfPersistence("level-shift-1000x", SPIKE_AT + 100, 1.5);
    }

    @Test
    void aConstantStretchIsForecastExactly() {
        List<Forecast> f = of("constant-then-moving");
        for (int t = 0; t < 1_500; t++) {
            assertEquals(1234.5, f.get(t).forecast, "event " + t);
        }
    }

    @Test
    void everySeriesTimesAPowerOfTwoGetsExactlyThatPowerTimesItsForecasts() {
        for (Map.Entry<String, Integer> e : POWERS.entrySet()) {
            List<Forecast> a = of(e.getKey());
            List<Forecast> b = scaledForecasts.get(e.getKey());
            assertEquals(a.size(), b.size());
            int k = e.getValue();
            for (int t = 0; t < a.size(); t++) {
                assertEquals(Math.scalb(a.get(t).forecast, k), b.get(t).forecast, 0.0, e.getKey() + " at " + t);
                assertEquals(Math.scalb(a.get(t).lower, k), b.get(t).lower, 0.0, e.getKey() + " at " + t);
                assertEquals(Math.scalb(a.get(t).upper, k), b.get(t).upper, 0.0, e.getKey() + " at " + t);
            }
        }
    }
}
