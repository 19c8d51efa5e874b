package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.GradientChecker;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Backpropagation through time against central finite differences: every parameter tensor (all
 * layers' weights and biases, the output projection), over the whole truncated window, in double
 * precision, with clipping and the optimiser out of the loop.
 */
class NetworkGradientTest {

    @ParameterizedTest(name = "{0}, {1} layer(s), {2} input(s), l2={3}")
    @CsvSource({
        "LSTM, 1, 1, 0", "LSTM, 2, 3, 0", "LSTM, 3, 2, 0.01",
        "GRU, 1, 1, 0", "GRU, 2, 3, 0", "GRU, 3, 2, 0.01",
        "RNN, 1, 1, 0", "RNN, 2, 3, 0", "RNN, 3, 2, 0.01"})
    void gradientMatchesFiniteDifferencesOverTheWholeWindow(CellType cell, int layers, int inputs, double l2) {
        int hidden = 5;
        int steps = 12;
        ParameterLayout layout = new ParameterLayout(cell, inputs, hidden, layers);
        Network net = new Network(layout, steps);
        Random rnd = new Random(7);
        double[] flat = Fixtures.uniform(rnd, layout.size, 0.6);
        double[] start = Fixtures.uniform(rnd, layout.stateSize, 0.5);
        double[] xs = Fixtures.uniform(rnd, steps * inputs, 1.5);
        double[] targets = Fixtures.uniform(rnd, steps, 1.0);
        double[][] grad = layout.allocate();

        net.lossAndGradient(layout.unflatten(flat), start, xs, targets, steps, l2, grad);
        double err = GradientChecker.maxRelativeError(flat, layout.flatten(grad),
                q -> net.loss(layout.unflatten(q), start, xs, targets, steps, l2), 1e-4);

        assertTrue(err < 1e-4, "max relative error " + err);
    }
}
