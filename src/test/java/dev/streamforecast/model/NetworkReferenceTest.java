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
        fastState.params = layout.unflatten(Fixtures.uniform(rnd, layout.size, 0.5));
        Float32.round(fastState.params);
        fastState.adamM = layout.allocate();
        fastState.adamV = layout.allocate();
        double[][] gFast = layout.allocate();
        double[] gRef = new double[layout.size];
        for (int update = 1; update <= 20; update++) {
            // both start the update from the same parameters and moments (the fast side's, float32)
            double[] refP = layout.flatten(fastState.params);
            double[] refM = layout.flatten(fastState.adamM);
            double[] refV = layout.flatten(fastState.adamV);
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
            // the fast side stores each value rounded to float32: the moments within one float ulp of
            // Adam's, and the parameters within one float ulp of Adam's step taken with those moments
            referenceMoments(refM, refV, gRef, 0.5, 0.9, 0.999);
            double[] storedM = layout.flatten(fastState.adamM);
            double[] storedV = layout.flatten(fastState.adamV);
            assertWithinOneFloatUlp(refM, storedM, "first moment", update);
            assertWithinOneFloatUlp(refV, storedV, "second moment", update);
            referenceStep(refP, storedM, storedV, update, 1e-2, 0.9, 0.999, 1e-8);
            assertWithinOneFloatUlp(refP, layout.flatten(fastState.params), "parameter", update);
        }
    }

    private static void assertWithinOneFloatUlp(double[] exact, double[] stored, String what, int update) {
        for (int i = 0; i < exact.length; i++) {
            assertEquals(Float32.round(stored[i]), stored[i], 0.0, what + " " + i + " has more than 24 bits");
            assertEquals(exact[i], stored[i], Math.ulp((float) exact[i]) + TOLERANCE,
                    what + " " + i + " after update " + update);
        }
    }

    /** Adam's moments exactly as Kingma and Ba write them. */
    private static void referenceMoments(double[] m, double[] v, double[] g, double scale, double b1, double b2) {
        for (int i = 0; i < m.length; i++) {
            double gi = g[i] * scale;
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        }
    }

    /** Adam's parameter step exactly as Kingma and Ba write it, from the given moments. */
    private static void referenceStep(double[] p, double[] m, double[] v, int t, double lr, double b1, double b2,
            double eps) {
        for (int i = 0; i < p.length; i++) {
            double mHat = m[i] / (1 - Math.pow(b1, t));
            double vHat = v[i] / (1 - Math.pow(b2, t));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }
}
