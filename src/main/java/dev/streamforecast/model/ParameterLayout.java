package dev.streamforecast.model;

/**
 * Where each tensor lives in the flat parameter vector.
 *
 * <p>Layer {@code l} has a weight matrix of {@code rows = gates * hidden} by {@code cols = in_l + hidden}
 * acting on {@code [x; h_{t-1}]}, stored column-major (column {@code c} at {@code w(l) + c * rows}) so
 * that the forward pass is a sequence of contiguous axpy updates, then a bias of {@code rows}. The
 * linear output projection {@code y = w_y . h_top + b_y} follows the last layer.
 */
public final class ParameterLayout {
    public final CellType cell;
    public final int inputSize;
    public final int hidden;
    public final int layers;
    /** Rows of every layer's weight matrix: {@code gates * hidden}. */
    public final int rows;
    private final int[] inSize;
    private final int[] wOffset;
    private final int[] bOffset;
    public final int outWeights;
    public final int outBias;
    public final int size;
    /** Doubles of carried state per layer: h, and c after it for LSTM. */
    public final int statePerLayer;
    public final int stateSize;

    public ParameterLayout(CellType cell, int inputSize, int hidden, int layers) {
        this.cell = cell;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.layers = layers;
        this.rows = cell.gates * hidden;
        this.inSize = new int[layers];
        this.wOffset = new int[layers];
        this.bOffset = new int[layers];
        int off = 0;
        for (int l = 0; l < layers; l++) {
            inSize[l] = l == 0 ? inputSize : hidden;
            wOffset[l] = off;
            off += rows * (inSize[l] + hidden);
            bOffset[l] = off;
            off += rows;
        }
        outWeights = off;
        off += hidden;
        outBias = off;
        off += 1;
        size = off;
        statePerLayer = cell.hasCell ? 2 * hidden : hidden;
        stateSize = statePerLayer * layers;
    }

    public static ParameterLayout of(ModelConfig c) {
        return new ParameterLayout(c.cell, c.inputSize(), c.hidden, c.layers);
    }

    /** Input width of layer {@code l}: the model input for layer 0, the hidden size above it. */
    public int in(int l) {
        return inSize[l];
    }

    /** Columns of layer {@code l}'s weight matrix: {@code in(l) + hidden}. */
    public int cols(int l) {
        return inSize[l] + hidden;
    }

    public int w(int l) {
        return wOffset[l];
    }

    public int b(int l) {
        return bOffset[l];
    }

    /** Offset of layer {@code l}'s h in the carried state; its c (LSTM) follows at {@code + hidden}. */
    public int h(int l) {
        return l * statePerLayer;
    }

    /** Whether parameter {@code p} is a weight (penalised by L2) rather than a bias. */
    public boolean isWeight(int p) {
        if (p >= outWeights) {
            return p < outBias;
        }
        for (int l = 0; l < layers; l++) {
            if (p >= wOffset[l] && p < bOffset[l]) {
                return true;
            }
        }
        return false;
    }
}
