package dev.streamforecast.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamforecast.model.Network;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.ParameterLayout;
import dev.streamforecast.model.SeriesState;
import java.util.Map;
import org.deeplearning4j.nn.layers.recurrent.LSTM;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The benchmark compares like with like: given our weights, DL4J's network computes our outputs and
 * carries our hidden and cell state, step after step, in double to rounding and in float to float's
 * precision.
 */
class LikeForLikeTest {
    private static final int STEPS = 200;

    @Test
    void dl4jInDoubleStepsLikeOursOnOurWeights() {
        compare(DataType.DOUBLE, 1e-12);
    }

    @Test
    void dl4jInFloatStepsLikeOursToFloatPrecision() {
        compare(DataType.FLOAT, 1e-6);
    }

    /** Surefire starts this test's JVM with OMP_NUM_THREADS=1, as ThreadEnvironment starts the forks. */
    @Test
    void ompNumThreadsOneLeavesEveryNd4jThreadCountOne() {
        assertArrayEquals(new int[] {1, 1, 1, 1}, Nd4jThreads.counts(), Nd4jThreads.describe());
    }

    private static void compare(DataType type, double tolerance) {
        OnlineForecaster forecaster = PeerModels.ours();
        ParameterLayout layout = forecaster.layout();
        Network network = forecaster.network();
        SeriesState state = forecaster.newState("like-for-like");
        double[][] p = state.params;
        // A non-zero output bias, and forget biases that differ, so a mix-up of either would show.
        p[layout.outBias][0] = 0.25;
        for (int j = 0; j < layout.hidden; j++) {
            p[layout.bias(0)][layout.hidden + j] = 1.0 + 0.01 * j;
        }
        MultiLayerNetwork net = PeerModels.dl4j(type);
        PeerModels.copy(layout, p, net);
        INDArray input = Nd4j.create(type, 1, PeerModels.INPUTS);
        double[] x = new double[1];
        int h = layout.hidden;
        double worst = 0;
        for (int t = 0; t < STEPS; t++) {
            // a wide input range, so the gates saturate at times and the cell state grows
            x[0] = 3.0 * Math.sin(0.17 * t) + 0.5 * Math.cos(1.3 * t);
            input.putScalar(0, x[0]);
            double ours = network.step(p, state.hidden, x);
            INDArray out = net.rnnTimeStep(input);
            assertArrayEquals(new long[] {1, 1}, out.shape());
            double theirs = out.getDouble(0);
            assertEquals(ours, theirs, tolerance, "output at step " + t);
            worst = Math.max(worst, Math.abs(ours - theirs));
            Map<String, INDArray> carried = net.rnnGetPreviousState(0);
            INDArray hTheirs = carried.get(LSTM.STATE_KEY_PREV_ACTIVATION);
            INDArray cTheirs = carried.get(LSTM.STATE_KEY_PREV_MEMCELL);
            for (int j = 0; j < h; j++) {
                assertEquals(state.hidden[layout.h(0) + j], hTheirs.getDouble(0, j), tolerance, "h at step " + t);
                assertEquals(state.hidden[layout.h(0) + h + j], cTheirs.getDouble(0, j), tolerance, "c at step " + t);
            }
        }
        System.err.printf("like-for-like %s: largest output difference over %d steps %.3g%n", type, STEPS, worst);
    }
}
