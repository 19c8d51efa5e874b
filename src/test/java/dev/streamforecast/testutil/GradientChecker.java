package dev.streamforecast.testutil;

import java.util.function.ToDoubleFunction;

/** Central finite differences of a scalar function of a parameter vector, in double precision. */
public final class GradientChecker {
    private GradientChecker() {}

    /** The largest relative error between {@code analytic} and the numerical gradient of {@code f}. */
    public static double maxRelativeError(double[] p, double[] analytic, ToDoubleFunction<double[]> f,
            double h) {
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
            double keep = p[i];
            p[i] = keep + h;
            double up = f.applyAsDouble(p);
            p[i] = keep - h;
            double down = f.applyAsDouble(p);
            p[i] = keep;
            double numeric = (up - down) / (2 * h);
            double a = analytic[i];
            double denominator = Math.max(Math.abs(a) + Math.abs(numeric), 1e-7);
            worst = Math.max(worst, Math.abs(a - numeric) / denominator);
        }
        return worst;
    }
}
