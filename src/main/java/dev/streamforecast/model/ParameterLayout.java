package dev.streamforecast.model;

/**
 * How a network's parameters are split into tensors, and how those tensors flatten into one vector.
 *
 * <p>Layer {@code l} multiplies {@code [x; h_{t-1}]} by a {@code rows = gates * hidden} by
 * {@code cols = in_l + hidden} weight matrix, held as one array per column, and adds a bias of
 * {@code rows}. Column arrays are what let the JIT vectorise the forward pass: each input
 * contributes {@code a[k] += W_c[k] * z_c}, the same index on both sides. The linear output projection
 * {@code y_j = w_j . h_top + b_j}, one output per step forecast ({@code outputs}), follows the last
 * layer as two more tensors: the output weights, w_1 then w_2 ..., and the biases. With one output the
 * layout is the one it has always been. The flat order (tensor by tensor) is what the binary and JSON
 * forms store, so they do not depend on this in-memory split.
 */
public final class ParameterLayout {
    public final CellType cell;
    public final int inputSize;
    public final int hidden;
    public final int layers;
    /** Outputs: one per step forecast. */
    public final int outputs;
    /** Rows of every layer's weight matrix: {@code gates * hidden}. */
    public final int rows;
    private final int[] inSize;
    private final int[] firstColumn;
    private final int[] biasTensor;
    /** Tensor index of the output weights (hidden per output) and of the output biases (one per output). */
    public final int outWeights;
    public final int outBias;
    public final int tensors;
    /** Total number of parameters. */
    public final int size;
    private final int[] lengths;
    /** Doubles of carried state per layer: h, and c after it for LSTM. */
    public final int statePerLayer;
    public final int stateSize;

    public ParameterLayout(CellType cell, int inputSize, int hidden, int layers) {
        this(cell, inputSize, hidden, layers, 1);
    }

    public ParameterLayout(CellType cell, int inputSize, int hidden, int layers, int outputs) {
        this.cell = cell;
        this.outputs = outputs;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.layers = layers;
        this.rows = cell.gates * hidden;
        this.inSize = new int[layers];
        this.firstColumn = new int[layers];
        this.biasTensor = new int[layers];
        int t = 0;
        for (int l = 0; l < layers; l++) {
            inSize[l] = l == 0 ? inputSize : hidden;
            firstColumn[l] = t;
            t += inSize[l] + hidden;
            biasTensor[l] = t;
            t++;
        }
        outWeights = t++;
        outBias = t++;
        tensors = t;
        lengths = new int[tensors];
        int total = 0;
        for (int i = 0; i < tensors; i++) {
            lengths[i] = i == outWeights ? hidden * outputs : (i == outBias ? outputs : rows);
            total += lengths[i];
        }
        size = total;
        statePerLayer = cell.hasCell ? 2 * hidden : hidden;
        stateSize = statePerLayer * layers;
    }

    public static ParameterLayout of(ModelConfig c) {
        return new ParameterLayout(c.cell, c.inputSize(), c.hidden, c.layers, c.horizon);
    }

    /** Input width of layer {@code l}: the model input for layer 0, the hidden size above it. */
    public int in(int l) {
        return inSize[l];
    }

    /** Columns of layer {@code l}'s weight matrix: {@code in(l) + hidden}. */
    public int cols(int l) {
        return inSize[l] + hidden;
    }

    /** Tensor index of column {@code c} of layer {@code l}'s weight matrix. */
    public int column(int l, int c) {
        return firstColumn[l] + c;
    }

    /** Tensor index of layer {@code l}'s bias. */
    public int bias(int l) {
        return biasTensor[l];
    }

    public int length(int tensor) {
        return lengths[tensor];
    }

    /** Whether a tensor holds weights (penalised by L2) rather than a bias. */
    public boolean isWeight(int tensor) {
        if (tensor == outWeights) {
            return true;
        }
        if (tensor == outBias) {
            return false;
        }
        for (int l = 0; l < layers; l++) {
            if (tensor == biasTensor[l]) {
                return false;
            }
        }
        return true;
    }

    /** Offset of layer {@code l}'s h in the carried state; its c (LSTM) follows at {@code + hidden}. */
    public int h(int l) {
        return l * statePerLayer;
    }

    /**
     * Multiply-adds of one forward step's matrix products: every layer's gate matrix times [x; h] (GRU's
     * candidate rows count once, as for the other cells) and the output projection. Backpropagation
     * through a step costs twice as many: W^T da and the weight gradient.
     */
    public long multiplyAddsPerStep() {
        long n = (long) hidden * outputs;
        for (int l = 0; l < layers; l++) {
            n += (long) rows * cols(l);
        }
        return n;
    }

    /** Zeroed tensors shaped by this layout. */
    public double[][] allocate() {
        double[][] p = new double[tensors][];
        for (int i = 0; i < tensors; i++) {
            p[i] = new double[lengths[i]];
        }
        return p;
    }

    /** The tensors one after another. */
    public double[] flatten(double[][] p) {
        double[] flat = new double[size];
        int o = 0;
        for (double[] t : p) {
            System.arraycopy(t, 0, flat, o, t.length);
            o += t.length;
        }
        return flat;
    }

    /** The inverse of {@link #flatten}; refuses a vector of the wrong length. */
    public double[][] unflatten(double[] flat) {
        if (flat.length != size) {
            throw new IllegalArgumentException("expected " + size + " parameters, got " + flat.length);
        }
        double[][] p = allocate();
        int o = 0;
        for (double[] t : p) {
            System.arraycopy(flat, o, t, 0, t.length);
            o += t.length;
        }
        return p;
    }
}
