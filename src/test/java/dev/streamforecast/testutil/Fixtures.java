package dev.streamforecast.testutil;

import java.util.Random;

/** Deterministic inputs for model tests. */
public final class Fixtures {
    private Fixtures() {}

    public static double[] uniform(Random rnd, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (2 * rnd.nextDouble() - 1) * scale;
        }
        return a;
    }

    /** y_t = sin(2 pi t / period) + noise * N(0, 1). */
    public static double[] noisySine(int n, double period, double noise, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = Math.sin(2 * Math.PI * t / period) + noise * rnd.nextGaussian();
        }
        return y;
    }

    /** y_t = a1 y_{t-1} + a2 y_{t-2} + N(0, sigma^2). */
    public static double[] ar2(int n, double a1, double a2, double sigma, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        for (int t = 2; t < n; t++) {
            y[t] = a1 * y[t - 1] + a2 * y[t - 2] + sigma * rnd.nextGaussian();
        }
        return y;
    }
}
