package dev.streamforecast.model;

/** Parameter updates from a gradient, in place on the flat parameter and moment arrays. */
public final class Optimizer {
    private Optimizer() {}

    /**
     * One Adam step on {@code p} with gradient {@code scale * g}, advancing the state's step counter.
     *
     * <pre>
     * m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
     * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
     * </pre>
     */
    public static void adam(SeriesState s, double[] g, double scale, double lr, double b1, double b2,
            double eps) {
        long t = ++s.adamStep;
        double c1 = 1.0 / (1.0 - Math.pow(b1, t));
        double c2 = 1.0 / (1.0 - Math.pow(b2, t));
        double[] p = s.params;
        double[] m = s.adamM;
        double[] v = s.adamV;
        double a1 = 1.0 - b1;
        double a2 = 1.0 - b2;
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] * scale;
            double mi = b1 * m[i] + a1 * gi;
            double vi = b2 * v[i] + a2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= lr * (mi * c1) / (Math.sqrt(vi * c2) + eps);
        }
    }

    /** One plain gradient step: {@code p -= lr * scale * g}. */
    public static void sgd(double[] p, double[] g, double scale, double lr) {
        double k = lr * scale;
        for (int i = 0; i < p.length; i++) {
            p[i] -= k * g[i];
        }
    }
}
