package dev.streamforecast.model;

/**
 * Sigmoid and tanh over whole gate vectors, written so the JIT vectorises them.
 *
 * <p>{@code Math.exp} is an intrinsic but scalar: at 160 activations per LSTM-32 step it cost more than
 * the matrix product. Here {@code e^-x = (e^(-x/256))^256}: a degree-10 Taylor polynomial on
 * {@code |x/256| <= 0.16} then eight squarings, all multiply-adds that C2 turns into AVX code. Inputs
 * are clamped to [-40, 40], where sigmoid is within 5e-18 of 0 or 1. Absolute error is below 2e-14
 * against {@code 1/(1+Math.exp(-x))} (checked in {@code ActivationsTest}), far inside what the
 * finite-difference gradient checks resolve.
 *
 * <p>The two passes are separate loops on purpose: one loop holding both is too large for C2 to unroll,
 * and a loop that is not unrolled is not vectorised.
 */
public final class Activations {
    private Activations() {}

    /**
     * {@code a[k] = scale[k] * sigmoid(scale[k] * a[k]) - (scale[k] - 1)} for k in [from, to): with
     * scale 1 a sigmoid, with scale 2 a tanh, since {@code tanh(x) = 2 sigmoid(2x) - 1}. {@code work} is
     * scratch of at least {@code to}.
     */
    public static void gates(double[] a, double[] scale, double[] work, int from, int to) {
        for (int k = from; k < to; k++) {
            work[k] = poly(reduce(scale[k] * a[k]));
        }
        for (int k = from; k < to; k++) {
            double s = scale[k];
            a[k] = s / (1.0 + pow256(work[k])) - (s - 1.0);
        }
    }

    /** -x/256 with x clamped to [-40, 40]: the argument of the polynomial for e^-x. */
    private static double reduce(double x) {
        return Math.max(-40.0, Math.min(40.0, x)) * -0.00390625;
    }

    /** e^256 by eight squarings. */
    private static double pow256(double e) {
        e *= e;
        e *= e;
        e *= e;
        e *= e;
        e *= e;
        e *= e;
        e *= e;
        return e * e;
    }

    /**
     * e^v for |v| <= 0.16 by its degree-10 Taylor polynomial in Horner form with fused multiply-adds
     * (one rounding per step, and C2 vectorises Math.fma into FMA instructions).
     */
    private static double poly(double v) {
        double p = Math.fma(v, 1.0 / 3628800, 1.0 / 362880);
        p = Math.fma(v, p, 1.0 / 40320);
        p = Math.fma(v, p, 1.0 / 5040);
        p = Math.fma(v, p, 1.0 / 720);
        p = Math.fma(v, p, 1.0 / 120);
        p = Math.fma(v, p, 1.0 / 24);
        p = Math.fma(v, p, 1.0 / 6);
        p = Math.fma(v, p, 0.5);
        p = Math.fma(v, p, 1.0);
        return Math.fma(v, p, 1.0);
    }

    /** Scalar sigmoid with the same approximation, for single values and tests. */
    public static double sigmoid(double x) {
        return 1.0 / (1.0 + pow256(poly(reduce(x))));
    }

    /** Scalar tanh with the same approximation. */
    public static double tanh(double x) {
        return 2.0 * sigmoid(2.0 * x) - 1.0;
    }
}
