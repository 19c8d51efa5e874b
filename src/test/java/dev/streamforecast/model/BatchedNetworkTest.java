package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.GradientChecker;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The batched update against the single-key path and against finite differences: at batch 1 it is
 * {@link Network}'s loss and gradient; at batch B, windows of different lengths from different start
 * states, the mean of {@code Network}'s per window; and its gradient matches central differences over
 * every window's whole length and every parameter tensor, in double precision, with clipping and the
 * optimiser out of the loop.
 */
class BatchedNetworkTest {
    private static final int HIDDEN = 5;
    private static final int STEPS = 12;

    private record Case(ParameterLayout layout, double[] flat, WindowBatch batch) {}

    private static Case fixture(CellType cell, int layers, int inputs, int windows, long seed) {
        ParameterLayout layout = new ParameterLayout(cell, inputs, HIDDEN, layers);
        Random rnd = new Random(seed);
        double[] flat = Fixtures.uniform(rnd, layout.size, 0.6);
        WindowBatch batch = new WindowBatch(windows, STEPS, inputs, layout.stateSize);
        for (int b = 0; b < windows; b++) {
            // lengths from the full window down to a single step
            int length = b == 0 ? STEPS : 1 + rnd.nextInt(STEPS);
            batch.add(1000 + b, Fixtures.uniform(rnd, layout.stateSize, 0.5), Fixtures.uniform(rnd, length * inputs, 1.5),
                    Fixtures.uniform(rnd, length, 1.0), length);
        }
        return new Case(layout, flat, batch);
    }

    @ParameterizedTest(name = "{0}, {1} layer(s), {2} input(s), l2={3}")
    @CsvSource({
        "LSTM, 1, 1, 0", "LSTM, 2, 3, 0", "LSTM, 3, 2, 0.01",
        "GRU, 1, 1, 0", "GRU, 2, 3, 0", "GRU, 3, 2, 0.01",
        "RNN, 1, 1, 0", "RNN, 2, 3, 0", "RNN, 3, 2, 0.01"})
    void aBatchOfOneIsTheSingleKeyUpdate(CellType cell, int layers, int inputs, double l2) {
        Case c = fixture(cell, layers, inputs, 1, 3);
        double[][] p = c.layout.unflatten(c.flat);
        double[][] single = c.layout.allocate();
        double[][] batched = c.layout.allocate();
        WindowBatch b = c.batch;
        double expected = new Network(c.layout, STEPS).lossAndGradient(p, b.starts[0], b.inputs[0], b.targets[0],
                b.lengths[0], l2, single);
        double actual = new BatchedNetwork(c.layout, STEPS, 4).lossAndGradient(p, b, l2, batched);

        assertEquals(expected, actual, 1e-14 * Math.abs(expected));
        assertClose(c.layout.flatten(single), c.layout.flatten(batched), 1e-12);
    }

    @ParameterizedTest(name = "{0}, {1} layer(s), {2} input(s), l2={3}")
    @CsvSource({
        "LSTM, 1, 3, 0", "LSTM, 2, 2, 0.01", "GRU, 1, 3, 0", "GRU, 2, 2, 0.01", "RNN, 1, 3, 0", "RNN, 2, 2, 0.01"})
    void aBatchIsTheMeanOfItsWindowsSingleKeyUpdates(CellType cell, int layers, int inputs, double l2) {
        int windows = 7;
        Case c = fixture(cell, layers, inputs, windows, 11);
        double[][] p = c.layout.unflatten(c.flat);
        Network single = new Network(c.layout, STEPS);
        double[] mean = new double[c.layout.size];
        double meanLoss = 0;
        double[][] g = c.layout.allocate();
        WindowBatch b = c.batch;
        for (int w = 0; w < windows; w++) {
            // each window's own loss, the penalty counted once: the mean of (data loss + penalty)
            meanLoss += single.lossAndGradient(p, b.starts[w], b.inputs[w], b.targets[w], b.lengths[w], l2, g) / windows;
            double[] flat = c.layout.flatten(g);
            for (int i = 0; i < flat.length; i++) {
                mean[i] += flat[i] / windows;
            }
        }
        double[][] batched = c.layout.allocate();
        double loss = new BatchedNetwork(c.layout, STEPS, 8).lossAndGradient(p, b, l2, batched);

        assertEquals(meanLoss, loss, 1e-12 * Math.abs(meanLoss));
        assertClose(mean, c.layout.flatten(batched), 1e-11);
    }

    @ParameterizedTest(name = "{0}, {1} layer(s), {2} input(s), l2={3}")
    @CsvSource({
        "LSTM, 1, 1, 0", "LSTM, 2, 3, 0", "LSTM, 3, 2, 0.01",
        "GRU, 1, 1, 0", "GRU, 2, 3, 0", "GRU, 3, 2, 0.01",
        "RNN, 1, 1, 0", "RNN, 2, 3, 0", "RNN, 3, 2, 0.01"})
    void gradientMatchesFiniteDifferencesOverEveryWindowAndTensor(CellType cell, int layers, int inputs, double l2) {
        Case c = fixture(cell, layers, inputs, 5, 7);
        BatchedNetwork net = new BatchedNetwork(c.layout, STEPS, 5);
        double[][] grad = c.layout.allocate();

        net.lossAndGradient(c.layout.unflatten(c.flat), c.batch, l2, grad);
        double err = GradientChecker.maxRelativeError(c.flat, c.layout.flatten(grad),
                q -> net.loss(c.layout.unflatten(q), c.batch, l2), 1e-4);

        assertTrue(err < 1e-4, "max relative error " + err);
    }

    private static void assertClose(double[] expected, double[] actual, double relative) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], relative * scale, "parameter " + i);
        }
    }
}
