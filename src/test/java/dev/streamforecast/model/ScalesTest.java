package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ScalesTest {

    @Test
    void scalbIsMathScalbWhereverTheResultIsNormal() {
        Random rnd = new Random(4);
        for (int i = 0; i < 100_000; i++) {
            double x = (rnd.nextDouble() - 0.5) * Math.scalb(1.0, rnd.nextInt(200) - 100);
            int k = rnd.nextInt(2200) - 1100;
            double expected = Math.scalb(x, k);
            if (expected == 0 || Math.abs(expected) >= Double.MIN_NORMAL) {
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(Scales.scalb(x, k)),
                        x + " * 2^" + k);
            } else {
                assertEquals(expected, Scales.scalb(x, k), Math.ulp(Double.MIN_VALUE), x + " * 2^" + k);
            }
        }
        assertEquals(Double.POSITIVE_INFINITY, Scales.scalb(1.5, 1023 + 1));
        assertEquals(Double.MIN_VALUE, Scales.scalb(1.0, -1074));
    }

    @Test
    void exponentIsFloorOfLog2ForNormalsAndSubnormals() {
        assertEquals(0, Scales.exponent(1.0));
        assertEquals(0, Scales.exponent(-1.999));
        assertEquals(-1, Scales.exponent(0.5));
        assertEquals(1023, Scales.exponent(Double.MAX_VALUE));
        assertEquals(-1022, Scales.exponent(Double.MIN_NORMAL));
        assertEquals(-1074, Scales.exponent(Double.MIN_VALUE));
        assertEquals(-1030, Scales.exponent(Math.scalb(1.5, -1030)));
    }

    @Test
    void log2IsExactAtPowersOfTwoMonotoneAndInvertedByPow2() {
        Random rnd = new Random(1);
        double previous = Double.NEGATIVE_INFINITY;
        for (int k = -1074; k <= 1023; k++) {
            double x = Math.scalb(1.0, k);
            assertEquals(k, Scales.log2(x));
            assertTrue(Scales.log2(x) > previous);
            previous = Scales.log2(x);
        }
        for (int i = 0; i < 10_000; i++) {
            double x = Math.scalb(1 + rnd.nextDouble(), rnd.nextInt(2000) - 1000);
            double l = Scales.log2(x);
            assertEquals(Math.log(x) / Math.log(2), l, 0.09, "log2 " + x);
            assertEquals(x, Scales.pow2(l), 1e-12 * x);
        }
    }

    @Test
    void log2WithAShiftGivesTheSameBitsForAScaledValue() {
        Random rnd = new Random(2);
        for (int i = 0; i < 10_000; i++) {
            double x = (rnd.nextDouble() - 0.5) * 1e3;
            int k = rnd.nextInt(1600) - 800;
            int shift = rnd.nextInt(200) - 100;
            assertEquals(Double.doubleToRawLongBits(Scales.log2(x, shift)),
                    Double.doubleToRawLongBits(Scales.log2(Math.scalb(x, k), shift + k)));
        }
        // and it is right where x * 2^-shift is too small for a double
        assertEquals(-1100.0, Scales.log2(Math.scalb(1.0, -100), 1000));
    }

    @Test
    void rescalingIsExactAndHeldWithinTheCaps() {
        assertEquals(Math.scalb(3.0, -40), Scales.rescale(3.0, 40));
        assertEquals(Scales.VALUE_CAP, Scales.rescale(1e300, -300));
        assertEquals(-Scales.VALUE_CAP, Scales.rescale(-1e300, -300));
        assertEquals(Math.scalb(3.0, -80), Scales.rescaleSquare(3.0, 40));
        assertEquals(Scales.SQUARE_CAP, Scales.rescaleSquare(1e300, -300));
        assertEquals(Scales.DEVIATION_CAP, Scales.capDeviation(Double.MAX_VALUE));
        assertTrue(Double.isFinite(Scales.DEVIATION_CAP * Scales.DEVIATION_CAP * 8));
        double[] window = {1, 10, 2, 20, 4, 40};
        Scales.rescale(window, 1, 2, 1);
        assertEquals(java.util.List.of(1.0, 5.0, 2.0, 10.0, 4.0, 20.0),
                java.util.Arrays.stream(window).boxed().collect(java.util.stream.Collectors.toList()));
    }

    @Test
    void robustMeanSquareIgnoresAWildValueAndTies() {
        Random rnd = new Random(3);
        double[] a = new double[400];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextGaussian();
        }
        double plain = Scales.robustMeanSquare(a.clone(), a.length, Double.POSITIVE_INFINITY);
        assertEquals(1.0, plain, 0.15);
        a[7] = 1e160;
        // the wild value counts as 8 robust deviations: 64 / 400 more, not 1e320 / 400
        double robust = Scales.robustMeanSquare(a.clone(), a.length, 8);
        assertEquals(plain + 64.0 / a.length, robust, 0.05);
        // ties: three zero deviations in four do not make the scale zero
        double[] ties = {0, 0, 0, 2};
        assertEquals(1.0, Scales.robustMeanSquare(ties, 4, 8));
        assertEquals(0.0, Scales.robustMeanSquare(new double[] {0, 0}, 2, 8));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Scales.median(new double[] {3, 1, 2}, 3));
        assertEquals(2.5, Scales.median(new double[] {4, 1, 3, 2}, 4));
        assertEquals(5.0, Scales.median(new double[] {5, 1e300}, 1));
    }
}
