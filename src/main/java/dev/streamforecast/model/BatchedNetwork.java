package dev.streamforecast.model;

import java.util.Arrays;

/**
 * {@link Network}'s loss and gradient over a batch of windows at once, every product a matrix-matrix
 * one: the windows' inputs times the weights (forward), the weights' transpose times the windows'
 * dL/da (backward), and the weight gradient as a sum over every window's steps.
 *
 * <p>The loss is the mean of the windows' losses, {@code L = 1/n sum_b 1/(2 T_b) sum_{t < T_b}
 * (y_tb - target_tb)^2 + l2/2 ||W||^2}, so a batch of one window is exactly {@link Network}'s loss, and
 * the gradient of a batch is the mean of its windows' gradients ({@code BatchedNetworkTest} checks
 * both, and the gradient against finite differences). A window shorter than the longest stops at its
 * own length.
 *
 * <p>Speed. Every product is {@link #product}: sums of four vectors into one output at a time, along
 * gate rows (128 long for LSTM-32), which C2 vectorises. On JDK 17 the batch gains little over one
 * window at a time ({@code bench --only shared}: learning costs the same per event in either scope):
 * neither loops along the batch nor blocks of several outputs were vectorised, and EJML's dense
 * kernels ran at a fifth of this speed. What a batch does save is the optimiser's step, the
 * transposes and the weights' trips through the cache, once per batch instead of once per window.
 *
 * <p>A workspace like {@code Network}: sized once for up to {@code maxBatch} windows of
 * {@code maxSteps} steps, allocating nothing per call; not thread-safe.
 */
public final class BatchedNetwork {
    private final ParameterLayout layout;
    private final CellType cell;
    private final int maxSteps;
    private final int maxBatch;
    private final int hidden;
    private final int layers;
    private final int rows;

    // Per layer, window and step (slot 0 of h and c the window's start, slot t+1 after step t): h and c,
    // tanh(c), gate activations, GRU's r*h_{t-1}, and dL/da kept for the weight gradient.
    private final double[][][][] hBuf;
    private final double[][][][] cBuf;
    private final double[][][][] tcBuf;
    private final double[][][][] actBuf;
    private final double[][][][] rhBuf;
    private final double[][][][] daBuf;
    private final double[][] yBuf;
    private final int[] length;
    private final double[] gateScale;
    private final double[] tanhScale;
    private final double[] work;
    /** Each layer's recurrent (and, above the first, input) weights transposed, one array per gate row. */
    private final double[][][] wTh;
    private final double[][][] wTx;

    // Backward scratch, per window.
    private final double[][][] dhNext;
    private final double[][][] dcNext;
    private final double[][] dhCur;
    private final double[][] dxBelow;
    private final double[][] dzcH;
    private final double[][] dzH;
    private final double[][] dzX;

    // The products' operands: per output its scalars (one per vector) and the output itself, and the
    // vectors; per window the layer's input [x_t; h_{t-1}]; per gradient column its multipliers over
    // every window's steps.
    private final double[][] scalars;
    private final double[][] outputs;
    private final double[][] vectors;
    private final double[][] inputs;
    private final double[][] multipliers;
    private final double[] errors;

    public BatchedNetwork(ParameterLayout layout, int maxSteps, int maxBatch) {
        this.layout = layout;
        this.cell = layout.cell;
        this.maxSteps = maxSteps;
        this.maxBatch = maxBatch;
        this.hidden = layout.hidden;
        this.layers = layout.layers;
        this.rows = layout.rows;
        int h = hidden;
        int n = maxBatch;
        boolean lstm = cell == CellType.LSTM;
        boolean gru = cell == CellType.GRU;
        hBuf = new double[layers][n][maxSteps + 1][h];
        cBuf = new double[layers][lstm ? n : 0][maxSteps + 1][h];
        tcBuf = new double[layers][lstm ? n : 0][maxSteps][h];
        actBuf = new double[layers][n][maxSteps][rows];
        rhBuf = new double[layers][gru ? n : 0][maxSteps][h];
        daBuf = new double[layers][n][maxSteps][rows];
        yBuf = new double[n][maxSteps];
        length = new int[n];
        gateScale = new double[rows];
        Arrays.fill(gateScale, 1.0);
        if (cell == CellType.RNN) {
            Arrays.fill(gateScale, 2.0);
        } else {
            Arrays.fill(gateScale, 2 * h, 3 * h, 2.0);
        }
        tanhScale = new double[h];
        Arrays.fill(tanhScale, 2.0);
        work = new double[rows];
        wTh = new double[layers][rows][h];
        wTx = new double[layers][][];
        for (int l = 0; l < layers; l++) {
            wTx[l] = new double[l == 0 ? 0 : rows][layout.in(l)];
        }
        dhNext = new double[layers][n][h];
        dcNext = new double[layers][n][h];
        dhCur = new double[n][h];
        dxBelow = new double[n][h];
        dzcH = new double[n][h];
        dzH = new double[n][h];
        dzX = new double[n][h];
        int cols = 0;
        for (int l = 0; l < layers; l++) {
            cols = Math.max(cols, layout.cols(l));
        }
        int most = Math.max(Math.max(rows, cols), n * maxSteps);
        scalars = new double[Math.max(n, cols + 1)][];
        outputs = new double[Math.max(n, cols + 1)][];
        vectors = new double[most][];
        inputs = new double[n][cols];
        // a gradient column's multipliers: x, h_{t-1}, (GRU) r*h_{t-1}, and 1 for the bias
        multipliers = new double[cols + h + 1][n * maxSteps];
        errors = new double[n];
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** Runs the batch's windows forward and returns the loss; nothing else is written. */
    public double loss(double[][] p, WindowBatch batch, double l2) {
        int n = check(batch);
        double loss = forward(p, batch, n);
        return loss + (l2 > 0 ? 0.5 * l2 * weightSquares(p) : 0.0);
    }

    /**
     * Overwrites {@code grad} with dL/dp for the windows of {@code batch}, each from its own start state,
     * and returns L.
     */
    public double lossAndGradient(double[][] p, WindowBatch batch, double l2, double[][] grad) {
        int n = check(batch);
        double loss = forward(p, batch, n);
        for (double[] g : grad) {
            Arrays.fill(g, 0.0);
        }
        for (int l = 0; l < layers; l++) {
            for (int b = 0; b < n; b++) {
                Arrays.fill(dhNext[l][b], 0.0);
                Arrays.fill(dcNext[l][b], 0.0);
            }
            transpose(p, l);
        }
        int steps = longest(n);
        int top = layers - 1;
        int h = hidden;
        double[] wy = p[layout.outWeights];
        double[] gwy = grad[layout.outWeights];
        for (int t = steps - 1; t >= 0; t--) {
            for (int b = 0; b < n; b++) {
                double[] dh = dhCur[b];
                if (t >= length[b]) {
                    Arrays.fill(dh, 0.0);
                    continue;
                }
                // y_t = w_y . h_t + b_y;  dL/dy_t = (y_t - target_t) / (n T_b)
                double dy = (yBuf[b][t] - batch.targets[b][t]) / ((double) n * length[b]);
                double[] hTop = hBuf[top][b][t + 1];
                double[] dhTop = dhNext[top][b];
                for (int j = 0; j < h; j++) {
                    gwy[j] += dy * hTop[j];
                    dh[j] = dy * wy[j] + dhTop[j];
                }
                grad[layout.outBias][0] += dy;
            }
            for (int l = top; l >= 0; l--) {
                backwardLayer(l, t, n, l > 0);
                if (l > 0) {
                    for (int b = 0; b < n; b++) {
                        double[] below = dhNext[l - 1][b];
                        double[] dh = dhCur[b];
                        double[] dx = dxBelow[b];
                        for (int j = 0; j < h; j++) {
                            dh[j] = dx[j] + below[j];
                        }
                    }
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            weightGradient(grad, batch, l, n);
        }
        if (l2 > 0) {
            for (int i = 0; i < layout.tensors; i++) {
                if (layout.isWeight(i)) {
                    Network.axpy(p[i], l2, grad[i], 0, p[i].length);
                }
            }
            return loss + 0.5 * l2 * weightSquares(p);
        }
        return loss;
    }

    private int check(WindowBatch batch) {
        int n = batch.size;
        if (n < 1 || n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " windows outside [1, " + maxBatch + "]");
        }
        if (batch.steps > maxSteps || batch.inputSize != layout.inputSize || batch.stateSize != layout.stateSize) {
            throw new IllegalArgumentException("windows of " + batch.steps + " steps of " + batch.inputSize
                    + " inputs do not fit this network's " + maxSteps + " steps of " + layout.inputSize);
        }
        return n;
    }

    private int longest(int n) {
        int steps = 0;
        for (int b = 0; b < n; b++) {
            steps = Math.max(steps, length[b]);
        }
        return steps;
    }

    /** Loads every window's start state and runs the batch forward; returns the data loss. */
    private double forward(double[][] p, WindowBatch batch, int n) {
        int h = hidden;
        for (int b = 0; b < n; b++) {
            length[b] = batch.lengths[b];
            double[] start = batch.starts[b];
            for (int l = 0; l < layers; l++) {
                int s = layout.h(l);
                System.arraycopy(start, s, hBuf[l][b][0], 0, h);
                if (cell.hasCell) {
                    System.arraycopy(start, s + h, cBuf[l][b][0], 0, h);
                }
            }
        }
        int steps = longest(n);
        double[] wy = p[layout.outWeights];
        double by = p[layout.outBias][0];
        Arrays.fill(errors, 0.0);
        for (int t = 0; t < steps; t++) {
            for (int l = 0; l < layers; l++) {
                forwardLayer(p, batch, l, t, n);
            }
            for (int b = 0; b < n; b++) {
                if (t < length[b]) {
                    // y_t = w_y . h_t + b_y
                    double y = by + Network.dot(wy, hBuf[layers - 1][b][t + 1], 0, h);
                    yBuf[b][t] = y;
                    double e = y - batch.targets[b][t];
                    errors[b] += e * e;
                }
            }
        }
        double loss = 0;
        for (int b = 0; b < n; b++) {
            loss += 0.5 * errors[b] / length[b];
        }
        return loss / n;
    }

    /** Layer l at step t for every window that is that long: a = b + W [x; h_{t-1}], then the cell. */
    private void forwardLayer(double[][] p, WindowBatch batch, int l, int t, int n) {
        int h = hidden;
        int in = layout.in(l);
        int first = layout.column(l, 0);
        int m = 0;
        double[] bias = p[layout.bias(l)];
        for (int b = 0; b < n; b++) {
            if (t >= length[b]) {
                continue;
            }
            double[] a = actBuf[l][b][t];
            System.arraycopy(bias, 0, a, 0, rows);
            outputs[m] = a;
            double[] z = inputs[m];
            if (l == 0) {
                System.arraycopy(batch.inputs[b], t * in, z, 0, in);
            } else {
                System.arraycopy(hBuf[l - 1][b][t + 1], 0, z, 0, in);
            }
            System.arraycopy(hBuf[l][b][t], 0, z, in, h);
            scalars[m] = z;
            m++;
        }
        // a += W [x; h_{t-1}]   (for GRU the candidate rows take only x now, and r*h_{t-1} below)
        for (int c = 0; c < in + h; c++) {
            vectors[c] = p[first + c];
        }
        if (cell == CellType.GRU) {
            product(vectors, 0, in, scalars, 0, outputs, m, 0, rows);
            product(vectors, in, h, scalars, in, outputs, m, 0, 2 * h);
        } else {
            product(vectors, 0, in + h, scalars, 0, outputs, m, 0, rows);
        }
        for (int b = 0; b < n; b++) {
            if (t < length[b]) {
                cellStep(l, b, t);
            }
        }
        if (cell == CellType.GRU) {
            // a_n += W_hn (r * h_{t-1});  n = tanh(a_n)
            m = 0;
            for (int b = 0; b < n; b++) {
                if (t < length[b]) {
                    outputs[m] = actBuf[l][b][t];
                    scalars[m] = rhBuf[l][b][t];
                    m++;
                }
            }
            product(vectors, in, h, scalars, 0, outputs, m, 2 * h, rows);
            for (int b = 0; b < n; b++) {
                if (t < length[b]) {
                    gruOutput(l, b, t);
                }
            }
        }
    }

    /** The cell's element-wise part for window b (for GRU up to r*h_{t-1}; {@link #gruOutput} ends it). */
    private void cellStep(int l, int b, int t) {
        int h = hidden;
        double[] a = actBuf[l][b][t];
        double[] hn = hBuf[l][b][t + 1];
        switch (cell) {
            case LSTM: {
                // i, f, o = sigmoid; g = tanh
                Activations.gates(a, gateScale, work, 0, rows);
                Network.lstmCell(a, cBuf[l][b][t], cBuf[l][b][t + 1], tcBuf[l][b][t], hn, h, tanhScale, work);
                break;
            }
            case GRU: {
                // r = sigmoid(a_r); z = sigmoid(a_z)
                Activations.gates(a, gateScale, work, 0, 2 * h);
                Network.gruReset(a, hBuf[l][b][t], rhBuf[l][b][t], h);
                break;
            }
            default: {
                // h_t = tanh(a)
                Activations.gates(a, gateScale, work, 0, rows);
                System.arraycopy(a, 0, hn, 0, h);
            }
        }
    }

    private void gruOutput(int l, int b, int t) {
        int h = hidden;
        double[] a = actBuf[l][b][t];
        Activations.gates(a, gateScale, work, 2 * h, rows);
        Network.gruOutput(a, hBuf[l][b][t], hBuf[l][b][t + 1], h);
    }

    /**
     * Backpropagates {@code dhCur} (dL/dh_t of layer l) through layer l at step t for every window that
     * is that long: leaves dL/da_t in daBuf, dL/dh_{t-1} (and dL/dc_{t-1}) in dhNext/dcNext and, when
     * {@code needDx}, dL/dx_t in dxBelow. The element-wise part is Network's, window by window; the
     * products W^T da are one product over the windows.
     */
    private void backwardLayer(int l, int t, int n, boolean needDx) {
        int h = hidden;
        int m = 0;
        for (int b = 0; b < n; b++) {
            if (t >= length[b]) {
                continue;
            }
            double[] a = actBuf[l][b][t];
            double[] da = daBuf[l][b][t];
            double[] dh = dhCur[b];
            double[] dhPrev = dhNext[l][b];
            switch (cell) {
                case LSTM:
                    Network.lstmBackward(a, cBuf[l][b][t], tcBuf[l][b][t], dh, dcNext[l][b], da, h);
                    break;
                case GRU:
                    Network.gruBackward(a, hBuf[l][b][t], dh, da, dhPrev, h);
                    break;
                default:
                    Network.rnnBackward(a, dh, da, h);
            }
            scalars[m] = da;
            m++;
        }
        if (cell == CellType.GRU) {
            gruBackward(l, t, n, m, needDx);
            return;
        }
        // [dx; dh_{t-1}] = W^T da, every window at once
        gatherOutputs(dhNext[l], t, n);
        clearOutputs(m, h);
        product(wTh[l], 0, rows, scalars, 0, outputs, m, 0, h);
        if (needDx) {
            gatherOutputs(dxBelow, t, n);
            clearOutputs(m, h);
            product(wTx[l], 0, rows, scalars, 0, outputs, m, 0, layout.in(l));
        }
    }

    /** GRU's products: d(r*h) = W_hn^T da_n, then dr, then dh_{t-1} and dx from the r and z rows. */
    private void gruBackward(int l, int t, int n, int m, boolean needDx) {
        int h = hidden;
        gatherOutputs(dzcH, t, n);
        clearOutputs(m, h);
        product(wTh[l], 2 * h, h, scalars, 2 * h, outputs, m, 0, h);
        for (int b = 0; b < n; b++) {
            if (t >= length[b]) {
                continue;
            }
            Network.gruResetBackward(actBuf[l][b][t], hBuf[l][b][t], dzcH[b], daBuf[l][b][t], dhNext[l][b], h);
        }
        // dh_{t-1} += W_h,rz^T [da_r; da_z]
        gatherOutputs(dhNext[l], t, n);
        product(wTh[l], 0, 2 * h, scalars, 0, outputs, m, 0, h);
        if (needDx) {
            gatherOutputs(dxBelow, t, n);
            clearOutputs(m, h);
            product(wTx[l], 0, rows, scalars, 0, outputs, m, 0, layout.in(l));
        }
    }

    /** The outputs of a product: {@code per[b]} for every window b still inside its length at step t. */
    private void gatherOutputs(double[][] per, int t, int n) {
        int m = 0;
        for (int b = 0; b < n; b++) {
            if (t < length[b]) {
                outputs[m++] = per[b];
            }
        }
    }

    private void clearOutputs(int m, int to) {
        for (int j = 0; j < m; j++) {
            Arrays.fill(outputs[j], 0, to, 0.0);
        }
    }

    /**
     * Layer l's weight and bias gradients, summed over every window's steps from the saved dL/da:
     * {@code dW_c += sum z[c] da}, {@code db += sum da}, z the layer's input [x_t; h_{t-1}] at that step
     * (GRU's candidate rows saw r*h_{t-1}). A product whose vectors are the steps' dL/da and whose
     * outputs are the gradient columns, {@value #CHUNK} windows at a time so that their dL/da stay in
     * the cache while every column passes over them (all 32 windows at once were 10% slower than one
     * window at a time).
     */
    private void weightGradient(double[][] grad, WindowBatch batch, int l, int n) {
        for (int from = 0; from < n; from += CHUNK) {
            weightGradient(grad, batch, l, from, Math.min(n, from + CHUNK));
        }
    }

    private static final int CHUNK = 2;

    private void weightGradient(double[][] grad, WindowBatch batch, int l, int fromWindow, int toWindow) {
        int in = layout.in(l);
        int h = hidden;
        int first = layout.column(l, 0);
        boolean gru = cell == CellType.GRU;
        int s = 0;
        for (int b = fromWindow; b < toWindow; b++) {
            for (int t = 0; t < length[b]; t++) {
                vectors[s] = daBuf[l][b][t];
                for (int c = 0; c < in; c++) {
                    multipliers[c][s] = l == 0 ? batch.inputs[b][t * in + c] : hBuf[l - 1][b][t + 1][c];
                }
                double[] hp = hBuf[l][b][t];
                for (int c = 0; c < h; c++) {
                    multipliers[in + c][s] = hp[c];
                }
                if (gru) {
                    double[] rh = rhBuf[l][b][t];
                    for (int c = 0; c < h; c++) {
                        multipliers[in + h + c][s] = rh[c];
                    }
                }
                multipliers[in + h + (gru ? h : 0)][s] = 1.0;
                s++;
            }
        }
        int bias = in + h + (gru ? h : 0);
        for (int c = 0; c < in + h; c++) {
            outputs[c] = grad[first + c];
            scalars[c] = multipliers[c];
        }
        if (gru) {
            // the recurrent columns: h_{t-1} for the r and z rows, r*h_{t-1} for the candidate rows
            product(vectors, 0, s, scalars, 0, outputs, in, 0, rows);
            for (int c = 0; c < h; c++) {
                outputs[c] = grad[first + in + c];
                scalars[c] = multipliers[in + c];
            }
            product(vectors, 0, s, scalars, 0, outputs, h, 0, 2 * h);
            for (int c = 0; c < h; c++) {
                scalars[c] = multipliers[in + h + c];
            }
            product(vectors, 0, s, scalars, 0, outputs, h, 2 * h, rows);
            outputs[0] = grad[layout.bias(l)];
            scalars[0] = multipliers[bias];
            product(vectors, 0, s, scalars, 0, outputs, 1, 0, rows);
        } else {
            outputs[in + h] = grad[layout.bias(l)];
            scalars[in + h] = multipliers[bias];
            product(vectors, 0, s, scalars, 0, outputs, in + h + 1, 0, rows);
        }
    }

    /** wTh[l][r][c] = W_l[r][in + c] (and wTx[l][r][c] = W_l[r][c] above the first layer). */
    private void transpose(double[][] p, int l) {
        int in = layout.in(l);
        int first = layout.column(l, 0);
        double[][] th = wTh[l];
        for (int c = 0; c < hidden; c++) {
            double[] column = p[first + in + c];
            for (int r = 0; r < rows; r++) {
                th[r][c] = column[r];
            }
        }
        if (l > 0) {
            double[][] tx = wTx[l];
            for (int c = 0; c < in; c++) {
                double[] column = p[first + c];
                for (int r = 0; r < rows; r++) {
                    tx[r][c] = column[r];
                }
            }
        }
    }

    /**
     * {@code y_j[k] += sum over i < count of s_j[sOff + i] v[vOff + i][k]}, for outputs j < m and k in
     * [from, to): the one product every step is made of (forward: gate rows of each window from the
     * columns of W; back: dL/dh of each window from the rows of W^T; the weight gradient: each column
     * from every window's steps). Each output is one pass over the vectors, four at a time: C2 (JDK 17)
     * vectorises a loop with one store, not one with two or four (four vectors into two outputs ran at
     * 6 multiply-adds per ns here, this form at 15; EJML's {@code CommonOps_DDRM.mult} at 2-3).
     */
    static void product(double[][] v, int vOff, int count, double[][] s, int sOff, double[][] y, int m, int from,
            int to) {
        for (int j = 0; j < m; j++) {
            double[] yj = y[j];
            double[] sj = s[j];
            int i = 0;
            for (; i + 3 < count; i += 4) {
                int q = sOff + i;
                int w = vOff + i;
                Network.axpy4(v[w], sj[q], v[w + 1], sj[q + 1], v[w + 2], sj[q + 2], v[w + 3], sj[q + 3], yj, from, to);
            }
            for (; i < count; i++) {
                Network.axpy(v[vOff + i], sj[sOff + i], yj, from, to);
            }
        }
    }

    private double weightSquares(double[][] p) {
        double s = 0;
        for (int i = 0; i < layout.tensors; i++) {
            if (layout.isWeight(i)) {
                s += Network.dot(p[i], p[i], 0, p[i].length);
            }
        }
        return s;
    }
}
