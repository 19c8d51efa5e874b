package dev.streamforecast.model;

/**
 * Stacked recurrent network with a linear output: one streaming step, and loss and gradient over a
 * truncated window by backpropagation through time.
 *
 * <p>A {@code Network} is a workspace, not a model: it holds no parameters or state of its own, only
 * the work arrays for up to {@code maxSteps} steps, sized once so that neither {@link #step} nor
 * {@link #lossAndGradient} allocates. One instance serves every key of a subtask; it is not
 * thread-safe. Parameters follow {@link ParameterLayout}; the carried state is, per layer, h and then
 * (LSTM) c.
 *
 * <p>The loss over a window of T steps is {@code L = 1/(2T) sum_t (y_t - target_t)^2 + l2/2 ||W||^2}.
 */
public final class Network {
    private final ParameterLayout layout;
    private final CellType cell;
    private final int maxSteps;
    private final int hidden;
    private final int layers;
    private final int rows;

    // Activations per layer, slot t for step t; h and c have slot 0 for the state before the window.
    private final double[][] hBuf;
    private final double[][] cBuf;
    private final double[][] tcBuf;
    private final double[][] actBuf;
    private final double[][] rhBuf;
    private final double[] yBuf;

    // Backward scratch.
    private final double[] da;
    private final double[][] dhNext;
    private final double[][] dcNext;
    private final double[] dhCur;
    private final double[] dxBelow;

    public Network(ParameterLayout layout, int maxSteps) {
        this.layout = layout;
        this.cell = layout.cell;
        this.maxSteps = maxSteps;
        this.hidden = layout.hidden;
        this.layers = layout.layers;
        this.rows = layout.rows;
        int h = hidden;
        hBuf = new double[layers][(maxSteps + 1) * h];
        cBuf = new double[layers][cell.hasCell ? (maxSteps + 1) * h : 0];
        tcBuf = new double[layers][cell.hasCell ? maxSteps * h : 0];
        actBuf = new double[layers][maxSteps * rows];
        rhBuf = new double[layers][cell == CellType.GRU ? maxSteps * h : 0];
        yBuf = new double[maxSteps];
        da = new double[rows];
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
     * and returns the output {@code y}.
     */
    public double step(double[] p, double[] state, double[] x) {
        loadState(state);
        double y = forward(p, x, 0, 0);
        int h = hidden;
        for (int l = 0; l < layers; l++) {
            int s = layout.h(l);
            System.arraycopy(hBuf[l], h, state, s, h);
            if (cell.hasCell) {
                System.arraycopy(cBuf[l], h, state, s + h, h);
            }
        }
        return y;
    }

    /** Runs the window forward from {@code start} and returns the loss; nothing else is written. */
    public double loss(double[] p, double[] start, double[] xs, double[] targets, int steps, double l2) {
        checkSteps(steps);
        loadState(start);
        double loss = 0;
        int in = layout.inputSize;
        for (int t = 0; t < steps; t++) {
            double e = forward(p, xs, t * in, t) - targets[t];
            loss += e * e;
        }
        return 0.5 * loss / steps + 0.5 * l2 * weightSquares(p);
    }

    /**
     * Overwrites {@code grad} with dL/dp for the window of {@code steps} inputs {@code xs} (row per step)
     * and {@code targets}, starting from the carried state {@code start}, and returns L.
     */
    public double lossAndGradient(double[] p, double[] start, double[] xs, double[] targets, int steps,
            double l2, double[] grad) {
        checkSteps(steps);
        loadState(start);
        int in = layout.inputSize;
        double loss = 0;
        for (int t = 0; t < steps; t++) {
            double y = forward(p, xs, t * in, t);
            yBuf[t] = y;
            double e = y - targets[t];
            loss += e * e;
        }
        java.util.Arrays.fill(grad, 0.0);
        for (int l = 0; l < layers; l++) {
            java.util.Arrays.fill(dhNext[l], 0.0);
            java.util.Arrays.fill(dcNext[l], 0.0);
        }
        int top = layers - 1;
        int h = hidden;
        int wy = layout.outWeights;
        double invSteps = 1.0 / steps;
        for (int t = steps - 1; t >= 0; t--) {
            // y_t = w_y . h_t + b_y;  dL/dy_t = (y_t - target_t) / T
            double dy = (yBuf[t] - targets[t]) * invSteps;
            double[] hTop = hBuf[top];
            int ht = (t + 1) * h;
            for (int j = 0; j < h; j++) {
                grad[wy + j] += dy * hTop[ht + j];
                dhCur[j] = dy * p[wy + j] + dhNext[top][j];
            }
            grad[layout.outBias] += dy;
            for (int l = top; l >= 0; l--) {
                double[] x = l == 0 ? xs : hBuf[l - 1];
                int xOff = l == 0 ? t * in : (t + 1) * h;
                backwardLayer(p, grad, l, t, x, xOff, l > 0);
                if (l > 0) {
                    double[] below = dhNext[l - 1];
                    for (int j = 0; j < h; j++) {
                        dhCur[j] = dxBelow[j] + below[j];
                    }
                }
            }
        }
        if (l2 > 0) {
            addWeightDecay(p, grad, l2);
        }
        return 0.5 * loss * invSteps + 0.5 * l2 * weightSquares(p);
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
            System.arraycopy(state, s, hBuf[l], 0, h);
            if (cell.hasCell) {
                System.arraycopy(state, s + h, cBuf[l], 0, h);
            }
        }
    }

    /** Forward through every layer at step slot {@code t}; returns y_t. */
    private double forward(double[] p, double[] xs, int xOff, int t) {
        int h = hidden;
        for (int l = 0; l < layers; l++) {
            if (l == 0) {
                forwardLayer(p, l, t, xs, xOff);
            } else {
                forwardLayer(p, l, t, hBuf[l - 1], (t + 1) * h);
            }
        }
        // y_t = w_y . h_t + b_y
        double[] hTop = hBuf[layers - 1];
        int ht = (t + 1) * h;
        int wy = layout.outWeights;
        double y = p[layout.outBias];
        for (int j = 0; j < h; j++) {
            y += p[wy + j] * hTop[ht + j];
        }
        return y;
    }

    private void forwardLayer(double[] p, int l, int t, double[] x, int xOff) {
        int h = hidden;
        int in = layout.in(l);
        int w = layout.w(l);
        double[] a = actBuf[l];
        int ao = t * rows;
        double[] hb = hBuf[l];
        int hp = t * h;
        // a = b + W_x x + W_h h_{t-1}   (for GRU the candidate block waits for r*h_{t-1})
        System.arraycopy(p, layout.b(l), a, ao, rows);
        for (int c = 0; c < in; c++) {
            axpy(p, w + c * rows, x[xOff + c], a, ao, rows);
        }
        int hiddenRows = cell == CellType.GRU ? 2 * h : rows;
        for (int c = 0; c < h; c++) {
            axpy(p, w + (in + c) * rows, hb[hp + c], a, ao, hiddenRows);
        }
        int hn = (t + 1) * h;
        switch (cell) {
            case LSTM: {
                double[] cb = cBuf[l];
                double[] tc = tcBuf[l];
                int to = t * h;
                for (int j = 0; j < h; j++) {
                    // i, f, o = sigmoid; g = tanh; c_t = f*c_{t-1} + i*g; h_t = o*tanh(c_t)
                    double i = sigmoid(a[ao + j]);
                    double f = sigmoid(a[ao + h + j]);
                    double g = tanh(a[ao + 2 * h + j]);
                    double o = sigmoid(a[ao + 3 * h + j]);
                    a[ao + j] = i;
                    a[ao + h + j] = f;
                    a[ao + 2 * h + j] = g;
                    a[ao + 3 * h + j] = o;
                    double c = f * cb[hp + j] + i * g;
                    double tcj = tanh(c);
                    cb[hn + j] = c;
                    tc[to + j] = tcj;
                    hb[hn + j] = o * tcj;
                }
                break;
            }
            case GRU: {
                double[] rh = rhBuf[l];
                int ro = t * h;
                for (int j = 0; j < h; j++) {
                    // r = sigmoid(a_r); z = sigmoid(a_z)
                    double r = sigmoid(a[ao + j]);
                    a[ao + j] = r;
                    a[ao + h + j] = sigmoid(a[ao + h + j]);
                    rh[ro + j] = r * hb[hp + j];
                }
                // a_n += W_hn (r * h_{t-1})
                for (int c = 0; c < h; c++) {
                    axpy(p, w + (in + c) * rows + 2 * h, rh[ro + c], a, ao + 2 * h, h);
                }
                for (int j = 0; j < h; j++) {
                    // n = tanh(a_n); h_t = (1 - z)*n + z*h_{t-1}
                    double n = tanh(a[ao + 2 * h + j]);
                    a[ao + 2 * h + j] = n;
                    double z = a[ao + h + j];
                    hb[hn + j] = (1 - z) * n + z * hb[hp + j];
                }
                break;
            }
            default: {
                for (int j = 0; j < h; j++) {
                    // h_t = tanh(a)
                    double v = tanh(a[ao + j]);
                    a[ao + j] = v;
                    hb[hn + j] = v;
                }
            }
        }
    }

    /**
     * Backpropagates {@code dhCur} (dL/dh_t of layer l) through layer l at step t: accumulates the
     * layer's weight and bias gradients, leaves dL/dh_{t-1} (and dL/dc_{t-1}) in dhNext/dcNext and,
     * when {@code needDx}, dL/dx_t in dxBelow.
     */
    private void backwardLayer(double[] p, double[] grad, int l, int t, double[] x, int xOff, boolean needDx) {
        int h = hidden;
        int in = layout.in(l);
        int w = layout.w(l);
        double[] a = actBuf[l];
        int ao = t * rows;
        double[] hb = hBuf[l];
        int hp = t * h;
        double[] dh = dhCur;
        double[] dhPrev = dhNext[l];
        switch (cell) {
            case LSTM: {
                double[] cb = cBuf[l];
                double[] tc = tcBuf[l];
                double[] dcn = dcNext[l];
                for (int j = 0; j < h; j++) {
                    double i = a[ao + j];
                    double f = a[ao + h + j];
                    double g = a[ao + 2 * h + j];
                    double o = a[ao + 3 * h + j];
                    double tcj = tc[t * h + j];
                    // dc = dh*o*(1 - tanh(c)^2) + dc_{t+1};  dc_{t-1} = dc*f
                    double dc = dh[j] * o * (1 - tcj * tcj) + dcn[j];
                    da[j] = dc * g * i * (1 - i);
                    da[h + j] = dc * cb[hp + j] * f * (1 - f);
                    da[2 * h + j] = dc * i * (1 - g * g);
                    da[3 * h + j] = dh[j] * tcj * o * (1 - o);
                    dcn[j] = dc * f;
                }
                accumulate(grad, w, l, x, xOff, hb, hp, rows, 0, rows);
                for (int j = 0; j < h; j++) {
                    dhPrev[j] = dot(p, w + (in + j) * rows, da, 0, rows);
                }
                break;
            }
            case GRU: {
                double[] rh = rhBuf[l];
                int ro = t * h;
                for (int j = 0; j < h; j++) {
                    double z = a[ao + h + j];
                    double n = a[ao + 2 * h + j];
                    double hprev = hb[hp + j];
                    // h_t = (1-z)*n + z*h_{t-1}: dn = dh*(1-z), dz = dh*(h_{t-1} - n)
                    da[2 * h + j] = dh[j] * (1 - z) * (1 - n * n);
                    da[h + j] = dh[j] * (hprev - n) * z * (1 - z);
                    dhPrev[j] = dh[j] * z;
                }
                for (int j = 0; j < h; j++) {
                    // d(r*h_{t-1}) = W_hn^T da_n;  dr = d(rh)*h_{t-1};  dh_{t-1} += d(rh)*r
                    double drh = dot(p, w + (in + j) * rows + 2 * h, da, 2 * h, h);
                    double r = a[ao + j];
                    da[j] = drh * hb[hp + j] * r * (1 - r);
                    dhPrev[j] += drh * r;
                }
                // dW: reset and update blocks see [x; h_{t-1}], the candidate block sees [x; r*h_{t-1}]
                accumulate(grad, w, l, x, xOff, hb, hp, rows, 0, 2 * h);
                for (int c = 0; c < h; c++) {
                    axpy(da, 2 * h, rh[ro + c], grad, w + (in + c) * rows + 2 * h, h);
                }
                for (int j = 0; j < h; j++) {
                    dhPrev[j] += dot(p, w + (in + j) * rows, da, 0, 2 * h);
                }
                break;
            }
            default: {
                for (int j = 0; j < h; j++) {
                    double v = a[ao + j];
                    // h_t = tanh(a): da = dh*(1 - h_t^2)
                    da[j] = dh[j] * (1 - v * v);
                }
                accumulate(grad, w, l, x, xOff, hb, hp, rows, 0, rows);
                for (int j = 0; j < h; j++) {
                    dhPrev[j] = dot(p, w + (in + j) * rows, da, 0, rows);
                }
            }
        }
        // db += da
        int b = layout.b(l);
        for (int r = 0; r < rows; r++) {
            grad[b + r] += da[r];
        }
        if (needDx) {
            for (int c = 0; c < in; c++) {
                dxBelow[c] = dot(p, w + c * rows, da, 0, rows);
            }
        }
    }

    /**
     * dW[:, c] += z_c * da over the input columns (all rows) and over the hidden columns for rows
     * [hFrom, hTo), where z = [x; h_{t-1}].
     */
    private void accumulate(double[] grad, int w, int l, double[] x, int xOff, double[] hb, int hp,
            int rowsAll, int hFrom, int hTo) {
        int in = layout.in(l);
        for (int c = 0; c < in; c++) {
            axpy(da, 0, x[xOff + c], grad, w + c * rowsAll, rowsAll);
        }
        for (int c = 0; c < hidden; c++) {
            axpy(da, hFrom, hb[hp + c], grad, w + (in + c) * rowsAll + hFrom, hTo - hFrom);
        }
    }

    private double weightSquares(double[] p) {
        double s = 0;
        for (int l = 0; l < layers; l++) {
            for (int i = layout.w(l), e = layout.b(l); i < e; i++) {
                s += p[i] * p[i];
            }
        }
        for (int i = layout.outWeights; i < layout.outBias; i++) {
            s += p[i] * p[i];
        }
        return s;
    }

    private void addWeightDecay(double[] p, double[] grad, double l2) {
        for (int l = 0; l < layers; l++) {
            for (int i = layout.w(l), e = layout.b(l); i < e; i++) {
                grad[i] += l2 * p[i];
            }
        }
        for (int i = layout.outWeights; i < layout.outBias; i++) {
            grad[i] += l2 * p[i];
        }
    }

    /** y[yOff .. yOff+n) += s * v[vOff .. vOff+n). */
    static void axpy(double[] v, int vOff, double s, double[] y, int yOff, int n) {
        for (int k = 0; k < n; k++) {
            y[yOff + k] += s * v[vOff + k];
        }
    }

    /** Dot product with four independent accumulators, so the adds pipeline. */
    static double dot(double[] u, int uOff, double[] v, int vOff, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += u[uOff + k] * v[vOff + k];
            s1 += u[uOff + k + 1] * v[vOff + k + 1];
            s2 += u[uOff + k + 2] * v[vOff + k + 2];
            s3 += u[uOff + k + 3] * v[vOff + k + 3];
        }
        for (; k < n; k++) {
            s0 += u[uOff + k] * v[vOff + k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** sigma(x) = 1 / (1 + e^-x); saturates cleanly at both ends. */
    static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** tanh(x) = 2 sigma(2x) - 1: one exp instead of StrictMath's slower tanh, exact to ~1e-16. */
    static double tanh(double x) {
        return 2.0 / (1.0 + Math.exp(-2.0 * x)) - 1.0;
    }
}
