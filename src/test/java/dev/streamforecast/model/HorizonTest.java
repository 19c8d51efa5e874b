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
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction(config.horizon);
        double[][][] out = new double[3][y.length][];
        for (int t = 0; t < y.length; t++) {
            f.observe(s, START + t * HOUR, y[t], null, p);
            out[0][t] = p.forecasts.clone();
            out[1][t] = p.lowers.clone();
            out[2][t] = p.uppers.clone();
        }
        return out;
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

    @Test
    void theForecastsMadeAtAnEventDoNotDependOnAnythingAfterIt() {
        ModelConfig config = SMALL.toBuilder().horizon(12).build();
        double[] y = daily(1_500, 1);
        double[] other = y.clone();
        for (int t = 900; t < other.length; t++) {
            other[t] = -other[t] * 3;
        }
        double[][] a = run(config, y)[0];
        double[][] b = run(config, other)[0];
        for (int t = 0; t < 900; t++) {
            assertArrayEquals(a[t], b[t], "forecasts made at event " + t);
        }
        assertTrue(a[950][0] != b[950][0]);
    }

    @Test
    void eachStepsIntervalsCoverTheLevelWithinTwoPointsAfterWarmUp() {
        ModelConfig config = SMALL.toBuilder().horizon(6).build();
        double[] y = daily(8_000, 2);
        double[][][] r = run(config, y);
        for (int h = 1; h <= 6; h++) {
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

    @Test
    void theCombinationIsNoWorseThanTheBestOfItsCandidatesAtAnyStep() {
        double[] y = daily(6_000, 3);
        ModelConfig combined = SMALL.toBuilder().horizon(8).build();
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

    @Test
    void observingWithStepsAndCalendarAllocatesNothing() {
        ModelConfig config = SMALL.toBuilder().horizon(24).build();
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
