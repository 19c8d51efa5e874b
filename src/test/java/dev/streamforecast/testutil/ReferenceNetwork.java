package dev.streamforecast.testutil;

import dev.streamforecast.model.CellType;
import dev.streamforecast.model.ParameterLayout;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * A plain, obviously-correct recurrent network, on the flat parameter vector for checking the fast one: textbook equations on EJML
 * matrices, a fresh matrix for every intermediate, weights as ordinary row-major {@code rows x cols}
 * matrices copied out of the flat parameter vector.
 */
public final class ReferenceNetwork {
    private final ParameterLayout layout;
    private final int h;

    public ReferenceNetwork(ParameterLayout layout) {
        this.layout = layout;
        this.h = layout.hidden;
    }

    /** Per step and layer, what the backward pass needs. */
    private static final class Step {
        DMatrixRMaj[] z;      // [x; h_{t-1}]
        DMatrixRMaj[] zn;     // GRU: [x; r*h_{t-1}]
        DMatrixRMaj[] gates;  // post-activation gate blocks stacked
        DMatrixRMaj[] hPrev;
        DMatrixRMaj[] cPrev;
        DMatrixRMaj[] c;
        DMatrixRMaj[] hOut;
        double y;
    }

    /** Where a tensor starts in the flat parameter vector. */
    private int off(int tensor) {
        int o = 0;
        for (int i = 0; i < tensor; i++) {
            o += layout.length(i);
        }
        return o;
    }

    private DMatrixRMaj weight(double[] p, int l) {
        int rows = layout.rows;
        int cols = layout.cols(l);
        DMatrixRMaj w = new DMatrixRMaj(rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w.set(r, c, p[off(layout.column(l, c)) + r]);
            }
        }
        return w;
    }

    private DMatrixRMaj bias(double[] p, int l) {
        DMatrixRMaj b = new DMatrixRMaj(layout.rows, 1);
        for (int r = 0; r < layout.rows; r++) {
            b.set(r, 0, p[off(layout.bias(l)) + r]);
        }
        return b;
    }

    private static DMatrixRMaj concat(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj z = new DMatrixRMaj(a.numRows + b.numRows, 1);
        CommonOps_DDRM.insert(a, z, 0, 0);
        CommonOps_DDRM.insert(b, z, a.numRows, 0);
        return z;
    }

    private static double sig(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private Step forward(double[] p, DMatrixRMaj[] hs, DMatrixRMaj[] cs, DMatrixRMaj x) {
        int layers = layout.layers;
        Step s = new Step();
        s.z = new DMatrixRMaj[layers];
        s.zn = new DMatrixRMaj[layers];
        s.gates = new DMatrixRMaj[layers];
        s.hPrev = new DMatrixRMaj[layers];
        s.cPrev = new DMatrixRMaj[layers];
        s.c = new DMatrixRMaj[layers];
        s.hOut = new DMatrixRMaj[layers];
        DMatrixRMaj in = x;
        for (int l = 0; l < layers; l++) {
            DMatrixRMaj w = weight(p, l);
            DMatrixRMaj z = concat(in, hs[l]);
            DMatrixRMaj a = new DMatrixRMaj(layout.rows, 1);
            CommonOps_DDRM.mult(w, z, a);
            CommonOps_DDRM.addEquals(a, bias(p, l));
            s.z[l] = z;
            s.hPrev[l] = hs[l].copy();
            DMatrixRMaj hNew = new DMatrixRMaj(h, 1);
            if (layout.cell == CellType.LSTM) {
                s.cPrev[l] = cs[l].copy();
                DMatrixRMaj c = new DMatrixRMaj(h, 1);
                for (int j = 0; j < h; j++) {
                    double i = sig(a.get(j));
                    double f = sig(a.get(h + j));
                    double g = Math.tanh(a.get(2 * h + j));
                    double o = sig(a.get(3 * h + j));
                    a.set(j, i);
                    a.set(h + j, f);
                    a.set(2 * h + j, g);
                    a.set(3 * h + j, o);
                    c.set(j, f * cs[l].get(j) + i * g);
                    hNew.set(j, o * Math.tanh(c.get(j)));
                }
                s.c[l] = c;
                cs[l] = c;
            } else if (layout.cell == CellType.GRU) {
                DMatrixRMaj rh = new DMatrixRMaj(h, 1);
                for (int j = 0; j < h; j++) {
                    a.set(j, sig(a.get(j)));
                    a.set(h + j, sig(a.get(h + j)));
                    rh.set(j, a.get(j) * hs[l].get(j));
                }
                // the candidate block is recomputed from [x; r*h]
                DMatrixRMaj zn = concat(in, rh);
                DMatrixRMaj wn = CommonOps_DDRM.extract(w, 2 * h, 3 * h, 0, w.numCols);
                DMatrixRMaj an = new DMatrixRMaj(h, 1);
                CommonOps_DDRM.mult(wn, zn, an);
                for (int j = 0; j < h; j++) {
                    double n = Math.tanh(an.get(j) + p[off(layout.bias(l)) + 2 * h + j]);
                    a.set(2 * h + j, n);
                    double u = a.get(h + j);
                    hNew.set(j, (1 - u) * n + u * hs[l].get(j));
                }
                s.zn[l] = zn;
            } else {
                for (int j = 0; j < h; j++) {
                    a.set(j, Math.tanh(a.get(j)));
                    hNew.set(j, a.get(j));
                }
            }
            s.gates[l] = a;
            s.hOut[l] = hNew;
            hs[l] = hNew;
            in = hNew;
        }
        double y = p[off(layout.outBias)];
        for (int j = 0; j < h; j++) {
            y += p[off(layout.outWeights) + j] * in.get(j);
        }
        s.y = y;
        return s;
    }

    private void load(double[] state, DMatrixRMaj[] hs, DMatrixRMaj[] cs) {
        for (int l = 0; l < layout.layers; l++) {
            hs[l] = new DMatrixRMaj(h, 1);
            cs[l] = new DMatrixRMaj(h, 1);
            for (int j = 0; j < h; j++) {
                hs[l].set(j, state[layout.h(l) + j]);
                if (layout.cell == CellType.LSTM) {
                    cs[l].set(j, state[layout.h(l) + h + j]);
                }
            }
        }
    }

    /** One streaming step: updates {@code state} in place, returns y. */
    public double step(double[] p, double[] state, double[] x) {
        DMatrixRMaj[] hs = new DMatrixRMaj[layout.layers];
        DMatrixRMaj[] cs = new DMatrixRMaj[layout.layers];
        load(state, hs, cs);
        Step s = forward(p, hs, cs, new DMatrixRMaj(x.length, 1, true, x));
        for (int l = 0; l < layout.layers; l++) {
            for (int j = 0; j < h; j++) {
                state[layout.h(l) + j] = hs[l].get(j);
                if (layout.cell == CellType.LSTM) {
                    state[layout.h(l) + h + j] = cs[l].get(j);
                }
            }
        }
        return s.y;
    }

    /** L = 1/(2T) sum (y_t - target_t)^2 + l2/2 |W|^2 and its gradient, by textbook BPTT. */
    public double lossAndGradient(double[] p, double[] start, double[] xs, double[] targets, int steps,
            double l2, double[] grad) {
        int layers = layout.layers;
        int in = layout.inputSize;
        DMatrixRMaj[] hs = new DMatrixRMaj[layers];
        DMatrixRMaj[] cs = new DMatrixRMaj[layers];
        load(start, hs, cs);
        Step[] trace = new Step[steps];
        double loss = 0;
        for (int t = 0; t < steps; t++) {
            double[] x = java.util.Arrays.copyOfRange(xs, t * in, t * in + in);
            trace[t] = forward(p, hs, cs, new DMatrixRMaj(in, 1, true, x));
            double e = trace[t].y - targets[t];
            loss += e * e / (2.0 * steps);
        }
        DMatrixRMaj[] gw = new DMatrixRMaj[layers];
        DMatrixRMaj[] gb = new DMatrixRMaj[layers];
        DMatrixRMaj[] dhNext = new DMatrixRMaj[layers];
        DMatrixRMaj[] dcNext = new DMatrixRMaj[layers];
        for (int l = 0; l < layers; l++) {
            gw[l] = new DMatrixRMaj(layout.rows, layout.cols(l));
            gb[l] = new DMatrixRMaj(layout.rows, 1);
            dhNext[l] = new DMatrixRMaj(h, 1);
            dcNext[l] = new DMatrixRMaj(h, 1);
        }
        double[] gwy = new double[h];
        double gby = 0;
        for (int t = steps - 1; t >= 0; t--) {
            Step s = trace[t];
            double dy = (s.y - targets[t]) / steps;
            DMatrixRMaj dh = new DMatrixRMaj(h, 1);
            for (int j = 0; j < h; j++) {
                gwy[j] += dy * s.hOut[layers - 1].get(j);
                dh.set(j, dy * p[off(layout.outWeights) + j]);
            }
            gby += dy;
            for (int l = layers - 1; l >= 0; l--) {
                CommonOps_DDRM.addEquals(dh, dhNext[l]);
                DMatrixRMaj w = weight(p, l);
                DMatrixRMaj g = s.gates[l];
                DMatrixRMaj da = new DMatrixRMaj(layout.rows, 1);
                DMatrixRMaj dz = new DMatrixRMaj(layout.cols(l), 1);
                int inL = layout.in(l);
                if (layout.cell == CellType.LSTM) {
                    for (int j = 0; j < h; j++) {
                        double i = g.get(j);
                        double f = g.get(h + j);
                        double gg = g.get(2 * h + j);
                        double o = g.get(3 * h + j);
                        double tc = Math.tanh(s.c[l].get(j));
                        double dc = dh.get(j) * o * (1 - tc * tc) + dcNext[l].get(j);
                        da.set(j, dc * gg * i * (1 - i));
                        da.set(h + j, dc * s.cPrev[l].get(j) * f * (1 - f));
                        da.set(2 * h + j, dc * i * (1 - gg * gg));
                        da.set(3 * h + j, dh.get(j) * tc * o * (1 - o));
                        dcNext[l].set(j, dc * f);
                    }
                    CommonOps_DDRM.multAddTransB(da, s.z[l], gw[l]);
                    CommonOps_DDRM.multTransA(w, da, dz);
                } else if (layout.cell == CellType.GRU) {
                    DMatrixRMaj dhPrev = new DMatrixRMaj(h, 1);
                    for (int j = 0; j < h; j++) {
                        double u = g.get(h + j);
                        double n = g.get(2 * h + j);
                        da.set(2 * h + j, dh.get(j) * (1 - u) * (1 - n * n));
                        da.set(h + j, dh.get(j) * (s.hPrev[l].get(j) - n) * u * (1 - u));
                        dhPrev.set(j, dh.get(j) * u);
                    }
                    DMatrixRMaj wn = CommonOps_DDRM.extract(w, 2 * h, 3 * h, 0, w.numCols);
                    DMatrixRMaj dan = CommonOps_DDRM.extract(da, 2 * h, 3 * h, 0, 1);
                    DMatrixRMaj dzn = new DMatrixRMaj(w.numCols, 1);
                    CommonOps_DDRM.multTransA(wn, dan, dzn);
                    for (int j = 0; j < h; j++) {
                        double drh = dzn.get(inL + j);
                        double r = g.get(j);
                        da.set(j, drh * s.hPrev[l].get(j) * r * (1 - r));
                        dhPrev.set(j, dhPrev.get(j) + drh * r);
                    }
                    DMatrixRMaj wrz = CommonOps_DDRM.extract(w, 0, 2 * h, 0, w.numCols);
                    DMatrixRMaj darz = CommonOps_DDRM.extract(da, 0, 2 * h, 0, 1);
                    DMatrixRMaj dzrz = new DMatrixRMaj(w.numCols, 1);
                    CommonOps_DDRM.multTransA(wrz, darz, dzrz);
                    DMatrixRMaj gRz = new DMatrixRMaj(2 * h, w.numCols);
                    CommonOps_DDRM.multTransB(darz, s.z[l], gRz);
                    DMatrixRMaj gN = new DMatrixRMaj(h, w.numCols);
                    CommonOps_DDRM.multTransB(dan, s.zn[l], gN);
                    for (int r = 0; r < 2 * h; r++) {
                        for (int c = 0; c < w.numCols; c++) {
                            gw[l].add(r, c, gRz.get(r, c));
                        }
                    }
                    for (int r = 0; r < h; r++) {
                        for (int c = 0; c < w.numCols; c++) {
                            gw[l].add(2 * h + r, c, gN.get(r, c));
                        }
                    }
                    for (int c = 0; c < w.numCols; c++) {
                        double v = dzrz.get(c);
                        if (c < inL) {
                            v += dzn.get(c);
                        } else {
                            v += dhPrev.get(c - inL);
                        }
                        dz.set(c, v);
                    }
                } else {
                    for (int j = 0; j < h; j++) {
                        double v = g.get(j);
                        da.set(j, dh.get(j) * (1 - v * v));
                    }
                    CommonOps_DDRM.multAddTransB(da, s.z[l], gw[l]);
                    CommonOps_DDRM.multTransA(w, da, dz);
                }
                CommonOps_DDRM.addEquals(gb[l], da);
                dhNext[l] = CommonOps_DDRM.extract(dz, inL, inL + h, 0, 1);
                dh = CommonOps_DDRM.extract(dz, 0, inL, 0, 1);
            }
        }
        java.util.Arrays.fill(grad, 0);
        double penalty = 0;
        for (int l = 0; l < layers; l++) {
            int rows = layout.rows;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < layout.cols(l); c++) {
                    int i = off(layout.column(l, c)) + r;
                    grad[i] = gw[l].get(r, c) + l2 * p[i];
                    penalty += p[i] * p[i];
                }
                grad[off(layout.bias(l)) + r] = gb[l].get(r);
            }
        }
        for (int j = 0; j < h; j++) {
            int i = off(layout.outWeights) + j;
            grad[i] = gwy[j] + l2 * p[i];
            penalty += p[i] * p[i];
        }
        grad[off(layout.outBias)] = gby;
        return loss + 0.5 * l2 * penalty;
    }
}
