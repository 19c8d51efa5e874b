package dev.streamforecast.peer;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.ParameterLayout;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.params.LSTMParamInitializer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The two networks compared, at the same size: our LSTM with 32 hidden units, one layer and one input
 * (as the product's own benchmarks build it), and Deeplearning4j's {@code MultiLayerNetwork} of one
 * {@code LSTM} layer and an identity {@code RnnOutputLayer}, with a way to give it our weights.
 *
 * <p>Both cells compute {@code c_t = f*c_{t-1} + i*g} and {@code h_t = o*tanh(c_t)} with sigmoid gates,
 * tanh for g and no peepholes, then {@code y_t = w_y . h_t + b_y}. They differ only in layout. Ours
 * keeps the weight matrix one array per column of {@code [x; h_{t-1}]}, gate rows in the order
 * {@code [i, f, g, o]}. DL4J (LSTMParamInitializer, LSTMHelpers) keeps input weights {@code W} as
 * {@code [nIn, 4h]}, recurrent weights {@code RW} as {@code [h, 4h]} and the bias as {@code [1, 4h]},
 * its four column blocks being the cell input (the layer's activation: our g), the forget gate, the
 * output gate and the "input modulation" gate (a sigmoid: our i).
 */
public final class PeerModels {
    public static final int HIDDEN = 32;
    public static final int INPUTS = 1;

    /** For each of DL4J's column blocks, the block of our gate rows holding the same gate. */
    private static final int[] OUR_BLOCK = {2, 1, 3, 0};

    private PeerModels() {}

    /** Ours, built as ModelBenchmark builds it: the bare network, no linear part, one input. */
    public static OnlineForecaster ours() {
        return new OnlineForecaster(ModelConfig.builder().hidden(HIDDEN).layers(1).k1(16).k2(32).linearOrder(0)
                .inputs(List.of("level")).build());
    }

    /** DL4J's network of the same size, in {@code type}; its own random weights until {@link #copy}. */
    public static MultiLayerNetwork dl4j(DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(type)
                .seed(42)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new LSTM.Builder().nIn(INPUTS).nOut(HIDDEN)
                        .activation(Activation.TANH)
                        .gateActivationFunction(Activation.SIGMOID)
                        .build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(HIDDEN).nOut(1)
                        .activation(Activation.IDENTITY)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Writes our parameters {@code p} (shaped by {@code layout}, one layer) into DL4J's {@code net}. */
    public static void copy(ParameterLayout layout, double[][] p, MultiLayerNetwork net) {
        if (layout.layers != 1 || layout.hidden != HIDDEN || layout.inputSize != INPUTS) {
            throw new IllegalArgumentException("expected one layer of " + HIDDEN + " units on " + INPUTS
                    + " input, got " + layout.layers + " x " + layout.hidden + " on " + layout.inputSize);
        }
        int h = layout.hidden;
        INDArray w = net.getLayer(0).getParam(LSTMParamInitializer.INPUT_WEIGHT_KEY);
        INDArray rw = net.getLayer(0).getParam(LSTMParamInitializer.RECURRENT_WEIGHT_KEY);
        INDArray b = net.getLayer(0).getParam(LSTMParamInitializer.BIAS_KEY);
        double[] bias = p[layout.bias(0)];
        for (int block = 0; block < 4; block++) {
            for (int j = 0; j < h; j++) {
                int theirs = block * h + j;
                int row = OUR_BLOCK[block] * h + j;
                for (int c = 0; c < layout.inputSize; c++) {
                    w.putScalar(c, theirs, p[layout.column(0, c)][row]);
                }
                for (int k = 0; k < h; k++) {
                    rw.putScalar(k, theirs, p[layout.column(0, layout.inputSize + k)][row]);
                }
                // a vector, [4h] or [1, 4h]: a linear index fits both
                b.putScalar(theirs, bias[row]);
            }
        }
        INDArray wy = net.getLayer(1).getParam(DefaultParamInitializer.WEIGHT_KEY);
        INDArray by = net.getLayer(1).getParam(DefaultParamInitializer.BIAS_KEY);
        for (int j = 0; j < h; j++) {
            wy.putScalar(j, 0, p[layout.outWeights][j]);
        }
        by.putScalar(0, p[layout.outBias][0]);
    }
}
