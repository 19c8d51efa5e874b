package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.Allocations;
import dev.streamforecast.testutil.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Forecasts of steps 1..H: learned from delayed targets only, combined, with intervals per step. */
class HorizonTest {
    private static final long HOUR = 3_600_000L;
    private static final long START = 1_700_000_000_000L;
    private static final ModelConfig SMALL = ModelConfig.builder().hidden(8).k1(4).k2(16).linearOrder(24).build();

    /** A day-periodic series, hourly, with a weekday/weekend difference and noise. */
    private static double[] daily(int n, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            boolean weekend = ((t / 24) + 3) % 7 >= 5;
            y[t] = 10 + 3 * Math.sin(2 * Math.PI * t / 24) + (weekend ? -2 : 0) + 0.5 * rnd.nextGaussian();
        }
        return y;
    }

    /** Every step's forecasts, lower and upper bounds made at each event: [t][h - 1]. */
    private static double[][][] run(ModelConfig config, double[] y) {
        return fleet(config, y)[0];
    }

    /**
     * {@link #run} of several keys through one forecaster, their events interleaved (in shared scope they
     * share its network): [key][forecasts, lowers, uppers][t][h - 1].
     */
    private static double[][][][] fleet(ModelConfig config, double[]... ys) {
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState[] states = new SeriesState[ys.length];
        double[][][][] out = new double[ys.length][3][][];
        for (int k = 0; k < ys.length; k++) {
            states[k] = f.newState("k" + k);
            for (int i = 0; i < 3; i++) {
                out[k][i] = new double[ys[k].length][];
            }
        }
        Prediction p = new Prediction(config.horizon);
        for (int t = 0; t < ys[0].length; t++) {
            for (int k = 0; k < ys.length; k++) {
                f.observe(states[k], OnlineForecaster.keyHash("k" + k), START + t * HOUR, ys[k][t], null, p);
                out[k][0][t] = p.forecasts.clone();
                out[k][1][t] = p.lowers.clone();
                out[k][2][t] = p.uppers.clone();
            }
        }
        return out;
    }

    /** {@link #SMALL} in {@code scope}: the key's own network, or one its keys share. */
    private static ModelConfig small(ModelScope scope) {
        return SMALL.toBuilder().scope(scope).build();
    }

    private static double mse(double[][] forecasts, double[] y, int h, int from) {
        double sum = 0;
        int n = 0;
        for (int t = from; t < y.length; t++) {
            double e = y[t] - forecasts[t - h][h - 1];
            sum += e * e;
            n++;
        }
        return sum / n;
    }

    /**
     * Three keys, each changed from event 900 on: no forecast any of them made before it differs. In
     * shared scope the keys' windows train one network, in batches applied later than the windows close.
     */
    @ParameterizedTest
    @EnumSource(ModelScope.class)
    void theForecastsMadeAtAnEventDoNotDependOnAnythingAfterIt(ModelScope scope) {
        ModelConfig config = small(scope).toBuilder().horizon(12).build();
        double[][] ys = {daily(1_500, 1), daily(1_500, 11), daily(1_500, 12)};
        double[][] others = new double[ys.length][];
        for (int k = 0; k < ys.length; k++) {
            others[k] = ys[k].clone();
            for (int t = 900; t < others[k].length; t++) {
                others[k][t] = -others[k][t] * 3;
            }
        }
        double[][][][] a = fleet(config, ys);
        double[][][][] b = fleet(config, others);
        for (int k = 0; k < ys.length; k++) {
            for (int t = 0; t < 900; t++) {
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(a[k][i][t], b[k][i][t], "key " + k + ", forecasts made at event " + t);
                }
            }
            assertTrue(a[k][0][950][0] != b[k][0][950][0]);
        }
    }

    /** Twenty-four steps ahead with conformal intervals: each step's coverage is the level's, within two points. */
    @ParameterizedTest
    @EnumSource(ModelScope.class)
    void eachStepsIntervalsCoverTheLevelWithinTwoPointsAfterWarmUp(ModelScope scope) {
        ModelConfig config = small(scope).toBuilder().horizon(24).build();
        assertEquals(IntervalMethod.CONFORMAL, config.intervals);
        double[] y = daily(8_000, 2);
        double[][][] r = run(config, y);
        for (int h = 1; h <= 24; h++) {
            int covered = 0;
            int n = 0;
            double width = 0;
            for (int t = 2_000; t < y.length; t++) {
                double lo = r[1][t - h][h - 1];
                double hi = r[2][t - h][h - 1];
                covered += lo <= y[t] && y[t] <= hi ? 1 : 0;
                width += hi - lo;
                n++;
            }
            double coverage = covered / (double) n;
            assertEquals(config.intervalLevel, coverage, 0.02, "step " + h);
            // noise of 0.5: a 90% interval of a good forecast is about 1.6 wide, persistence's far wider
            assertTrue(width / n < 3, "step " + h + " mean width " + width / n);
        }
    }

    @ParameterizedTest
    @EnumSource(ModelScope.class)
    void theCombinationIsNoWorseThanTheBestOfItsCandidatesAtAnyStep(ModelScope scope) {
        double[] y = daily(6_000, 3);
        ModelConfig combined = small(scope).toBuilder().horizon(8).build();
        double[][] all = run(combined, y)[0];
        for (int h = 1; h <= 8; h++) {
            double best = Double.POSITIVE_INFINITY;
            for (String candidate : Horizon.CANDIDATES) {
                double[][] alone = run(combined.toBuilder().candidates(List.of(candidate)).build(), y)[0];
                best = Math.min(best, mse(alone, y, h, 1_000));
            }
            double mse = mse(all, y, h, 1_000);
            assertTrue(mse <= 1.02 * best, "step " + h + ": " + mse + " against the best candidate's " + best);
        }
    }

    @Test
    void theCadenceIsTheMedianIntervalOnceRegularAndZeroWhileIrregular() {
        ModelConfig config = SMALL.toBuilder().horizon(3).build();
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction(3);
        Random rnd = new Random(4);
        long ts = START;
        for (int t = 0; t < 40; t++) {
            ts += 1 + rnd.nextInt(100_000);
            f.observe(s, ts, t, null, p);
        }
        assertEquals(0, p.cadence, "irregular");
        for (int t = 0; t < 40; t++) {
            ts += t % 10 == 0 ? 600_000 : 300_000; // a missed event now and then
            f.observe(s, ts, t, null, p);
        }
        assertEquals(300_000, p.cadence);
    }

    @Test
    void aStateWithStepsRoundTripsBitExactAndContinuesIdentically() throws Exception {
        ModelConfig config = SMALL.toBuilder().horizon(12).build();
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction(12);
        double[] y = daily(700, 5);
        for (int t = 0; t < 600; t++) {
            f.observe(s, START + t * HOUR, y[t], null, p);
        }
        SeriesState back = new SeriesState();
        for (SeriesState.Part part : SeriesState.Part.values()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            s.write(part, new DataOutputStream(bytes));
            back.read(part, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        }
        assertEquals(s, back);
        Prediction q = new Prediction(12);
        for (int t = 600; t < 700; t++) {
            f.observe(s, START + t * HOUR, y[t], null, p);
            f.observe(back, START + t * HOUR, y[t], null, q);
            assertArrayEquals(p.forecasts, q.forecasts);
            assertArrayEquals(p.uppers, q.uppers);
        }
    }

    @ParameterizedTest
    @EnumSource(ModelScope.class)
    void observingWithStepsAndCalendarAllocatesNothing(ModelScope scope) {
        ModelConfig config = small(scope).toBuilder().horizon(24).build();
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction(24);
        double[] y = Fixtures.noisySine(30_000, 24, 0.1, 6);
        for (int t = 0; t < 10_000; t++) {
            f.observe(s, START + t * HOUR, y[t], null, p);
        }
        long allocated = Allocations.measure(() -> {
            for (int t = 10_000; t < 30_000; t++) {
                f.observe(s, START + t * HOUR, y[t], null, p);
            }
        });
        assertTrue(allocated < 1_000, allocated + " bytes allocated by 20,000 observe calls");
    }
}
