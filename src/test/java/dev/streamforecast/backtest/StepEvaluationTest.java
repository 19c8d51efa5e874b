package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Forecast;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Steps-ahead scoring: every baseline stays within reach of persistence where persistence is optimal. */
class StepEvaluationTest {

    private static final int H = 24;

    /** Random walks of {@code keys} keys, each forecast by persistence at every step, without intervals at first. */
    private static List<Forecast> randomWalks(int keys, int rows, long seed) {
        Random rnd = new Random(seed);
        List<Forecast> out = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            double y = 100 * rnd.nextGaussian();
            for (int t = 0; t < rows; t++) {
                y += rnd.nextGaussian();
                Forecast f = new Forecast("walk-" + k, t * 3_600_000L, y, y, Double.NaN, Double.NaN, t + 1, 0, "m");
                f.stepForecasts = new double[H];
                f.stepLowers = new double[H];
                f.stepUppers = new double[H];
                Arrays.fill(f.stepForecasts, y);
                for (int h = 1; h <= H; h++) {
                    boolean interval = t >= 2;
                    f.stepLowers[h - 1] = interval ? y - 1.645 * Math.sqrt(h) : Double.NaN;
                    f.stepUppers[h - 1] = interval ? y + 1.645 * Math.sqrt(h) : Double.NaN;
                }
                out.add(f);
            }
        }
        return out;
    }

    @Test
    void onRandomWalksTheArBaselinesStayWithinAFewTimesPersistencesMseAtEveryStep() {
        StepEvaluation e = StepEvaluation.of(randomWalks(200, 300, 17), null, 24);
        double[] persistence = mse(e, StepEvaluation.PERSISTENCE);
        for (String method : java.util.List.of(StepEvaluation.LINEAR, StepEvaluation.RECURSIVE)) {
            double[] m = mse(e, method);
            for (int h = 0; h < H; h++) {
                // h steps of a random walk have variance h. 24 coefficients fit to 300 rows of noise add to it
                // (direct up to 2.3 times persistence, iterated 4.7 times at step 24); unbounded, the iterated
                // fit compounded to 8e17 at step 14 and 7e32 at step 24
                assertTrue(m[h] < 6 * persistence[h], method + " at step " + (h + 1) + ": " + m[h]
                        + " against persistence's " + persistence[h]);
            }
        }
        assertEquals(1.0, persistence[0], 0.05);
        assertEquals(24.0, persistence[H - 1], 24 * 0.1);
    }

    @Test
    void coverageAndWidthAreOverTheForecastsWithAnIntervalOnly() {
        StepEvaluation e = StepEvaluation.of(randomWalks(3, 100, 5), null, 24);
        Metrics step1 = e.steps.get(Evaluation.MODEL)[0];
        // row t is scored against the forecast made at t - 1; the forecasts made at rows 0 and 1 have no interval
        assertEquals(3 * 99, step1.count());
        assertEquals(3 * 97, step1.intervalCount());
        assertEquals(2 * 1.645, step1.meanWidth(), 1e-12);
    }

    private static double[] mse(StepEvaluation e, String method) {
        return Arrays.stream(e.steps.get(method)).mapToDouble(Metrics::mse).toArray();
    }
}
