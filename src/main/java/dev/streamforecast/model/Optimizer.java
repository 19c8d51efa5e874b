package dev.streamforecast.model;

/**
 * Parameter updates from a gradient, in place on the parameter and moment arrays.
 *
 * <p>The arithmetic is double precision; what is kept (parameters and moments) is rounded to float32
 * after every update ({@link Float32}), so the state's binary form stores it in four bytes without loss.
 */
public final class Optimizer {
    private Optimizer() {}

    /**
     * One Adam step on {@code p} with gradient {@code scale * g}, advancing the state's step counter.
     *
     * <pre>
     * m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
     * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
     * </pre>
     * each of m, v and p rounded to float32 as it is stored.
     */
    public static void adam(SeriesState s, double[][] g, double scale, double lr, double b1, double b2,
            double eps) {
        long t = ++s.adamStep;
        // b^t by squaring, in exactly rounded multiplications: the same bits on every JVM and CPU, so
        // replays and restores agree everywhere, and no allocation (StrictMath.pow's Java fdlibm allocates
        // a work array whenever the JIT does not inline it away)
        double c1 = 1.0 / (1.0 - Scales.power(b1, t));
        double c2 = 1.0 / (1.0 - Scales.power(b2, t));
        adam(s.params, s.adamM, s.adamV, c1, c2, g, scale, lr, b1, b2, eps);
    }

    /**
     * {@link #adam(SeriesState, double[][], double, double, double, double, double)} on bare tensors, with
     * the bias corrections given: {@code c1 = 1 / (1 - b1^t)}, {@code c2 = 1 / (1 - b2^t)} at step t.
     */
    public static void adam(double[][] p, double[][] m, double[][] v, double c1, double c2, double[][] g,
            double scale, double lr, double b1, double b2, double eps) {
        for (int i = 0; i < g.length; i++) {
            adam(p[i], m[i], v[i], g[i], scale, lr, b1, b2, eps, c1, c2);
        }
    }

    private static void adam(double[] p, double[] m, double[] v, double[] g, double scale, double lr,
            double b1, double b2, double eps, double c1, double c2) {
        double a1 = 1.0 - b1;
        double a2 = 1.0 - b2;
        for (int k = 0; k < p.length; k++) {
            double gk = g[k] * scale;
            double mk = Float32.round(b1 * m[k] + a1 * gk);
            double vk = Float32.round(b2 * v[k] + a2 * gk * gk);
            m[k] = mk;
            v[k] = vk;
            p[k] = Float32.round(p[k] - lr * (mk * c1) / (Math.sqrt(vk * c2) + eps));
        }
    }

    /** One plain gradient step: {@code p -= lr * scale * g}, rounded to float32 as it is stored. */
    public static void sgd(double[][] p, double[][] g, double scale, double lr) {
        double f = lr * scale;
        for (int i = 0; i < g.length; i++) {
            double[] pi = p[i];
            double[] gi = g[i];
            for (int k = 0; k < pi.length; k++) {
                pi[k] = Float32.round(pi[k] - f * gi[k]);
            }
        }
    }
}
