package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

/**
 * The regressions of many keys' linear parts, pooled in scale-free units: the covariance each key's
 * recursive least squares uses in place of a covariance of its own, and a pooled autoregression that
 * every key's coefficients are an offset from. It is what lets a key's linear part keep 48 lags in a
 * kilobyte of state instead of the 18 KB of its own 48 x 48 covariance.
 *
 * <p>Each key gives its regression rows (x, d), each weighted as its own recursive least squares
 * weighs it (Huber, reliability), in units of that key's typical difference: x~ = x / rms, d~ = d / rms
 * (a key at any scale gives the same numbers). A key's extra regressors (level, constant, calendar) come
 * multiplied by its rms, so x~ holds them as the unitless inputs they are, the same for every key
 * ({@link OnlineAutoRegression} prepares the row). The pool keeps their exponentially forgotten second
 * moments, {@code M = sum lambda^age w x~ x~'}, {@code m = sum lambda^age w x~ d~} and their weight
 * {@code W = sum lambda^age w}, and every {@value #REFRESH} rows it re-factorises the mean
 * {@code R = (M + I) / (W + 1)} (one pseudo-row of white noise keeps it positive definite) into
 * R^-1 and the pooled coefficients {@code theta = (M + I)^-1 m}. Between refreshes both are fixed, so a
 * key's gain costs one product by R^-1, and the pool moves in deterministic steps of whole blocks
 * (forgetting lambda^REFRESH per block).
 *
 * <p>Why it works: a key's coefficients are learned by stochastic Newton steps with the pooled R in
 * place of its own; whatever R is, as long as it is positive definite, the fixed point is the key's own
 * least-squares fit, E[x (d - theta'x)] = 0. With one key the pool is that key's own covariance and the
 * update is recursive least squares. The state is held by the shared network (operator state), the
 * coefficients' offsets by each key.
 */
public final class PooledCovariance {
    /** Rows between re-factorisations: a 50 x 50 factor and inverse every 64 rows are about 1,000 multiply-adds a row. */
    static final int REFRESH = 64;
    /** Bumped whenever the binary form changes. */
    public static final int SCHEMA_VERSION = 1;

    final int n;
    final double forgetting;
    /** M and m as of the last refresh; M's upper triangle (j >= i) is what is kept. */
    final double[][] moments;
    final double[] cross;
    double weight;
    /** The rows taken since the last refresh, not yet forgotten. */
    final double[][] block;
    final double[] blockCross;
    double blockWeight;
    int blockRows;
    /** Rows taken in all. */
    long rows;
    /** R^-1 (full, row by row) and the pooled coefficients, as of the last refresh. */
    final double[][] inverse;
    final double[] theta;

    private final DMatrixRMaj a;
    private final DMatrixRMaj factor;
    private final CholeskyDecomposition_F64<DMatrixRMaj> cholesky;
    /** L^-1, row by row, zero right of the diagonal. */
    private final double[][] lowerInverse;
    private final double[] scaled;

    public PooledCovariance(int n, double forgetting) {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one coefficient, got " + n);
        }
        this.n = n;
        this.forgetting = forgetting;
        moments = new double[n][n];
        cross = new double[n];
        block = new double[n][n];
        blockCross = new double[n];
        inverse = new double[n][n];
        theta = new double[n];
        a = new DMatrixRMaj(n, n);
        factor = new DMatrixRMaj(n, n);
        cholesky = DecompositionFactory_DDRM.chol(n, true);
        lowerInverse = new double[n][n];
        scaled = new double[n];
        refactor();
    }

    public int size() {
        return n;
    }

    /** Rows taken in all. */
    public long rows() {
        return rows;
    }

    /** The pooled coefficients' forecast of the next difference from the regressor x: theta . x. */
    double predict(double[] x) {
        return Network.dot(theta, x, 0, n);
    }

    /**
     * px = R^-1 x; returns x' R^-1 x. R^-1 is symmetric, so px is the sum of its rows weighted by x, four
     * rows to a pass over px: vector operations over whole rows, five times as fast as a dot product per
     * row.
     */
    double solve(double[] x, double[] px) {
        Arrays.fill(px, 0, n, 0.0);
        int j = 0;
        for (; j + 3 < n; j += 4) {
            Network.axpy4(inverse[j], x[j], inverse[j + 1], x[j + 1], inverse[j + 2], x[j + 2], inverse[j + 3],
                    x[j + 3], px, 0, n);
        }
        for (; j < n; j++) {
            Network.axpy(inverse[j], x[j], px, 0, n);
        }
        return Network.dot(x, px, 0, n);
    }

    /**
     * Takes a key's regression row: regressor x and target d in the key's units, rms its typical
     * difference there, w the row's weight. Re-factorises every {@value #REFRESH} rows.
     */
    void add(double[] x, double d, double rms, double w) {
        double u = 1.0 / rms;
        for (int i = 0; i < n; i++) {
            scaled[i] = x[i] * u;
        }
        double du = d * u;
        for (int i = 0; i < n; i++) {
            // M += w x~ x~'   (upper triangle)
            double wi = w * scaled[i];
            Network.axpy(scaled, wi, block[i], i, n);
            blockCross[i] += wi * du;
        }
        blockWeight += w;
        blockRows++;
        rows++;
        if (blockRows == REFRESH) {
            refresh();
        }
    }

    /** Folds the block in, forgetting the old moments by lambda^REFRESH, and re-factorises. */
    private void refresh() {
        double f = 1.0;
        for (int k = 0; k < blockRows; k++) {
            f *= forgetting;
        }
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                moments[i][j] = f * moments[i][j] + block[i][j];
            }
            cross[i] = f * cross[i] + blockCross[i];
            Arrays.fill(block[i], 0.0);
        }
        Arrays.fill(blockCross, 0.0);
        weight = f * weight + blockWeight;
        blockWeight = 0;
        blockRows = 0;
        refactor();
    }

    /**
     * R^-1 = ((M + I) / (W + 1))^-1 and theta = (M + I)^-1 m from EJML's Cholesky factor, M + I = L L':
     * (M + I)^-1 = L^-T L^-1, each built by rows from whole rows of L^-1, four to a pass, so that the
     * work is vector operations (about half the time of EJML's scalar inverse). A factorisation that
     * fails (a non-finite moment) starts the pool afresh, from R = I and theta = 0.
     */
    private void refactor() {
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double v = moments[i][j] + (i == j ? 1.0 : 0.0);
                a.unsafe_set(i, j, v);
                a.unsafe_set(j, i, v);
            }
        }
        if (!cholesky.decompose(a)) {
            reset();
            return;
        }
        cholesky.getT(factor);
        double[][] li = lowerInverse;
        // row i of L^-1 = (e_i - sum over k < i of L[i][k] row k) / L[i][i]
        for (int i = 0; i < n; i++) {
            double[] row = li[i];
            Arrays.fill(row, 0.0);
            row[i] = 1.0;
            int k = 0;
            for (; k + 3 < i; k += 4) {
                Network.axpy4(li[k], -factor.unsafe_get(i, k), li[k + 1], -factor.unsafe_get(i, k + 1), li[k + 2],
                        -factor.unsafe_get(i, k + 2), li[k + 3], -factor.unsafe_get(i, k + 3), row, 0, k + 4);
            }
            for (; k < i; k++) {
                Network.axpy(li[k], -factor.unsafe_get(i, k), row, 0, k + 1);
            }
            double d = factor.unsafe_get(i, i);
            for (int j = 0; j <= i; j++) {
                row[j] /= d;
            }
        }
        // (M + I)^-1 [i][j] = sum over k >= i of L^-1[k][i] L^-1[k][j], for j <= i, mirrored: exactly symmetric
        double total = weight + 1.0;
        for (int i = 0; i < n; i++) {
            double[] row = inverse[i];
            Arrays.fill(row, 0, i + 1, 0.0);
            int k = i;
            for (; k + 3 < n; k += 4) {
                Network.axpy4(li[k], li[k][i], li[k + 1], li[k + 1][i], li[k + 2], li[k + 2][i], li[k + 3],
                        li[k + 3][i], row, 0, i + 1);
            }
            for (; k < n; k++) {
                Network.axpy(li[k], li[k][i], row, 0, i + 1);
            }
            for (int j = 0; j <= i; j++) {
                row[j] *= total;
                inverse[j][i] = row[j];
            }
        }
        // theta = L^-T (L^-1 m)
        Arrays.fill(theta, 0.0);
        for (int k = 0; k < n; k++) {
            Network.axpy(li[k], Network.dot(li[k], cross, 0, k + 1), theta, 0, k + 1);
        }
        boolean finite = true;
        for (int i = 0; i < n; i++) {
            finite &= Double.isFinite(theta[i]) && Double.isFinite(inverse[i][i]);
        }
        if (!finite) {
            reset();
        }
    }

    private void reset() {
        for (int i = 0; i < n; i++) {
            Arrays.fill(moments[i], 0.0);
            Arrays.fill(block[i], 0.0);
            Arrays.fill(inverse[i], 0.0);
            inverse[i][i] = 1.0;
        }
        Arrays.fill(cross, 0.0);
        Arrays.fill(blockCross, 0.0);
        Arrays.fill(theta, 0.0);
        weight = 0;
        blockWeight = 0;
        blockRows = 0;
    }

    /**
     * The pool of several replicas' pools, in the order given: each moment the mean of theirs, the block
     * folded in, then re-factorised. Every instance that merges the same replicas gets the same pool.
     */
    static PooledCovariance merge(java.util.List<PooledCovariance> pools) {
        PooledCovariance first = pools.get(0);
        PooledCovariance m = new PooledCovariance(first.n, first.forgetting);
        double k = 1.0 / pools.size();
        for (PooledCovariance p : pools) {
            if (p.n != m.n) {
                throw new IllegalArgumentException("pools of " + p.n + " and " + m.n + " coefficients");
            }
            for (int i = 0; i < m.n; i++) {
                for (int j = i; j < m.n; j++) {
                    m.moments[i][j] += k * (p.moments[i][j] + p.block[i][j]);
                }
                m.cross[i] += k * (p.cross[i] + p.blockCross[i]);
            }
            m.weight += k * (p.weight + p.blockWeight);
            m.rows = Math.max(m.rows, p.rows);
        }
        m.refactor();
        return m;
    }

    /** Takes {@code other}'s moments, block and counts (same size), and re-factorises. */
    void adopt(PooledCovariance other) {
        for (int i = 0; i < n; i++) {
            System.arraycopy(other.moments[i], 0, moments[i], 0, n);
            System.arraycopy(other.block[i], 0, block[i], 0, n);
        }
        System.arraycopy(other.cross, 0, cross, 0, n);
        System.arraycopy(other.blockCross, 0, blockCross, 0, n);
        weight = other.weight;
        blockWeight = other.blockWeight;
        blockRows = other.blockRows;
        rows = other.rows;
        refactor();
    }

    /** The moments and the block, bit for bit; R^-1 and theta are derived from them on reading. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(SCHEMA_VERSION);
        out.writeInt(n);
        out.writeDouble(forgetting);
        out.writeLong(rows);
        out.writeDouble(weight);
        out.writeDouble(blockWeight);
        out.writeInt(blockRows);
        for (int i = 0; i < n; i++) {
            out.writeDouble(cross[i]);
            out.writeDouble(blockCross[i]);
            for (int j = i; j < n; j++) {
                out.writeDouble(moments[i][j]);
                out.writeDouble(block[i][j]);
            }
        }
    }

    public static PooledCovariance readFrom(DataInput in) throws IOException {
        int version = in.readInt();
        if (version != SCHEMA_VERSION) {
            throw new IOException("unsupported pooled covariance schema version " + version + " (this build reads "
                    + SCHEMA_VERSION + ")");
        }
        int n = in.readInt();
        if (n < 1 || n > 4096) {
            throw new IOException("corrupt pooled covariance: " + n + " coefficients");
        }
        PooledCovariance p = new PooledCovariance(n, in.readDouble());
        p.rows = in.readLong();
        p.weight = in.readDouble();
        p.blockWeight = in.readDouble();
        p.blockRows = in.readInt();
        for (int i = 0; i < n; i++) {
            p.cross[i] = in.readDouble();
            p.blockCross[i] = in.readDouble();
            for (int j = i; j < n; j++) {
                p.moments[i][j] = in.readDouble();
                p.block[i][j] = in.readDouble();
            }
        }
        p.refactor();
        return p;
    }

    /** Bitwise equality of what is kept (the derived inverse and coefficients follow from it). */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PooledCovariance)) {
            return false;
        }
        PooledCovariance p = (PooledCovariance) o;
        return n == p.n && rows == p.rows && blockRows == p.blockRows
                && Double.compare(weight, p.weight) == 0 && Double.compare(blockWeight, p.blockWeight) == 0
                && Arrays.deepEquals(moments, p.moments) && Arrays.deepEquals(block, p.block)
                && Arrays.equals(cross, p.cross) && Arrays.equals(blockCross, p.blockCross);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(rows) * 31 + Arrays.hashCode(cross);
    }
}
