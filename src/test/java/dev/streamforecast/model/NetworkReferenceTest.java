package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.ReferenceNetwork;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The allocation-free network against the plain EJML reference, to 1e-12. */
class NetworkReferenceTest {
    private static final double TOLERANCE = 1e-12;

    @ParameterizedTest(name = "{0}, {1} layer(s), {2} input(s)")
    @CsvSource({"LSTM, 1, 1", "LSTM, 2, 3", "GRU, 1, 1", "GRU, 2, 3", "RNN, 1, 1", "RNN, 2, 3"})
    void streamingStepsMatchTheReference(CellType cell, int layers, int inputs) {
        ParameterLayout layout = new ParameterLayout(cell, inputs, 8, layers);
        Network fast = new Network(layout, 4);
        ReferenceNetwork ref = new ReferenceNetwork(layout);
        Random rnd = new Random(11);
        double[] p = Fixtures.uniform(rnd, layout.size, 0.5);
        double[] stateFast = new double[layout.stateSize];
        double[] stateRef = new double[layout.stateSize];
        for (int t = 0; t < 200; t++) {
            double[] x = Fixtures.uniform(rnd, inputs, 2.0);
            double yFast = fast.step(layout.unflatten(p), stateFast, x);
            double yRef = ref.step(p, stateRef, x);
            assertEquals(yRef, yFast, TOLERANCE, "output at step " + t);
        }
        for (int i = 0; i < stateFast.length; i++) {
            assertEquals(stateRef[i], stateFast[i], TOLERANCE, "carried state " + i);
        }
    }

    @ParameterizedTest(name = "{0}, {1} layer(s), {2} input(s)")
    @CsvSource({"LSTM, 1, 1", "LSTM, 2, 3", "GRU, 1, 1", "GRU, 2, 3", "RNN, 1, 1", "RNN, 2, 3"})
    void truncatedBpttAndAdamMatchTheReference(CellType cell, int layers, int inputs) {
        int steps = 16;
        ParameterLayout layout = new ParameterLayout(cell, inputs, 8, layers);
        Network fast = new Network(layout, steps);
        ReferenceNetwork ref = new ReferenceNetwork(layout);
        Random rnd = new Random(13);
        SeriesState fastState = new SeriesState();
        double[] refP = Fixtures.uniform(rnd, layout.size, 0.5);
        fastState.params = layout.unflatten(refP);
        fastState.adamM = layout.allocate();
        fastState.adamV = layout.allocate();
        double[] refM = new double[layout.size];
        double[] refV = new double[layout.size];
        double[][] gFast = layout.allocate();
        double[] gRef = new double[layout.size];
        for (int update = 1; update <= 20; update++) {
            double[] start = Fixtures.uniform(rnd, layout.stateSize, 0.5);
            double[] xs = Fixtures.uniform(rnd, steps * inputs, 1.5);
            double[] targets = Fixtures.uniform(rnd, steps, 1.0);
            double lossFast = fast.lossAndGradient(fastState.params, start, xs, targets, steps, 1e-3, gFast);
            double lossRef = ref.lossAndGradient(refP, start, xs, targets, steps, 1e-3, gRef);
            assertEquals(lossRef, lossFast, TOLERANCE, "loss at update " + update);
            double[] gFastFlat = layout.flatten(gFast);
            for (int i = 0; i < layout.size; i++) {
                assertEquals(gRef[i], gFastFlat[i], TOLERANCE, "gradient " + i + " at update " + update);
            }
            Optimizer.adam(fastState, gFast, 0.5, 1e-2, 0.9, 0.999, 1e-8);
            referenceAdam(refP, refM, refV, gRef, 0.5, update, 1e-2, 0.9, 0.999, 1e-8);
            double[] fastP = layout.flatten(fastState.params);
            for (int i = 0; i < layout.size; i++) {
                assertEquals(refP[i], fastP[i], TOLERANCE, "parameter " + i + " after update " + update);
            }
        }
    }

    /** Adam exactly as Kingma and Ba write it. */
    private static void referenceAdam(double[] p, double[] m, double[] v, double[] g, double scale, int t,
            double lr, double b1, double b2, double eps) {
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] * scale;
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            double mHat = m[i] / (1 - Math.pow(b1, t));
            double vHat = v[i] / (1 - Math.pow(b2, t));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }
}
