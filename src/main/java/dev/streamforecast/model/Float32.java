package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Rounding of doubles to float32 precision in arithmetic the JIT vectorises, and the four-byte form
 * such values are stored in.
 *
 * <p>Parameters and optimiser moments are computed in double precision but rounded to 24 significant
 * bits after every change, so the binary state form stores them in four bytes each and a restored key
 * continues bit for bit. A {@code (float)} cast would round too, but it stops C2 (JDK 17) vectorising
 * the optimiser loop it sits in, which then costs five times as much; so does any clamp or test of
 * the magnitude, so none is made here.
 *
 * <p>The rounding is Veltkamp's split: {@code c = x (2^29 + 1); hi = c - (c - x)} keeps the 24 leading
 * bits of x, rounded to nearest (valid for |x| below 2^994). Every result in float's normal range is a
 * float. The rare result a float does not hold (below float's smallest normal number, about 1.2e-38,
 * where an Adam moment decays after hundreds of zero gradients, or above its largest) is stored by
 * {@link #write} as an escape and the whole double, so storage is lossless for every value.
 */
public final class Float32 {
    private static final double SPLIT = 536_870_913.0; // 2^29 + 1
    /** A NaN bit pattern that Java never produces for a float NaN: marks a value stored as a double. */
    static final int ESCAPE = 0x7f80_0bad;
    private static final int CANONICAL_NAN = 0x7fc0_0000;

    private Float32() {}

    /** {@code x} rounded to 24 significant bits. */
    public static double round(double x) {
        double c = x * SPLIT;
        return c - (c - x);
    }

    /** Rounds every element of {@code a} in place. */
    public static void round(double[] a) {
        for (int k = 0; k < a.length; k++) {
            a[k] = round(a[k]);
        }
    }

    /** Rounds every element of every tensor in place. */
    public static void round(double[][] tensors) {
        for (double[] t : tensors) {
            round(t);
        }
    }

    /** Whether {@code x} survives a trip through a float unchanged (NaN counts as surviving). */
    public static boolean isExact(double x) {
        return Double.isNaN(x) || (double) (float) x == x;
    }

    /** Writes {@code x} in four bytes when a float holds it, else as an escape and its eight bytes. */
    public static void write(DataOutput out, double x) throws IOException {
        float f = (float) x;
        if (f == x) {
            out.writeInt(Float.floatToRawIntBits(f)); // keeps the sign of zero
        } else if (Double.isNaN(x)) {
            out.writeInt(CANONICAL_NAN);
        } else {
            out.writeInt(ESCAPE);
            out.writeDouble(x);
        }
    }

    /** Reads a value {@link #write} wrote. */
    public static double read(DataInput in) throws IOException {
        int bits = in.readInt();
        return bits == ESCAPE ? in.readDouble() : Float.intBitsToFloat(bits);
    }
}
