package dev.streamforecast.model;

import java.util.Arrays;

/**
 * Stacked recurrent network with a linear output: one streaming step, and loss and gradient over a
 * truncated window by backpropagation through time.
 *
 * <p>A {@code Network} is a workspace, not a model: it holds no parameters or state of its own, only
 * the work arrays for up to {@code maxSteps} steps, sized once so that neither {@link #step} nor
 * {@link #lossAndGradient} allocates. One instance serves every key of a subtask; it is not
 * thread-safe. Parameters are tensors as {@link ParameterLayout} splits them; the carried state is,
 * per layer, h and then (LSTM) c.
 *
 * <p>Every inner loop indexes its arrays alike ({@code y[k] += s * v[k]}), which is what C2 needs to
 * vectorise it; that is why activations are kept one array per step and weights one array per column.
 *
 * <p>The loss over a window of T steps is {@code L = 1/(2T) sum_t (y_t - target_t)^2 + l2/2 ||W||^2}.
 * With several outputs (one per step forecast) and step t's first {@code a_t} targets known, it is
 * {@code L = 1/(2N) sum_t sum_{j < a_t} (y_tj - target_tj)^2 + l2/2 ||W||^2}, N = sum_t a_t: outputs
 * whose targets have not arrived take no part (delayed learning); with one output it is the above. A
 * batch of windows ({@link WindowBatch}, gathered from many keys for a shared network) has the mean of
 * its windows' losses, and its gradient is the mean of theirs, the weights transposed once per batch.
 */
public final class Network {
    private final ParameterLayout layout;
    private final CellType cell;
    private final int maxSteps;
    private final int hidden;
    private final int layers;
    private final int rows;
    private final int outputs;

    // Per layer and step: h and c (slot 0 is the state before the window, slot t+1 after step t),
    // tanh(c_t), gate activations, and GRU's r*h_{t-1}.
    private final double[][][] hBuf;
    private final double[][][] cBuf;
    private final double[][][] tcBuf;
    private final double[][][] actBuf;
    private final double[][][] rhBuf;
    private final double[] yBuf;
    /** Per gate row: 1 for a sigmoid block, 2 for a tanh block (see Activations#gates). */
    private final double[] gateScale;
    private final double[] tanhScale;
    private final double[] work;

    // Backward scratch. wTh holds each layer's recurrent weights transposed (one array per gate row), so
    // that W_h^T da is a sum of rows scaled by da, vectorised like the forward pass, instead of dot
    // products; wTx the input weights likewise, for the layers above the first, whose input gradient
    // feeds the layer below (the first layer's input needs no gradient).
    private final double[][][] wTh;
    private final double[][][] wTx;
    /** Per layer and step: dL/da, kept so the weight gradient is one product over the window. */
    private final double[][][] daBuf;
    private final double[] dzH;
    private final double[] dzX;
    private final double[] dzcH;
    private final double[] dzcX;
    private final double[][] dhNext;
    private final double[][] dcNext;
    private final double[] dhCur;
    private final double[] dxBelow;
    /** One gradient column's multipliers over the window (z_t[c] for every step t), and ones for biases. */
    private final double[] zs;
    private final double[] ones;

    public Network(ParameterLayout layout, int maxSteps) {
        this.layout = layout;
        this.cell = layout.cell;
        this.maxSteps = maxSteps;
        this.hidden = layout.hidden;
        this.layers = layout.layers;
        this.rows = layout.rows;
        this.outputs = layout.outputs;
        int h = hidden;
        boolean lstm = cell == CellType.LSTM;
        hBuf = new double[layers][maxSteps + 1][h];
        cBuf = new double[layers][lstm ? maxSteps + 1 : 0][h];
        tcBuf = new double[layers][lstm ? maxSteps : 0][h];
        actBuf = new double[layers][maxSteps][rows];
        rhBuf = new double[layers][cell == CellType.GRU ? maxSteps : 0][h];
        yBuf = new double[maxSteps * outputs];
        gateScale = new double[rows];
        Arrays.fill(gateScale, 1.0);
        switch (cell) {
            case LSTM: Arrays.fill(gateScale, 2 * h, 3 * h, 2.0); break;
            case GRU: Arrays.fill(gateScale, 2 * h, 3 * h, 2.0); break;
            default: Arrays.fill(gateScale, 2.0);
        }
        tanhScale = new double[h];
        Arrays.fill(tanhScale, 2.0);
        work = new double[rows];
        wTh = new double[layers][rows][h];
        wTx = new double[layers][][];
        for (int l = 0; l < layers; l++) {
            wTx[l] = new double[l == 0 ? 0 : rows][layout.in(l)];
        }
        daBuf = new double[layers][maxSteps][rows];
        dzH = new double[h];
        dzX = new double[h];
        dzcH = new double[h];
        dzcX = new double[h];
        zs = new double[maxSteps];
        ones = new double[maxSteps];
        Arrays.fill(ones, 1.0);
        dhNext = new double[layers][h];
        dcNext = new double[layers][h];
        dhCur = new double[h];
        dxBelow = new double[h];
    }

    public ParameterLayout layout() {
        return layout;
    }

    public int maxSteps() {
        return maxSteps;
    }

    /**
     * Advances the carried {@code state} by one input {@code x} (length {@code layout.inputSize}) in place
     * and returns the (first) output {@code y}.
     */
    public double step(double[][] p, double[] state, double[] x) {
        return step(p, state, x, null);
    }

    /**
     * {@link #step(double[][], double[], double[])}, also writing every output into {@code out} (length
     * {@code layout.outputs}) unless it is null.
     */
    public double step(double[][] p, double[] state, double[] x, double[] out) {
        loadState(state);
        double y = forward(p, x, 0, 0);
        if (out != null) {
            System.arraycopy(yBuf, 0, out, 0, outputs);
        }
        int h = hidden;
        for (int l = 0; l < layers; l++) {
            int s = layout.h(l);
            System.arraycopy(hBuf[l][1], 0, state, s, h);
            if (cell.hasCell) {
                System.arraycopy(cBuf[l][1], 0, state, s + h, h);
            }
        }
        return y;
    }

    /** Runs the window forward from {@code start} and returns the loss; nothing else is written. */
    public double loss(double[][] p, double[] start, double[] xs, double[] targets, int steps, double l2) {
        return loss(p, start, xs, targets, null, steps, l2);
    }

    /**
     * The loss with several outputs: {@code targets} holds step t's at [t * outputs, (t + 1) * outputs),
     * of which the first {@code available[t]} are known (all when {@code available} is null).
     */
    public double loss(double[][] p, double[] start, double[] xs, double[] targets, int[] available, int steps,
            double l2) {
        double loss = forwardWindow(p, start, xs, targets, available, steps);
        return 0.5 * loss / known(available, steps) + (l2 > 0 ? 0.5 * l2 * weightSquares(p) : 0.0);
    }

    /**
     * Runs the window forward from {@code start}, keeping every step's activations for a backward pass,
     * and returns the sum of the squared errors of the known outputs.
     */
    private double forwardWindow(double[][] p, double[] start, double[] xs, double[] targets, int[] available,
            int steps) {
        checkSteps(steps);
        loadState(start);
        int in = layout.inputSize;
        double loss = 0;
        for (int t = 0; t < steps; t++) {
            forward(p, xs, t * in, t);
            int a = available == null ? outputs : available[t];
            for (int j = 0; j < a; j++) {
                double e = yBuf[t * outputs + j] - targets[t * outputs + j];
                loss += e * e;
            }
        }
        return loss;
    }

    /** The outputs with known targets in a window of {@code steps}. */
    private long known(int[] available, int steps) {
        if (available == null) {
            return (long) outputs * steps;
        }
        long count = 0;
        for (int t = 0; t < steps; t++) {
            count += available[t];
        }
        return count;
    }

    /**
     * Overwrites {@code grad} with dL/dp for the window of {@code steps} inputs {@code xs} (row per step)
     * and {@code targets}, starting from the carried state {@code start}, and returns L.
     */
    public double lossAndGradient(double[][] p, double[] start, double[] xs, double[] targets, int steps,
            double l2, double[][] grad) {
        return lossAndGradient(p, start, xs, targets, null, steps, l2, grad);
    }

    /**
     * {@link #lossAndGradient(double[][], double[], double[], double[], int, double, double[][])} with
     * several outputs, as {@link #loss(double[][], double[], double[], double[], int[], int, double)}.
     */
    public double lossAndGradient(double[][] p, double[] start, double[] xs, double[] targets, int[] available,
            int steps, double l2, double[][] grad) {
        begin(p, grad);
        double loss = accumulate(p, start, xs, targets, available, steps, 1.0, grad);
        return loss + regularise(p, l2, grad);
    }

    /**
     * Overwrites {@code grad} with dL/dp for the windows of {@code batch}, each from its own start state,
     * and returns L: the mean of the windows' losses (each as one window's, over its own known targets),
     * plus the L2 term once. A batch of one window is exactly that window's loss and gradient; the
     * weights are transposed once for the batch, not once per window.
     */
    public double lossAndGradient(double[][] p, WindowBatch batch, double l2, double[][] grad) {
        int n = batch.size();
        if (n < 1) {
            throw new IllegalArgumentException("an empty batch");
        }
        if (batch.steps > maxSteps || batch.inputSize != layout.inputSize || batch.stateSize != layout.stateSize
                || batch.outputs != outputs) {
            throw new IllegalArgumentException("windows of " + batch.steps + " steps of " + batch.inputSize
                    + " inputs and " + batch.outputs + " outputs do not fit this network's " + maxSteps + " steps of "
                    + layout.inputSize + " and " + outputs);
        }
        begin(p, grad);
        double loss = 0;
        for (int b = 0; b < n; b++) {
            loss += accumulate(p, batch.starts[b], batch.inputs[b], batch.targets[b], batch.available[b],
                    batch.lengths[b], 1.0 / n, grad);
        }
        return loss + regularise(p, l2, grad);
    }

    /** Zeroes {@code grad} and transposes the weights for the backward passes that follow. */
    private void begin(double[][] p, double[][] grad) {
        for (double[] g : grad) {
            Arrays.fill(g, 0.0);
        }
        for (int l = 0; l < layers; l++) {
            transpose(p, l);
        }
    }

    /**
     * Adds {@code weight} times one window's dL/dp (its data loss only) to {@code grad}, after
     * {@link #begin}, and returns {@code weight} times its loss.
     */
    private double accumulate(double[][] p, double[] start, double[] xs, double[] targets, int[] available,
            int steps, double weight, double[][] grad) {
        double loss = forwardWindow(p, start, xs, targets, available, steps);
        long count = known(available, steps);
        if (count == 0) {
            return 0.0;
        }
        for (int l = 0; l < layers; l++) {
            Arrays.fill(dhNext[l], 0.0);
            Arrays.fill(dcNext[l], 0.0);
        }
        int top = layers - 1;
        int h = hidden;
        double[] wy = p[layout.outWeights];
        double[] gwy = grad[layout.outWeights];
        double scale = weight / count;
        double[] gby = grad[layout.outBias];
        for (int t = steps - 1; t >= 0; t--) {
            // y_tj = w_j . h_t + b_j;  dL/dy_tj = (y_tj - target_tj) / N for the known targets, else 0
            double[] hTop = hBuf[top][t + 1];
            System.arraycopy(dhNext[top], 0, dhCur, 0, h);
            int a = available == null ? outputs : available[t];
            for (int o = 0; o < a; o++) {
                double dy = (yBuf[t * outputs + o] - targets[t * outputs + o]) * scale;
                int w = o * h;
                for (int j = 0; j < h; j++) {
                    gwy[w + j] += dy * hTop[j];
                    dhCur[j] += dy * wy[w + j];
                }
                gby[o] += dy;
            }
            for (int l = top; l >= 0; l--) {
                backwardLayer(l, t, l > 0);
                if (l > 0) {
                    double[] below = dhNext[l - 1];
                    for (int j = 0; j < h; j++) {
                        dhCur[j] = dxBelow[j] + below[j];
                    }
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            weightGradient(grad, l, xs, steps);
        }
        return 0.5 * loss * scale;
    }

    /** Adds the L2 term's gradient to {@code grad}; returns the term. */
    private double regularise(double[][] p, double l2, double[][] grad) {
        if (!(l2 > 0)) {
            return 0.0;
        }
        for (int i = 0; i < layout.tensors; i++) {
            if (layout.isWeight(i)) {
                axpy(p[i], l2, grad[i], 0, p[i].length);
            }
        }
        return 0.5 * l2 * weightSquares(p);
    }

    private void checkSteps(int steps) {
        if (steps < 1 || steps > maxSteps) {
            throw new IllegalArgumentException("steps " + steps + " outside [1, " + maxSteps + "]");
        }
    }

    private void loadState(double[] state) {
        int h = hidden;
        for (int l = 0; l < layers; l++) {
            int s = layout.h(l);
            System.arraycopy(state, s, hBuf[l][0], 0, h);
            if (cell.hasCell) {
                System.arraycopy(state, s + h, cBuf[l][0], 0, h);
            }
        }
    }

    /** Forward through every layer at step slot {@code t}; leaves the outputs in yBuf and returns the first. */
    private double forward(double[][] p, double[] xs, int xOff, int t) {
        for (int l = 0; l < layers; l++) {
            if (l == 0) {
                forwardLayer(p, l, t, xs, xOff);
            } else {
                forwardLayer(p, l, t, hBuf[l - 1][t + 1], 0);
            }
        }
        // y_tj = w_j . h_t + b_j
        double[] top = hBuf[layers - 1][t + 1];
        double[] wy = p[layout.outWeights];
        double[] by = p[layout.outBias];
        for (int j = 0; j < outputs; j++) {
            yBuf[t * outputs + j] = by[j] + dot(wy, j * hidden, top, hidden);
        }
        return yBuf[t * outputs];
    }

    private void forwardLayer(double[][] p, int l, int t, double[] x, int xOff) {
        int h = hidden;
        int in = layout.in(l);
        double[] a = actBuf[l][t];
        double[] hp = hBuf[l][t];
        double[] hn = hBuf[l][t + 1];
        // a = b + W_x x + W_h h_{t-1}   (for GRU the candidate block waits for r*h_{t-1})
        double[] bias = p[layout.bias(l)];
        double[] w0 = p[layout.column(l, 0)];
        double x0 = x[xOff];
        for (int k = 0; k < rows; k++) {
            a[k] = bias[k] + w0[k] * x0;
        }
        for (int c = 1; c < in; c++) {
            axpy(p[layout.column(l, c)], x[xOff + c], a, 0, rows);
        }
        int hiddenRows = cell == CellType.GRU ? 2 * h : rows;
        int first = layout.column(l, in);
        int col = 0;
        for (; col + 3 < h; col += 4) {
            axpy4(p[first + col], hp[col], p[first + col + 1], hp[col + 1], p[first + col + 2], hp[col + 2],
                    p[first + col + 3], hp[col + 3], a, 0, hiddenRows);
        }
        for (; col < h; col++) {
            axpy(p[first + col], hp[col], a, 0, hiddenRows);
        }
        switch (cell) {
            case LSTM: {
                // i, f, o = sigmoid; g = tanh
                Activations.gates(a, gateScale, work, 0, rows);
                lstmCell(a, cBuf[l][t], cBuf[l][t + 1], tcBuf[l][t], hn, h, tanhScale, work);
                break;
            }
            case GRU: {
                // r = sigmoid(a_r); z = sigmoid(a_z)
                Activations.gates(a, gateScale, work, 0, 2 * h);
                double[] rh = rhBuf[l][t];
                gruReset(a, hp, rh, h);
                // a_n += W_hn (r * h_{t-1});  n = tanh(a_n)
                for (int k = 0; k < h; k++) {
                    axpy(p[first + k], rh[k], a, 2 * h, rows);
                }
                Activations.gates(a, gateScale, work, 2 * h, rows);
                gruOutput(a, hp, hn, h);
                break;
            }
            default: {
                // h_t = tanh(a)
                Activations.gates(a, gateScale, work, 0, rows);
                System.arraycopy(a, 0, hn, 0, h);
            }
        }
    }

    /**
     * Backpropagates {@code dhCur} (dL/dh_t of layer l) through layer l at step t: leaves dL/da_t in
     * daBuf (the weight gradient is formed from it after the sweep), dL/dh_{t-1} (and dL/dc_{t-1}) in
     * dhNext/dcNext and, when {@code needDx}, dL/dx_t in dxBelow.
     */
    private void backwardLayer(int l, int t, boolean needDx) {
        int h = hidden;
        double[] a = actBuf[l][t];
        double[] da = daBuf[l][t];
        double[] hp = hBuf[l][t];
        double[] dh = dhCur;
        double[] dhPrev = dhNext[l];
        switch (cell) {
            case LSTM: {
                lstmBackward(a, cBuf[l][t], tcBuf[l][t], dh, dcNext[l], da, h);
                // [dx; dh_{t-1}] = W^T da
                transposedTimes(wTh[l], da, 0, rows, dhPrev);
                if (needDx) {
                    transposedTimes(wTx[l], da, 0, rows, dxBelow);
                }
                break;
            }
            case GRU: {
                gruBackward(a, hp, dh, da, dhPrev, h);
                // [dx_n; d(r*h_{t-1})] = W_n^T da_n;  dr = d(rh)*h_{t-1};  dh_{t-1} += d(rh)*r
                transposedTimes(wTh[l], da, 2 * h, rows, dzcH);
                gruResetBackward(a, hp, dzcH, da, dhPrev, h);
                // [dx_rz; dh_rz] = W_rz^T [da_r; da_z]
                transposedTimes(wTh[l], da, 0, 2 * h, dzH);
                for (int j = 0; j < h; j++) {
                    dhPrev[j] += dzH[j];
                }
                if (needDx) {
                    transposedTimes(wTx[l], da, 2 * h, rows, dzcX);
                    transposedTimes(wTx[l], da, 0, 2 * h, dzX);
                    for (int c = 0; c < h; c++) {
                        dxBelow[c] = dzX[c] + dzcX[c];
                    }
                }
                break;
            }
            default: {
                rnnBackward(a, dh, da, h);
                transposedTimes(wTh[l], da, 0, rows, dhPrev);
                if (needDx) {
                    transposedTimes(wTx[l], da, 0, rows, dxBelow);
                }
            }
        }
    }

    /**
     * Layer l's weight and bias gradients over the window from the saved da_t, one column at a time:
     * {@code dW_c = sum_t z_t[c] da_t}, {@code db = sum_t da_t}, where z_t is the layer's input
     * [x_t; h_{t-1}] (GRU's candidate rows saw r*h_{t-1} instead of h_{t-1}). Summing over steps four at a
     * time loads and stores each gradient column a quarter as often as a rank-one update per step would.
     */
    private void weightGradient(double[][] grad, int l, double[] xs, int steps) {
        int in = layout.in(l);
        int h = hidden;
        double[][] das = daBuf[l];
        sumOverSteps(das, ones, steps, grad[layout.bias(l)], 0, rows);
        for (int c = 0; c < in; c++) {
            for (int t = 0; t < steps; t++) {
                zs[t] = l == 0 ? xs[t * in + c] : hBuf[l - 1][t + 1][c];
            }
            sumOverSteps(das, zs, steps, grad[layout.column(l, c)], 0, rows);
        }
        boolean gru = cell == CellType.GRU;
        for (int c = 0; c < h; c++) {
            for (int t = 0; t < steps; t++) {
                zs[t] = hBuf[l][t][c];
            }
            double[] g = grad[layout.column(l, in + c)];
            sumOverSteps(das, zs, steps, g, 0, gru ? 2 * h : rows);
            if (gru) {
                for (int t = 0; t < steps; t++) {
                    zs[t] = rhBuf[l][t][c];
                }
                sumOverSteps(das, zs, steps, g, 2 * h, rows);
            }
        }
    }

    /** g[k] += sum over t < steps of s[t] * v[t][k], for k in [from, to). */
    private static void sumOverSteps(double[][] v, double[] s, int steps, double[] g, int from, int to) {
        int t = 0;
        for (; t + 3 < steps; t += 4) {
            axpy4(v[t], s[t], v[t + 1], s[t + 1], v[t + 2], s[t + 2], v[t + 3], s[t + 3], g, from, to);
        }
        for (; t < steps; t++) {
            axpy(v[t], s[t], g, from, to);
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

    /** out = sum over gate rows r in [from, to) of da[r] * wt[r]: those rows' part of W^T da. */
    private static void transposedTimes(double[][] wt, double[] da, int from, int to, double[] out) {
        int n = out.length;
        Arrays.fill(out, 0.0);
        int r = from;
        for (; r + 3 < to; r += 4) {
            axpy4(wt[r], da[r], wt[r + 1], da[r + 1], wt[r + 2], da[r + 2], wt[r + 3], da[r + 3], out, 0, n);
        }
        for (; r < to; r++) {
            axpy(wt[r], da[r], out, 0, n);
        }
    }

    private double weightSquares(double[][] p) {
        double s = 0;
        for (int i = 0; i < layout.tensors; i++) {
            if (layout.isWeight(i)) {
                s += dot(p[i], p[i], 0, p[i].length);
            }
        }
        return s;
    }

    // The cells' element-wise parts for one step of one window. a holds the gate activations in blocks of
    // h (LSTM: i, f, g, o; GRU: r, z, n) once the gates are applied.

    /** LSTM after its gates: c_t = f*c_{t-1} + i*g into cn and tc, then h_t = o*tanh(c_t), tc = tanh(c_t). */
    static void lstmCell(double[] a, double[] cp, double[] cn, double[] tc, double[] hn, int h, double[] tanhScale,
            double[] work) {
        for (int j = 0; j < h; j++) {
            // c_t = f*c_{t-1} + i*g
            double ct = a[h + j] * cp[j] + a[j] * a[2 * h + j];
            cn[j] = ct;
            tc[j] = ct;
        }
        Activations.gates(tc, tanhScale, work, 0, h);
        for (int j = 0; j < h; j++) {
            // h_t = o*tanh(c_t)
            hn[j] = a[3 * h + j] * tc[j];
        }
    }

    /** GRU: rh = r * h_{t-1}, what the candidate rows multiply. */
    static void gruReset(double[] a, double[] hp, double[] rh, int h) {
        for (int j = 0; j < h; j++) {
            rh[j] = a[j] * hp[j];
        }
    }

    /** GRU after its candidate: h_t = (1 - z)*n + z*h_{t-1}. */
    static void gruOutput(double[] a, double[] hp, double[] hn, int h) {
        for (int j = 0; j < h; j++) {
            double z = a[h + j];
            hn[j] = (1 - z) * a[2 * h + j] + z * hp[j];
        }
    }

    /** LSTM back: dL/da from dh and dc (dL/dc_t from the step after), and dc becomes dL/dc_{t-1}. */
    static void lstmBackward(double[] a, double[] cp, double[] tc, double[] dh, double[] dc, double[] da, int h) {
        for (int j = 0; j < h; j++) {
            double i = a[j];
            double f = a[h + j];
            double g = a[2 * h + j];
            double o = a[3 * h + j];
            double tcj = tc[j];
            // dc = dh*o*(1 - tanh(c)^2) + dc_{t+1};  dc_{t-1} = dc*f
            double d = dh[j] * o * (1 - tcj * tcj) + dc[j];
            da[j] = d * g * i * (1 - i);
            da[h + j] = d * cp[j] * f * (1 - f);
            da[2 * h + j] = d * i * (1 - g * g);
            da[3 * h + j] = dh[j] * tcj * o * (1 - o);
            dc[j] = d * f;
        }
    }

    /** GRU back through h_t = (1-z)*n + z*h_{t-1}: dL/da of z and n, and dh_{t-1}'s direct part. */
    static void gruBackward(double[] a, double[] hp, double[] dh, double[] da, double[] dhPrev, int h) {
        for (int j = 0; j < h; j++) {
            double z = a[h + j];
            double n = a[2 * h + j];
            // dn = dh*(1-z), dz = dh*(h_{t-1} - n)
            da[2 * h + j] = dh[j] * (1 - z) * (1 - n * n);
            da[h + j] = dh[j] * (hp[j] - n) * z * (1 - z);
            dhPrev[j] = dh[j] * z;
        }
    }

    /** GRU back through r*h_{t-1}, given d(rh): dr = d(rh)*h_{t-1}; dh_{t-1} += d(rh)*r. */
    static void gruResetBackward(double[] a, double[] hp, double[] drh, double[] da, double[] dhPrev, int h) {
        for (int j = 0; j < h; j++) {
            double r = a[j];
            da[j] = drh[j] * hp[j] * r * (1 - r);
            dhPrev[j] += drh[j] * r;
        }
    }

    /** tanh RNN back: h_t = tanh(a), so da = dh*(1 - h_t^2). */
    static void rnnBackward(double[] a, double[] dh, double[] da, int h) {
        for (int j = 0; j < h; j++) {
            double v = a[j];
            da[j] = dh[j] * (1 - v * v);
        }
    }

    /** y[k] += s * v[k] for k in [from, to): one index for both arrays, so C2 vectorises it. */
    static void axpy(double[] v, double s, double[] y, int from, int to) {
        for (int k = from; k < to; k++) {
            y[k] += s * v[k];
        }
    }

    /**
     * y[k] += s0 v0[k] + s1 v1[k] + s2 v2[k] + s3 v3[k] for k in [from, to): four columns per pass over
     * y, so y is loaded and stored a quarter as often as with four axpy calls.
     */
    static void axpy4(double[] v0, double s0, double[] v1, double s1, double[] v2, double s2, double[] v3,
            double s3, double[] y, int from, int to) {
        for (int k = from; k < to; k++) {
            y[k] += s0 * v0[k] + s1 * v1[k] + s2 * v2[k] + s3 * v3[k];
        }
    }

    /** Sum of u[k] * v[k] over [from, to), four accumulators so the adds pipeline. */
    static double dot(double[] u, double[] v, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = from;
        for (; k + 3 < to; k += 4) {
            s0 += u[k] * v[k];
            s1 += u[k + 1] * v[k + 1];
            s2 += u[k + 2] * v[k + 2];
            s3 += u[k + 3] * v[k + 3];
        }
        for (; k < to; k++) {
            s0 += u[k] * v[k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Sum of u[uo + k] * v[k] over k < n, accumulated as {@link #dot(double[], double[], int, int)} does. */
    static double dot(double[] u, int uo, double[] v, int n) {
        return dot(u, uo, v, 0, n);
    }

    /** Sum of u[uo + k] * v[vo + k] over k < n, accumulated as {@link #dot(double[], double[], int, int)} does. */
    static double dot(double[] u, int uo, double[] v, int vo, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += u[uo + k] * v[vo + k];
            s1 += u[uo + k + 1] * v[vo + k + 1];
            s2 += u[uo + k + 2] * v[vo + k + 2];
            s3 += u[uo + k + 3] * v[vo + k + 3];
        }
        for (; k < n; k++) {
            s0 += u[uo + k] * v[vo + k];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
