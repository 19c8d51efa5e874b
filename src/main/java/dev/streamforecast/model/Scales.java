package dev.streamforecast.model;

import java.util.Arrays;

/**
 * Power-of-two units, bounded squares and robust scale estimates: the arithmetic that lets one key's
 * statistics hold any finite double without overflow, collapse or loss.
 *
 * <p>Multiplying by a power of two is exact while the result stays a normal double, so a value kept as
 * {@code v * 2^-e} loses nothing, and a series multiplied by {@code 2^k} gives the same numbers in its
 * own units. Logarithms here are {@link #log2}'s piecewise-linear one, built from the exponent and the
 * mantissa with exact operations only: deterministic on every JVM, and monotone, which is all a scale
 * estimate in the log domain needs.
 */
final class Scales {
    /** Largest deviation squared into a statistic: its square, 2^1000, and sums of a few stay finite. */
    static final double DEVIATION_CAP = 0x1p500;
    /** Largest square held by a statistic. */
    static final double SQUARE_CAP = 0x1p1000;
    /** Largest magnitude a value is held at in its key's units: differences of two stay finite. */
    static final double VALUE_CAP = 0x1p1000;

    private Scales() {}

    /**
     * x * 2^k, correctly rounded (exact while the result is a normal double). One multiplication by a
     * power of two built from its bits where 2^k is a normal double, which costs a fraction of
     * Math.scalb's loop; the hot path calls this about ten times an event.
     */
    static double scalb(double x, int k) {
        if (k >= Double.MIN_EXPONENT && k <= Double.MAX_EXPONENT) {
            return x * Double.longBitsToDouble((long) (k + Double.MAX_EXPONENT) << 52);
        }
        return Math.scalb(x, k);
    }

    /**
     * x^n for n >= 0 by squaring: exact multiplications only, so the same bits on every machine, and
     * unlike StrictMath.pow (fdlibm's, which on JDK 17 allocates) nothing allocated on a hot path.
     */
    static double power(double x, long n) {
        double r = 1.0;
        double b = x;
        for (long k = n; k > 0; k >>= 1) {
            if ((k & 1) != 0) {
                r *= b;
            }
            b *= b;
        }
        return r;
    }

    /** floor(log2 |x|) for a non-zero finite x, subnormals included. */
    static int exponent(double x) {
        int e = Math.getExponent(x);
        return e >= Double.MIN_EXPONENT ? e : Math.getExponent(x * 0x1p64) - 64;
    }

    /** log2 |x| by linear interpolation between powers of two, for a non-zero finite x: e + (m - 1). */
    static double log2(double x) {
        return log2(x, 0);
    }

    /**
     * {@link #log2}(x * 2^-shift), computed from x itself so that it is right even where x * 2^-shift
     * is too small for a double; its integer part is formed first, so x and x * 2^k with shift + k give
     * the same bits.
     */
    static double log2(double x, int shift) {
        int e = exponent(x);
        return (e - shift) + (mantissa(x) - 1.0);
    }

    /** |x| * 2^-exponent(x), in [1, 2), for a non-zero finite x: its significand, from its bits. */
    private static double mantissa(double x) {
        double normal = Math.getExponent(x) >= Double.MIN_EXPONENT ? x : x * 0x1p64;
        return Double.longBitsToDouble((Double.doubleToRawLongBits(normal) & 0x000f_ffff_ffff_ffffL)
                | 0x3ff0_0000_0000_0000L);
    }

    /** The inverse of {@link #log2}: 2^floor(l) * (1 + frac(l)). */
    static double pow2(double l) {
        double f = Math.floor(l);
        int e = f > 2000 ? 2000 : (f < -2000 ? -2000 : (int) f);
        return scalb(1.0 + (l - f), e);
    }

    /** d clamped to +-{@link #DEVIATION_CAP}, so that its square is finite. */
    static double capDeviation(double d) {
        return d > DEVIATION_CAP ? DEVIATION_CAP : (d < -DEVIATION_CAP ? -DEVIATION_CAP : d);
    }

    /** x * 2^-shift, held within +-{@link #VALUE_CAP}. */
    static double rescale(double x, int shift) {
        double v = scalb(x, -shift);
        return v > VALUE_CAP ? VALUE_CAP : (v < -VALUE_CAP ? -VALUE_CAP : v);
    }

    /** A square (or mean square) x in units rescaled by 2^shift: x * 2^-2shift, at most {@link #SQUARE_CAP}. */
    static double rescaleSquare(double x, int shift) {
        return Math.min(scalb(x, -2 * shift), SQUARE_CAP);
    }

    /** Rescales {@code a[from], a[from + stride], ...} (one column of a row-major window) by 2^-shift. */
    static void rescale(double[] a, int from, int stride, int shift) {
        for (int k = from; k < a.length; k += stride) {
            a[k] = rescale(a[k], shift);
        }
    }

    /** The median of {@code a[0..n)}, n >= 1; sorts that range in place. */
    static double median(double[] a, int n) {
        Arrays.sort(a, 0, n);
        return (n & 1) == 1 ? a[n / 2] : 0.5 * a[n / 2 - 1] + 0.5 * a[n / 2];
    }

    /**
     * A robust mean square of the deviations {@code a[0..n)} (each already measured from a centre): the
     * mean of their squares, each winsorised at {@code clip} robust deviations, where a robust deviation
     * is 1.4826 times the median of the non-zero |deviations| (the standard deviation, for normal data).
     * Zero deviations count in the mean but not in the median, so a series with many ties keeps the
     * scale of its real moves. Sorts {@code a[0..n)} by magnitude in place. Zero when all are zero.
     */
    static double robustMeanSquare(double[] a, int n, double clip) {
        int nonzero = 0;
        for (int k = 0; k < n; k++) {
            double v = Math.abs(a[k]);
            a[k] = v;
            if (v != 0) {
                nonzero++;
            }
        }
        if (nonzero == 0) {
            return 0.0;
        }
        Arrays.sort(a, 0, n);
        int first = n - nonzero;
        int mid = first + nonzero / 2;
        double median = (nonzero & 1) == 1 ? a[mid] : 0.5 * a[mid - 1] + 0.5 * a[mid];
        double limit = clip * 1.4826 * median;
        double sum = 0;
        for (int k = 0; k < n; k++) {
            double v = capDeviation(Math.min(a[k], limit));
            sum += v * v;
        }
        return sum / n;
    }
}
