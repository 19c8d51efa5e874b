package dev.streamforecast.model;

import static dev.streamforecast.model.SeriesStateTest.assertAllFinite;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.Allocations;
import dev.streamforecast.testutil.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The forecaster on hostile input: any finite magnitude, spikes, and models that diverge. Every promise
 * holds in both scopes, whether the key's network is its own or one its keys share.
 */
@ParameterizedClass(name = "model.scope={0}")
@EnumSource(ModelScope.class)
class OnlineForecasterRobustnessTest {
    @Parameter
    ModelScope scope;

    /** The default model in this run's scope. */
    private ModelConfig defaults() {
        return ModelConfig.builder().scope(scope).build();
    }

    /** Forecasts, lower and upper bounds after each value, and whether each event trained. */
    private static double[][] run(ModelConfig c, double[] y, double[][] features) {
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        double[][] out = new double[4][y.length];
        for (int t = 0; t < y.length; t++) {
            f.observe(s, y[t], features == null ? null : features[t], p);
            assertTrue(!p.diverged, p.divergence);
            out[0][t] = p.forecast;
            out[1][t] = p.lower;
            out[2][t] = p.upper;
            out[3][t] = p.trained ? 1 : 0;
        }
        return out;
    }

    /** A state for key "k" that has seen {@code events} values of a noisy sine times {@code scale}. */
    private static SeriesState warmed(OnlineForecaster f, int events, double scale, Prediction p) {
        SeriesState s = f.newState("k");
        for (double v : Fixtures.noisySine(events, 24, 0.1, 9)) {
            f.observe(s, scale * v, null, p);
        }
        return s;
    }

    private static double[] scaled(double[] y, int k) {
        double[] c = new double[y.length];
        for (int t = 0; t < y.length; t++) {
            c[t] = Math.scalb(y[t], k);
        }
        return c;
    }

    /** MAE of the one-step forecasts from {@code from} on, over persistence's. */
    private static double maeRatio(double[] y, double[] forecasts, int from) {
        double model = 0;
        double persistence = 0;
        for (int t = from; t < y.length; t++) {
            model += Math.abs(y[t] - forecasts[t - 1]);
            persistence += Math.abs(y[t] - y[t - 1]);
        }
        return model / persistence;
    }

    /** A few series of the kinds the product meets, all around 1 in size. */
    private static List<double[]> series() {
        List<double[]> all = new ArrayList<>();
        all.add(Fixtures.noisySine(1_500, 24, 0.1, 1));
        Random rnd = new Random(2);
        double[] counts = new double[1_500];
        for (int t = 0; t < counts.length; t++) {
            // integer counts with runs of zeros at the start and long runs of equal values
            counts[t] = t < 40 ? 0 : Math.max(0, Math.round(3 + 2 * Math.sin(t / 9.0) + rnd.nextGaussian()));
        }
        all.add(counts);
        double[] spiky = Fixtures.ar2(1_500, 0.7, -0.2, 1.0, 3);
        spiky[700] = 1e3;
        all.add(spiky);
        return all;
    }

    @ParameterizedTest(name = "x 2^{0}")
    @ValueSource(ints = {-900, -64, -1, 3, 64, 900})
    void forecastsOfASeriesTimesAPowerOfTwoAreExactlyThatPowerTimesItsForecasts(int k) {
        for (double[] y : series()) {
            double[][] base = run(defaults(), y, null);
            double[][] times = run(defaults(), scaled(y, k), null);
            for (int t = 0; t < y.length; t++) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(Double.doubleToRawLongBits(Math.scalb(base[i][t], k)),
                            Double.doubleToRawLongBits(times[i][t]), "output " + i + " at event " + t);
                }
                assertEquals(base[3][t], times[3][t]);
            }
        }
    }

    @Test
    void aFeatureTimesAPowerOfTwoChangesNothing() {
        ModelConfig c = defaults().toBuilder().features(List.of("temperature")).build();
        double[] y = Fixtures.noisySine(1_000, 24, 0.1, 4);
        double[][] features = new double[y.length][];
        double[][] huge = new double[y.length][];
        for (int t = 0; t < y.length; t++) {
            features[t] = new double[] {20 + Math.sin(t / 5.0)};
            huge[t] = new double[] {Math.scalb(features[t][0], 700)};
        }
        double[][] base = run(c, y, features);
        double[][] times = run(c, y, huge);
        for (int t = 0; t < y.length; t++) {
            assertEquals(Double.doubleToRawLongBits(base[0][t]), Double.doubleToRawLongBits(times[0][t]));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"around 1e200, 1e200, 3e200", "around 1e-12, 1e-12, 3e-12", "scaled by 1e-300, 1e-300, 0",
        "around 2e5, 1e3, 2e5", "a 1e-6 wiggle on 1e6, 1e-6, 1e6"})
    void seriesAtAnyScaleAreForecastAsWellAsAtUnitScale(String name, double scale, double level) {
        double[] x = Fixtures.noisySine(3_000, 24, 0.1, 5);
        double[] y = new double[x.length];
        for (int t = 0; t < x.length; t++) {
            y[t] = level + scale * x[t];
        }
        double unit = maeRatio(x, run(defaults(), x, null)[0], 750);
        double ratio = maeRatio(y, run(defaults(), y, null)[0], 750);
        assertTrue(ratio < 1.5, name + ": MAE " + ratio + " of persistence's");
        if (level / scale < 1e6) { // where the level leaves the wiggle's digits intact
            assertEquals(unit, ratio, 0.02 * unit, name);
        }
    }

    @ParameterizedTest(name = "a first value of {0}")
    @ValueSource(doubles = {1e160, -1e300, Double.MAX_VALUE, 1e-300, Double.MIN_VALUE})
    void aWildFirstValueDoesNotSpoilTheForecastsAfterIt(double first) {
        double[] x = Fixtures.noisySine(3_000, 24, 0.1, 6);
        double unit = maeRatio(x, run(defaults(), x, null)[0], 750);
        double[] y = x.clone();
        y[0] = first;
        double[] forecasts = run(defaults(), y, null)[0];
        for (double f : forecasts) {
            assertTrue(Double.isFinite(f));
        }
        assertEquals(unit, maeRatio(y, forecasts, 750), 0.03 * unit);
    }

    @ParameterizedTest(name = "spike at event {0}")
    @ValueSource(ints = {3, 12, 40, 60, 100, 1_500})
    void aSpikeAThousandTimesTheLevelIsForgottenWithinAHundredEvents(int at) {
        Random rnd = new Random(7);
        double[] y = new double[at + 600];
        for (int t = 0; t < y.length; t++) {
            y[t] = 2e5 + 1e4 * Math.sin(t / 7.0) + 100 * rnd.nextGaussian();
        }
        double[] clean = run(defaults(), y, null)[0];
        y[at] = 2e8;
        double[] spiked = run(defaults(), y, null)[0];
        // the error after the spike's first 100 events, against the same events without the spike
        double after = 0;
        double without = 0;
        for (int t = at + 101; t < y.length; t++) {
            after += Math.abs(y[t] - spiked[t - 1]);
            without += Math.abs(y[t] - clean[t - 1]);
        }
        assertTrue(after < 2 * without, "MAE " + after + " against " + without + " without the spike");
    }

    @Test
    void aSeriesThatHoldsItsValueInRunsIsForecastAsItsLastValueWhileItHolds() {
        Random rnd = new Random(11);
        double[] y = new double[4_000];
        double level = 40;
        for (int t = 0; t < y.length; t++) {
            if (rnd.nextInt(20) == 0) {
                level = Math.round(level + 10 * rnd.nextGaussian());
            }
            y[t] = level;
        }
        double[] forecasts = run(defaults(), y, null)[0];
        for (int t = 100; t < y.length; t++) {
            if (y[t] == y[t - 1]) {
                assertEquals(y[t], forecasts[t], "event " + t);
            }
        }
        // the linear part alone, a least-squares fit, is 1.5 times persistence's absolute error here
        assertTrue(maeRatio(y, forecasts, 1_000) < 1.1);
    }

    @Test
    void noValueOfAnyMagnitudeLeavesANonFiniteNumberInTheState() {
        double[] hostile = {0, -0.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, 1e-300, 1e300,
            -1e160, 1e160, 1, 2, 3, 1e-12, 1e200, Double.MIN_NORMAL, 5, 5, 5, 0, 0, 0};
        ModelConfig c = defaults().toBuilder().features(List.of("f")).k1(3).k2(5).build();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        Random rnd = new Random(8);
        for (int t = 0; t < 3_000; t++) {
            double v = t % 200 < 100 ? hostile[rnd.nextInt(hostile.length)] : Math.sin(t) * 1e5;
            double feature = hostile[rnd.nextInt(hostile.length)];
            f.observe(s, v, new double[] {feature}, p);
            assertTrue(!p.diverged, p.divergence);
            assertTrue(Double.isFinite(p.forecast) && Fixtures.intervalOrNone(p.lower, p.upper),
                    "event " + t + ": " + p.forecast + " [" + p.lower + ", " + p.upper + "]");
            assertAllFinite(s, "event " + t);
        }
    }

    @Test
    void everyStepsForecastMovesAtMostABoundedMultipleOfTheTypicalChangeOrToAValueKeptASeasonBefore() {
        // the default model, twelve steps ahead, hourly: every candidate, the seasonal one included
        ModelConfig c = defaults().toBuilder().horizon(12).build();
        OnlineForecaster f = new OnlineForecaster(c);
        Prediction p = new Prediction(12);
        SeriesState s = f.newState("k");
        double[] y = daily(600, 3);
        for (int t = 0; t < 500; t++) {
            f.observe(s, HOUR * t, y[t], null, p);
        }
        assertEquals(24, s.horizon.season);
        // a linear part gone absurd (finite, so nothing diverged)
        for (int t = 500; t < 600; t++) {
            java.util.Arrays.fill(s.linear.theta, 1e6);
            f.observe(s, HOUR * t, y[t], null, p);
            double kept = s.lastValue;
            double typical = Math.scalb(Scales.pow2(s.changeLog), s.exponent[0]);
            for (int h = 1; h <= 12; h++) {
                double seasonal = Math.scalb(s.horizon.history[(t + h - 24) % s.horizon.history.length],
                        s.exponent[0]) - kept;
                double bound = Math.max(SeriesStatistics.CHANGE_BOUND * typical * h, Math.abs(seasonal));
                double moved = p.forecasts[h - 1] - kept;
                assertTrue(Math.abs(moved) <= bound * (1 + 1e-12), "event " + t + ", step " + h + ": moved "
                        + moved + " from " + kept + ", typical change " + typical + ", seasonal " + seasonal);
            }
        }
    }

    private static final long HOUR = 3_600_000L;

    /** A daily cycle around 10 (amplitude 2, noise 0.3), one value an hour. */
    private static double[] daily(int n, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = 10 + 2 * Math.sin(2 * Math.PI * t / 24) + 0.3 * rnd.nextGaussian();
        }
        return y;
    }

    /** Every step's forecasts, lower and upper bounds after each value of an hourly series: [0..2][t][h - 1]. */
    private static double[][][] hourly(ModelConfig c, double[] y) {
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction(c.horizon);
        double[][][] out = new double[3][y.length][];
        for (int t = 0; t < y.length; t++) {
            f.observe(s, HOUR * t, y[t], null, p);
            assertTrue(!p.diverged, p.divergence);
            out[0][t] = p.forecasts.clone();
            out[1][t] = p.lowers.clone();
            out[2][t] = p.uppers.clone();
        }
        return out;
    }

    /**
     * Over every forecast of every step made at or after event {@code from} whose target is not
     * {@code skip}: the largest error, the mean and the largest width of the interval, and its coverage.
     */
    private static double[] after(double[] y, double[][][] run, int from, int skip) {
        double worst = 0;
        double widths = 0;
        double widest = 0;
        int covered = 0;
        int n = 0;
        for (int t = from; t < y.length; t++) {
            for (int h = 1; h <= run[0][t].length && t + h < y.length; h++) {
                if (t + h == skip) {
                    continue;
                }
                double target = y[t + h];
                worst = Math.max(worst, Math.abs(target - run[0][t][h - 1]));
                double width = run[2][t][h - 1] - run[1][t][h - 1];
                widths += width;
                widest = Math.max(widest, width);
                covered += target >= run[1][t][h - 1] && target <= run[2][t][h - 1] ? 1 : 0;
                n++;
            }
        }
        return new double[] {worst, widths / n, widest, (double) covered / n};
    }

    @ParameterizedTest(name = "a spike of {0} at event {1}, {2} steps ahead")
    @CsvSource({"1e3, 301, 1", "1e11, 301, 1", "1e301, 301, 1", "-1e3, 301, 1", "-1e301, 301, 1", "1e300, 301, 1",
        "1e3, 301, 12", "1e11, 301, 12", "1e301, 301, 12", "-1e3, 301, 12", "-1e301, 301, 12", "1e300, 301, 12",
        "1e3, 5, 1", "1e300, 5, 1", "1e3, 5, 12", "-1e300, 5, 12", "1e3, 20, 12", "1e300, 20, 12"})
    void aSpikeOfAnySizeNeverComesBackNorWidensTheIntervals(double spike, int at, int horizon) {
        // a daily series of hourly values: the seasonal candidate reads the value a day before each target
        ModelConfig c = defaults().toBuilder().horizon(horizon).build();
        double[] y = daily(1_000, 9);
        double[] clean = after(y, hourly(c, y), at, at);
        double[] spiked = y.clone();
        spiked[at] = spike;
        double[] hit = after(y, hourly(c, spiked), at, at);
        // every forecast after the spike, a day and two later included, errs as the clean series' do
        assertTrue(hit[0] <= 1.25 * clean[0], "largest error after the spike " + hit[0] + ", without it " + clean[0]);
        assertTrue(hit[1] <= 1.1 * clean[1], "mean width " + hit[1] + ", without the spike " + clean[1]);
        assertTrue(hit[2] <= 1.5 * clean[2], "widest interval " + hit[2] + ", without the spike " + clean[2]);
        assertEquals(clean[3], hit[3], 0.02, "coverage");
    }

    @Test
    void aDivergedModelIsReportedLeavesOnlyFiniteValuesAndForecastsPersistence() {
        OnlineForecaster f = new OnlineForecaster(defaults());
        Prediction p = new Prediction();
        SeriesState s = warmed(f, 100, 1, p);
        s.hidden[3] = Double.NaN;
        f.observe(s, 0.25, null, p);
        assertTrue(p.diverged);
        assertNotNull(p.divergence);
        assertTrue(p.divergence.contains("event 101"), p.divergence);
        assertEquals(0.25, p.forecast);
        assertTrue(Double.isNaN(p.lower) && Double.isNaN(p.upper), "no interval from a discarded model");
        assertAllFinite(s, "after divergence");
    }

    /**
     * Weights beyond the limit after an update are never forecast with again: a key's own are a
     * divergence (its caller starts it afresh); a shared network's start afresh from its seed, counted,
     * and the key carries on.
     */
    @Test
    void weightsBeyondTheLimitAfterAnUpdateAreDiscarded() {
        OnlineForecaster f = new OnlineForecaster(defaults());
        Prediction p = new Prediction();
        SeriesState s = warmed(f, 100, 1, p);
        double[][] weights = scope == ModelScope.KEY ? s.params : f.shared().params();
        weights[0][0] = 1e7;
        int t = 100;
        do {
            f.observe(s, Math.sin(t++), null, p);
        } while (!p.trained && !p.diverged);
        if (scope == ModelScope.KEY) {
            assertTrue(p.diverged);
            assertTrue(p.divergence.contains("weights"), p.divergence);
        } else {
            assertTrue(!p.diverged, p.divergence);
            assertEquals(1, f.shared().resets());
            assertTrue(f.shared().lastReset().startsWith("weights"), f.shared().lastReset());
            assertArrayEquals(SharedNetwork.create(defaults()).params()[0], f.shared().params()[0], "seeded anew");
        }
    }

    /** Resets of a runaway model: each a key's restart in key scope, the shared network's in shared scope. */
    @Test
    void aRunawayOptimiserIsResetAndTheKeyKeepsForecasting() {
        // plain SGD, a large step, no gradient clipping: the weights blow up within a few updates
        ModelConfig c = defaults().toBuilder().optimizer(OptimizerType.SGD).learningRate(2).clipNorm(0).build();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        int restarts = 0;
        for (int t = 0; t < 2_000; t++) {
            double v = 100 * Math.sin(0.3 * t) + t % 17;
            s = f.observeOrRestart(s, v, null, p, () -> f.newState("k"));
            if (p.diverged) {
                restarts++;
                assertTrue(p.divergence.startsWith("weights"), p.divergence);
            }
            assertTrue(Double.isFinite(p.forecast) && Fixtures.intervalOrNone(p.lower, p.upper));
            assertAllFinite(s, "event " + t);
        }
        long resets = scope == ModelScope.KEY ? restarts : f.shared().resets();
        // a shared network updates from the windows its budget picks, a quarter of them here: fewer updates to run away
        assertTrue(resets > (scope == ModelScope.KEY ? 10 : 3), resets + " resets");
        if (scope == ModelScope.SHARED) {
            assertEquals(0, restarts, "the key itself never diverged");
            assertTrue(f.shared().lastReset().startsWith("weights"), f.shared().lastReset());
        }
    }

    @Test
    void observeOrRestartObservesTheEventAgainOnAFreshStateAndSaysWhy() {
        OnlineForecaster f = new OnlineForecaster(defaults());
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        for (int t = 0; t < 100; t++) {
            assertSame(s, f.observeOrRestart(s, Math.sin(t), null, p, () -> {
                throw new AssertionError("a healthy model is not restarted");
            }));
        }
        s.variance[0] = Double.POSITIVE_INFINITY;
        SeriesState fresh = f.observeOrRestart(s, 42.0, null, p, () -> f.newState("k"));
        assertNotSame(s, fresh);
        assertTrue(p.diverged);
        assertTrue(p.divergence.startsWith("non-finite"), p.divergence);
        // the fresh state saw exactly this one event, as a new key would have
        SeriesState reference = f.newState("k");
        Prediction q = new Prediction();
        f.observe(reference, 42.0, null, q);
        assertEquals(reference, fresh);
        assertEquals(q.forecast, p.forecast);
        // its anomaly score starts afresh too, and says why it is 0
        assertEquals(0.0, p.anomaly);
        assertEquals(AnomalyScore.Status.RESET, p.anomalyStatus);
        // and the next event clears the report
        f.observe(fresh, 43.0, null, p);
        assertTrue(!p.diverged);
        assertNull(p.divergence);
        assertEquals(AnomalyScore.Status.WARMING_UP, p.anomalyStatus);
    }

    @Test
    void observeAllocatesNothingWhenItLearnsOrNot() {
        OnlineForecaster f = new OnlineForecaster(defaults());
        Prediction p = new Prediction();
        SeriesState s = warmed(f, 10_000, 1e150, p);
        long allocated = Allocations.measure(() -> {
            for (int t = 0; t < 10_000; t++) {
                f.observe(s, 1e150 * Math.sin(0.3 * t), null, p);
            }
        });
        assertTrue(allocated < 1_000, allocated + " bytes allocated by 10,000 observe calls");
    }

    /**
     * Math's pow, exp, log and the like may differ in the last bit between JVMs and CPUs (they are
     * intrinsics); StrictMath's are fdlibm's everywhere. Math.sqrt and Math.fma are exactly rounded,
     * and min, max, abs, floor and scalb exact, so they may stay.
     */
    @Test
    void theModelCallsNoMathFunctionThatMayRoundDifferentlyOnAnotherMachine() throws IOException {
        Pattern loose = Pattern.compile("(?<![A-Za-z.])Math\\.(pow|exp|expm1|log|log10|log1p|sin|cos|tan|asin|acos"
                + "|atan|atan2|sinh|cosh|tanh|cbrt|hypot)\\(");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/streamforecast/model"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).trim();
                    if (line.startsWith("*") || line.startsWith("/*") || line.startsWith("//")) {
                        continue;
                    }
                    Matcher m = loose.matcher(line);
                    if (m.find()) {
                        found.add(file.getFileName() + ":" + (i + 1) + " " + lines.get(i).trim());
                    }
                }
            }
        }
        assertTrue(found.isEmpty(), String.join("\n", found));
    }
}
