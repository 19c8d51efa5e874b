package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Float32Test {

    /** A double anywhere in the range the rounding is promised for, from random bit patterns. */
    private static double anyDouble(SplittableRandom random) {
        double x;
        do {
            x = Double.longBitsToDouble(random.nextLong());
        } while (Double.isNaN(x) || Math.abs(x) >= 0x1p994);
        return x;
    }

    @Test
    void roundingKeeps24SignificantBitsToNearest() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 3_000_000; i++) {
            double x = i % 2 == 0 ? anyDouble(random)
                    : (random.nextDouble() * 2 - 1) * Math.scalb(1.0, random.nextInt(-160, 140));
            double r = Float32.round(x);
            // at most 24 significant bits: the 29 low bits of the 53-bit significand are zero
            long significand = Double.doubleToRawLongBits(r) & 0xf_ffff_ffff_ffffL;
            if (Math.getExponent(r) >= Double.MIN_EXPONENT) {
                assertEquals(0, significand & ((1L << 29) - 1), () -> x + " rounded to " + r);
            }
            // to nearest: within half a unit of the 24th bit
            double half = Math.scalb(1.0, Math.getExponent(x) - 24);
            assertTrue(Math.abs(r - x) <= half, () -> x + " rounded to " + r + ", too far");
            // and a float holds it wherever floats are normal
            if (Math.abs(r) >= Float.MIN_NORMAL && Math.abs(r) <= Float.MAX_VALUE) {
                assertTrue(Float32.isExact(r), () -> x + " rounded to " + r + ", which a float does not hold");
            }
        }
    }

    @Test
    void floatsAreLeftAloneAndRoundingIsIdempotent() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 1_000_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (!Float.isNaN(f) && !Float.isInfinite(f)) {
                assertEquals(Double.doubleToLongBits(f), Double.doubleToLongBits(Float32.round(f)), () -> "moved " + f);
            }
            double r = Float32.round(anyDouble(random));
            assertEquals(Double.doubleToLongBits(r), Double.doubleToLongBits(Float32.round(r)));
        }
    }

    @Test
    void storageIsLosslessForEveryValueAndFourBytesForFloats() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        double[] edges = {0.0, -0.0, Double.NaN, Double.MIN_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL,
            Float.MAX_VALUE, 1e300, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Float.intBitsToFloat(Float32.ESCAPE)};
        double[] values = new double[200_000 + edges.length];
        for (int i = 0; i < 200_000; i++) {
            values[i] = Float32.round(i % 2 == 0 ? anyDouble(random)
                    : (random.nextDouble() - 0.5) * Math.scalb(1.0, random.nextInt(-150, -110)));
        }
        System.arraycopy(edges, 0, values, 200_000, edges.length);
        long escapes = java.util.Arrays.stream(values).filter(v -> !Float32.isExact(v)).count();
        assertTrue(escapes > 1000, "the sample has values a float does not hold: " + escapes);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Float32.write(new DataOutputStream(bytes), values);
        assertEquals(4L * values.length + 4 + 8 * escapes, bytes.size());
        double[] back = new double[values.length];
        Float32.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), back);
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            assertEquals(Double.doubleToLongBits(v), Double.doubleToLongBits(back[i]), () -> "lost " + v);
            if (v == 0) {
                assertEquals(Math.copySign(1, v), Math.copySign(1, back[i]), "sign of zero");
            }
        }
    }

    @Test
    void aBlockOfFloatsTakesFourBytesEach() throws IOException {
        double[] floats = {0.5, -1.25, (double) 3e-5f, (double) 0.1f};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Float32.write(new DataOutputStream(bytes), floats);
        assertEquals(4 * floats.length + 4, bytes.size(), "the values, then a count of no escapes");
    }
}
